"""The real `zhicheng` command in child processes, on SQLite and on PostgreSQL (docs/reference.md §5).

Starting the command costs about a second, so the calls that do not depend on each other run in
parallel, and one module-level scenario per database builds the state that most tests then read:
a unit registry imported from a CSV, a batch of real files imported with `--wait`, and the
outputs of the list, status and show commands on it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import create_engine, select

from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.storage.db.models import Application
from tests.cli_support import Run, environment, zhicheng

CJK = re.compile(r"[\u4e00-\u9fff]")

HOSPITAL = make_uscc("12430000MB1000001")   # 湖南省人民医院, reviewed by the center
CLINIC = make_uscc("12430100MB1000002")     # its branch, the applicants' unit
PENDING = make_uscc("91430100MA4L00003")    # registered, not yet approved
UNKNOWN = make_uscc("91430100MA4L00009")    # never registered

ZHANG = make_id_number("43010219900307123")  # 张伟, 男, complete folder
LI = make_id_number("43010419920815224")     # 李娜, 女, roster row without a folder

APP_KEYS = {"id", "name", "id_number", "unit_code", "year", "level", "state", "findings"}
FINDING_KEYS = {"rule", "severity", "material", "message"}
UNIT_KEYS = {"code", "name", "region", "kind", "status", "parent_code"}

# Every command and group of docs/reference.md §5.
CONTRACT_COMMANDS = [
    "init", "demo", "units", "units import", "units register", "units approve", "units link",
    "units list", "intake", "intake import", "worker", "status", "apps", "apps list", "apps show",
    "retry", "review", "review list", "review decide", "publicity", "publicity open",
    "publicity close-due", "recommend", "recommend build", "scheduler", "report", "report packet",
    "report publicity", "report batch", "units token", "intake watch", "serve",
]


# --- running the command ---------------------------------------------------------------------------

def in_parallel(calls: dict[str, tuple[str, ...]], env: dict[str, str], cwd: Path) -> dict[str, Run]:
    """Independent calls at the same time (each is a separate process, like separate operators)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {key: pool.submit(zhicheng, *args, env=env, cwd=cwd) for key, args in calls.items()}
        return {key: f.result() for key, f in futures.items()}


def assert_clean_failure(run: Run, *, code: int = 3) -> None:
    """A refused command: the exit code (3 refused, 4 not found, 5 configuration; docs/errors.md),
    nothing on stdout, a Chinese message, no traceback."""
    assert run.code == code, run
    assert run.out == "", run
    assert CJK.search(run.err), run
    assert "Traceback" not in run.err, run


def one_json_document(run: Run) -> object:
    """stdout holds exactly one JSON document and nothing else."""
    assert run.code == 0, run
    return json.loads(run.out)


# --- real files ----------------------------------------------------------------------------------

def _cjk_font(size: int) -> ImageFont.ImageFont:
    for path in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                 "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                 "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def certificate_jpeg(title: str, lines: list[str]) -> bytes:
    """A certificate photo as a JPEG, with its title, the holder's name and ID number."""
    img = Image.new("RGB", (1400, 1000), (250, 246, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 30, 1370, 970), outline=(150, 30, 30), width=8)
    draw.text((500, 120), title, fill=(150, 30, 30), font=_cjk_font(64))
    for i, line in enumerate(lines):
        draw.text((160, 300 + i * 80), line, fill=(20, 20, 20), font=_cjk_font(40))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def text_pdf(title: str, body: str) -> bytes:
    """A PDF with a real text layer (reportlab's CID font STSong-Light), wrapped over pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setTitle(title)
    c.setFont("STSong-Light", 18)
    c.drawString(72, 780, title)
    c.setFont("STSong-Light", 11)
    y = 750
    for start in range(0, len(body), 38):
        if y < 72:
            c.showPage()
            c.setFont("STSong-Light", 11)
            y = 790
        c.drawString(72, y, body[start:start + 38])
        y -= 18
    c.save()
    return out.getvalue()


REPORT_SENTENCES = [
    "本人自取得医师资格以来，始终坚守临床一线，认真履行岗位职责，严格执行各项诊疗规范。",
    "在科室主任的带领下，参与完成急危重症患者的抢救工作，积累了较为丰富的临床经验。",
    "坚持以患者为中心，耐心细致地与患者及家属沟通，全年未发生医疗纠纷和医疗事故。",
    "积极参加院内外业务学习和继续医学教育，按时完成公需科目和专业科目学时要求。",
    "承担住院医师规范化培训带教任务，指导规培学员完成病历书写和临床操作训练。",
    "参与科室质量控制小组工作，协助修订常见病诊疗流程，提高了诊疗效率和质量。",
    "下基层开展义诊和健康宣教活动，服务群众，受到当地卫生院和群众的好评。",
    "今后将继续加强业务学习，提高诊疗水平，努力成为一名合格的主治医师。",
]


def work_report(name: str) -> str:
    """A 述职报告 of well over 3,000 characters (the contract's minimum)."""
    parts = [f"述职报告（{name}）"]
    for year in range(2014, 2026):
        parts.append(f"{year}年度工作情况：")
        parts.extend(REPORT_SENTENCES)
    body = "".join(parts)
    assert len(body) > 3300
    return body


ROSTER_HEADER = ["序号", "姓名", "身份证号", "性别", "手机号码", "单位统一社会信用代码", "单位名称",
                 "申报年度", "申报系列", "申报专业", "申报级别", "申报资格名称", "现职称",
                 "现职称取得时间", "最高学历", "最高学位", "毕业院校", "毕业时间", "参加工作时间",
                 "继续教育学时", "公需科目学时", "专业科目学时", "申报途径", "线下形式审查"]


def write_batch(root: Path) -> Path:
    """A batch folder: a UTF-8 roster of two applicants, and the folder of one of them."""
    batch = root / "长沙市第一医院分院-2026年度"
    batch.mkdir(parents=True)
    with (batch / "roster.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ROSTER_HEADER)
        w.writerow(["1", "张伟", ZHANG, "男", "13807310001", CLINIC, "湖南省人民医院马王堆院区", "2026",
                    "卫生", "临床医学", "中级", "主治医师", "医师", "2019-07-01", "大学本科", "学士",
                    "中南大学", "2012-06-30", "2012-07-01", "96", "32", "64", "正常", ""])
        w.writerow(["2", "李娜", LI, "女", "13907310002", CLINIC, "湖南省人民医院马王堆院区", "2026",
                    "卫生", "护理", "初级", "护士", "", "", "大学专科", "无", "长沙卫生职业学院",
                    "2014-06-30", "2014-07-01", "90", "30", "60", "正常", ""])
    folder = batch / f"{ZHANG}_张伟"
    folder.mkdir()
    who = ["姓名：张伟", f"身份证号：{ZHANG}"]
    files = {
        "专业技术职称评审表.pdf": text_pdf("专业技术职称评审表",
                                   "姓名张伟，性别男，身份证号" + ZHANG + "，申报卫生系列临床医学专业主治医师。" * 3),
        "学历证书.jpg": certificate_jpeg("毕业证书", who + ["中南大学 临床医学专业 本科", "2012年6月30日"]),
        "学位证书.jpg": certificate_jpeg("学士学位证书", who + ["授予医学学士学位"]),
        "继续教育学时认定单.jpg": certificate_jpeg("继续教育学时认定单",
                                           who + ["2025年度 合计96学时", "公需科目32学时 专业科目64学时"]),
        "现职称证书.jpg": certificate_jpeg("专业技术资格证书", who + ["资格名称：医师", "取得时间：2019年7月1日"]),
        "业绩材料.pdf": text_pdf("业绩材料", "主持完成院级课题一项，发表论文两篇，参与抢救危重患者六十余人次。" * 4),
        "业绩材料-2.pdf": text_pdf("业绩材料（二）", "承担规培带教任务三年，带教学员二十余名，考核合格率百分之百。" * 4),
        "述职报告.pdf": text_pdf("述职报告", work_report("张伟")),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return batch


def write_units_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["统一社会信用代码", "单位名称", "统筹区", "单位性质", "审核单位",
                    "主管单位统一社会信用代码", "上级单位统一社会信用代码", "注册状态"])
        w.writerow([HOSPITAL, "湖南省人民医院", "省本级", "事业单位", "主管机构", "", "", "已审核"])
        w.writerow([CLINIC, "湖南省人民医院马王堆院区", "长沙市本级", "事业单位", "主管单位", HOSPITAL,
                    HOSPITAL, "已审核"])
        w.writerow([PENDING, "长沙某某科技有限公司", "雨花区", "非公企业", "主管机构", "", "", ""])
    return path


# --- databases -----------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The conftest `database_url`, for a whole module: a migrated, empty database."""
    from tests.conftest import migrated_database

    return migrated_database(request, request.param, tmp_path_factory.mktemp("cli-sqlite"))


@pytest.fixture(params=["sqlite", "postgresql"])
def uninitialised_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that `zhicheng init` has never touched."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    from tests.conftest import empty_pg_database

    with empty_pg_database("zhicheng_cli") as url:
        yield url


# --- the scenario --------------------------------------------------------------------------------

@dataclass
class Scenario:
    batch_dir: Path
    runs: dict[str, Run]
    batch_id: int | None
    app_ids: dict[str, int]       # ID number → application id, read from the database

    def run(self, key: str) -> Run:
        """The output of one step; a step that could not run says which earlier one failed."""
        assert key in self.runs, f"“{key}” was not run because the import failed:\n{self.runs['import wait']}"
        return self.runs[key]


@pytest.fixture(scope="module")
def scenario(cli_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Units imported, a batch imported and processed, then every read command on the result."""
    work = tmp_path_factory.mktemp("cli")
    env = environment(work / "var", cli_database_url)
    units_csv = write_units_csv(work / "单位名册.csv")
    batch_dir = write_batch(work / "inbox")
    runs: dict[str, Run] = {}

    runs["units import"] = zhicheng("units", "import", str(units_csv), env=env, cwd=work)
    runs.update(in_parallel({
        "units list": ("units", "list", "--json"),
        "link loop": ("units", "link", HOSPITAL, "--parent", CLINIC),
        "approve unknown": ("units", "approve", UNKNOWN),
        "import wait": ("intake", "import", str(batch_dir), "--wait"),
        "show unknown": ("apps", "show", "99999"),
    }, env, work))

    first_line = runs["import wait"].out.split("\n", 1)[0].strip()
    batch_id = int(first_line) if first_line.isdigit() else None
    engine = create_engine(cli_database_url)
    with engine.connect() as conn:
        app_ids = {r.id_number: r.id for r in conn.execute(select(Application.id, Application.id_number))}
    engine.dispose()

    reads: dict[str, tuple[str, ...]] = {
        "status": ("status", "--json"),
        "apps list": ("apps", "list", "--json"),
    }
    if batch_id is not None:
        reads["status batch"] = ("status", str(batch_id), "--json")
    if ZHANG in app_ids:
        reads["show zhang"] = ("apps", "show", str(app_ids[ZHANG]), "--json")
    runs.update(in_parallel(reads, env, work))
    # Last, as it writes: the same folder again, as a unit that sends twice would.
    runs["import json"] = zhicheng("intake", "import", str(batch_dir), "--json", env=env, cwd=work)
    return Scenario(batch_dir, runs, batch_id, app_ids)


# --- help ------------------------------------------------------------------------------------------

def _registered_commands() -> list[str]:
    from zhicheng.cli import build

    found: list[str] = []

    def walk(group: click.Group, prefix: str, ctx: click.Context) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            path = f"{prefix} {name}".strip()
            found.append(path)
            if isinstance(command, click.Group):
                walk(command, path, click.Context(command, parent=ctx, info_name=name))

    cli = build()
    walk(cli, "", click.Context(cli, info_name="zhicheng"))
    return found


def test_the_real_command_shows_its_help(tmp_path: Path) -> None:
    """The installed entry point, in a child process, lists the command groups."""
    run = zhicheng("--help", env=environment(tmp_path / "var", None), cwd=tmp_path)
    assert run.code == 0, run
    assert run.out.startswith("Usage: zhicheng"), run
    for group in ("init", "units", "intake", "status", "apps"):
        assert re.search(rf"^  {group}\b", run.out, re.M), run


def _help(path: str) -> tuple[int, str]:
    """`zhicheng PATH --help` on the same click tree, in this process (a child costs a second)."""
    from click.testing import CliRunner

    from zhicheng.cli import build

    result = CliRunner().invoke(build(), [*path.split(), "--help"], prog_name="zhicheng")
    return result.exit_code, result.output


def test_every_registered_command_and_group_shows_its_help() -> None:
    registered = [""] + _registered_commands()
    assert len(registered) >= 17
    failures = []
    for path in registered:
        code, output = _help(path)
        if code != 0 or not output.startswith(f"Usage: zhicheng {path}".rstrip()):
            failures.append((path, code, output[:300]))
    assert failures == []


def test_every_command_of_the_contract_exists_and_shows_its_help() -> None:
    missing = [p for p in CONTRACT_COMMANDS if _help(p)[0] != 0]
    assert missing == []


# --- before and after init -----------------------------------------------------------------------

def test_a_command_before_init_says_to_run_init_and_init_can_run_twice(
        uninitialised_database_url: str, tmp_path: Path) -> None:
    env = environment(tmp_path / "var", uninitialised_database_url)
    before = zhicheng("units", "list", "--json", env=env, cwd=tmp_path)
    assert_clean_failure(before, code=5)
    assert "zhicheng init" in before.err

    first = zhicheng("init", env=env, cwd=tmp_path)
    assert first.code == 0, first
    assert "Traceback" not in first.err
    second = zhicheng("init", env=env, cwd=tmp_path)
    assert second.code == 0, second
    assert "最新" in second.err, second  # the first one created the schema


# --- units -----------------------------------------------------------------------------------------

def test_units_import_registers_the_units_of_a_csv(scenario: Scenario) -> None:
    run = scenario.run("units import")
    assert run.code == 0, run
    assert run.out == ""  # a report for the person, on stderr
    assert "Traceback" not in run.err


def test_units_list_json_is_one_document_with_the_contract_keys(scenario: Scenario) -> None:
    units = one_json_document(scenario.run("units list"))
    assert isinstance(units, list)
    assert all(UNIT_KEYS <= set(u) for u in units), units
    assert sorted(({k: u[k] for k in UNIT_KEYS} for u in units), key=lambda u: u["code"]) == sorted([
        {"code": HOSPITAL, "name": "湖南省人民医院", "region": "省本级", "kind": "事业单位",
         "status": "已审核", "parent_code": None},
        {"code": CLINIC, "name": "湖南省人民医院马王堆院区", "region": "长沙市本级", "kind": "事业单位",
         "status": "已审核", "parent_code": HOSPITAL},
        {"code": PENDING, "name": "长沙某某科技有限公司", "region": "雨花区", "kind": "非公企业",
         "status": "待审核", "parent_code": None},
    ], key=lambda u: u["code"])


def test_units_link_that_would_make_a_loop_is_refused_in_chinese(scenario: Scenario) -> None:
    run = scenario.run("link loop")
    assert_clean_failure(run)
    assert f"{HOSPITAL} → {CLINIC} → {HOSPITAL}" in run.err
    assert "循环" in run.err


def test_units_approve_of_an_unknown_code_fails(scenario: Scenario) -> None:
    run = scenario.run("approve unknown")
    assert_clean_failure(run)
    assert UNKNOWN in run.err and "未注册" in run.err


# --- a batch ---------------------------------------------------------------------------------------

def test_intake_import_wait_prints_exactly_the_batch_id(scenario: Scenario) -> None:
    run = scenario.run("import wait")
    assert run.code == 0, run
    assert scenario.batch_id is not None, run
    assert run.out == f"{scenario.batch_id}\n", run
    assert "Traceback" not in run.err


def test_the_batch_made_one_application_per_roster_row(scenario: Scenario) -> None:
    assert set(scenario.app_ids) == {ZHANG, LI}


def test_intake_import_json_gives_an_object_with_the_new_batch_id(scenario: Scenario) -> None:
    receipt = one_json_document(scenario.run("import json"))
    assert isinstance(receipt, dict)
    assert isinstance(receipt["id"], int)
    assert receipt["id"] != scenario.batch_id  # a new batch, …
    assert receipt["created"] == []            # … in which both applications already exist
    assert sorted(receipt["existing"]) == sorted(scenario.app_ids.values())


def test_status_of_a_batch_gives_its_receipt(scenario: Scenario) -> None:
    receipt = one_json_document(scenario.run("status batch"))
    assert isinstance(receipt, dict)
    assert {"batch", "source", "created", "existing", "applications", "problems"} <= set(receipt)
    assert receipt["batch"] == scenario.batch_id
    assert receipt["source"] == str(scenario.batch_dir.resolve())
    assert sorted(receipt["created"]) == sorted(scenario.app_ids.values())
    assert receipt["existing"] == []
    assert sorted(receipt["applications"]) == sorted(scenario.app_ids.values())
    assert [set(p) for p in receipt["problems"]] == [{"code", "message", "path"}]
    problem = receipt["problems"][0]
    assert problem["code"] == "batch.row_without_folder"
    assert problem["path"] == "第3行"
    assert "李娜" in problem["message"]


def test_status_gives_counts_queues_stuck_and_failed(scenario: Scenario) -> None:
    status = one_json_document(scenario.run("status"))
    assert isinstance(status, dict)
    assert {"states", "queues", "stuck", "failed"} <= set(status)
    assert status["states"] == {"unit_review": 1, "returned": 1}
    assert status["stuck"] == [] and status["failed"] == []
    assert all({"queue", "depth", "oldest_age_seconds"} <= set(q) for q in status["queues"])
    depths = {q["queue"]: q["depth"] for q in status["queues"]}
    assert depths["review:unit"] == 1
    assert sum(depths.values()) == 1  # nothing left in the automatic stages
    assert {j["job"] for j in status["jobs"]} == {"close-publicities", "build-recommendations",
                                                  "recover-stuck"}
    assert all(j["last_run"] is None for j in status["jobs"])  # no scheduler has run here


def test_apps_list_shows_each_application_with_its_findings(scenario: Scenario) -> None:
    apps = one_json_document(scenario.run("apps list"))
    assert isinstance(apps, list) and len(apps) == 2
    assert all(APP_KEYS <= set(a) for a in apps), apps
    by_id_number = {a["id_number"]: a for a in apps}
    zhang, li = by_id_number[ZHANG], by_id_number[LI]  # full ID numbers: the operator's view
    assert {k: zhang[k] for k in APP_KEYS} == {
        "id": scenario.app_ids[ZHANG], "name": "张伟", "id_number": ZHANG, "unit_code": CLINIC,
        "year": 2026, "level": "中级", "state": "unit_review", "findings": []}
    assert (li["name"], li["unit_code"], li["year"], li["level"], li["state"]) == (
        "李娜", CLINIC, 2026, "初级", "returned")
    assert all(FINDING_KEYS <= set(f) for f in li["findings"]), li["findings"]
    assert {(f["rule"], f["severity"]) for f in li["findings"]} == {("material.missing", "block")}
    assert sorted(f["material"] for f in li["findings"]) == sorted(
        ["专业技术职称评审表", "学历证书", "继续教育学时认定单", "业绩材料", "述职报告"])
    assert all(CJK.search(f["message"]) for f in li["findings"])


def test_apps_show_adds_materials_reviews_and_events(scenario: Scenario) -> None:
    shown = one_json_document(scenario.run("show zhang"))
    assert isinstance(shown, dict)
    assert APP_KEYS | {"materials", "reviews", "events"} <= set(shown)
    assert (shown["id"], shown["name"], shown["id_number"], shown["state"]) == (
        scenario.app_ids[ZHANG], "张伟", ZHANG, "unit_review")
    assert sorted(m["kind"] for m in shown["materials"]) == sorted(
        ["专业技术职称评审表", "学历证书", "学位证书", "继续教育学时认定单", "现职称证书",
         "业绩材料", "业绩材料", "述职报告"])
    assert {m["name"] for m in shown["materials"]} == {
        p.name for p in (scenario.batch_dir / f"{ZHANG}_张伟").iterdir()}
    assert shown["reviews"] == []
    moves = [e["to"] for e in shown["events"] if e["to"]]
    assert moves == ["received", "normalized", "extracted", "checked", "unit_review"]


def test_apps_show_of_an_unknown_id_fails_in_chinese(scenario: Scenario) -> None:
    run = scenario.run("show unknown")
    assert_clean_failure(run, code=4)
    assert "99999" in run.err


def test_intake_import_of_a_path_that_does_not_exist_fails_with_a_message(tmp_path: Path) -> None:
    """Refused before any database is touched, so one run covers both databases."""
    run = zhicheng("intake", "import", str(tmp_path / "没有这个文件夹"),
                   env=environment(tmp_path / "var", None), cwd=tmp_path)
    assert run.code == 4, run
    assert run.out == ""
    assert "没有这个文件夹" in run.err
    assert "Traceback" not in run.err

