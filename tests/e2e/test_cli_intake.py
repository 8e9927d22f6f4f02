"""The unit's side of intake through the real `zhicheng` command (SQLite and PostgreSQL).

Everyday roster headers, an ID number typed as a number, a unit not yet approved (returned at
intake), an identical re-import, `recheck`, per-applicant receipts (`status BATCH`, the inbox
note, `report receipt`), the row cap, and the template's round trip.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from pipeline.domain.identity import make_id_number
from tests.cli_support import Run, environment, zhicheng
from tests.e2e.test_cli import PENDING, ROSTER_HEADER, ZHANG, one_json_document, write_batch, write_units_csv

# The module's set-up runs ten commands, each a fresh process: on the shared 2-core machine under
# load that takes minutes, more than the default per-test limit.
pytestmark = pytest.mark.timeout(900)

WANG = make_id_number("43011119900101357")
ZHAO = make_id_number("43020319910822468")
ZHOU = make_id_number("43010219850315003")   # 男, as the row says
SYNONYMS = {"身份证号": "身份证号码", "手机号码": "联系电话", "单位统一社会信用代码": "统一社会信用代码",
            "现职称取得时间": "取得时间", "最高学历": "学历", "最高学位": "学位",
            "公需科目学时": "公需科目", "专业科目学时": "专业科目"}


def _gbk_synonym_roster(batch: Path) -> None:
    """Rewrite the batch's roster in GBK with everyday headers and one column we do not know."""
    with (batch / "roster.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    (batch / "roster.csv").unlink()
    with (batch / "花名册.csv").open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([SYNONYMS.get(h, h) for h in rows[0]] + ["学历层次"])
        for row in rows[1:]:
            w.writerow(row + ["本科"])


def _pending_xlsx_batch(root: Path) -> Path:
    """A unit not yet approved; one ID number stored as a number, as Excel keeps a typed one."""
    batch = root / "待审核单位-2026"
    batch.mkdir(parents=True)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(ROSTER_HEADER)
    base = ["卫生", "护理", "初级", "护士", "", "", "大学专科", "无", "长沙卫生职业学院",
            "2014-06-30", "2014-07-01", "90", "30", "60", "正常", ""]
    sheet.append(["1", "王强", WANG, "男", "13807310003", PENDING, "长沙某某科技有限公司", "2026"] + base)
    sheet.append(["2", "赵敏", float(ZHAO), "女", "13807310004", PENDING, "长沙某某科技有限公司",
                  "2026"] + base)
    book.save(batch / "roster.xlsx")
    return batch


@dataclass
class Flow:
    runs: dict[str, Run]
    work: Path
    env: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def flow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Flow:
    from tests.conftest import migrated_database

    url = migrated_database(request, request.param, tmp_path_factory.mktemp("intake-db"))
    work = tmp_path_factory.mktemp("intake-cli")
    env = environment(work / "var", url)
    runs: dict[str, Run] = {}
    runs["units"] = zhicheng("units", "import", str(write_units_csv(work / "单位.csv")), env=env, cwd=work)

    synonyms = write_batch(work / "a")
    _gbk_synonym_roster(synonyms)
    runs["import synonyms"] = zhicheng("intake", "import", str(synonyms), "--json", env=env, cwd=work)

    pending = _pending_xlsx_batch(work / "b")
    runs["import pending"] = zhicheng("intake", "import", str(pending), "--json", env=env, cwd=work)
    batch = json.loads(runs["import pending"].out)["id"]
    runs["status pending"] = zhicheng("status", str(batch), env=env, cwd=work)
    runs["again pending"] = zhicheng("intake", "import", str(pending), env=env, cwd=work)
    runs["approve"] = zhicheng("units", "approve", PENDING, env=env, cwd=work)
    runs["recheck"] = zhicheng("recheck", "--unit", PENDING, env=env, cwd=work)
    runs["receipt"] = zhicheng("report", "receipt", str(batch), "--out", str(work / "回执"),
                               env=env, cwd=work)
    runs["status pending json"] = zhicheng("status", str(batch), "--json", env=env, cwd=work)
    return Flow(runs, work, env)


def test_everyday_headers_import_and_the_unknown_column_is_named(flow: Flow) -> None:
    receipt = one_json_document(flow.runs["import synonyms"])
    assert isinstance(receipt, dict)
    assert [p["code"] for p in receipt["problems"] if p["code"].startswith("roster.")] \
        == ["roster.unknown_column"]
    assert any("“学历层次”，是否应为“最高学历”" in p["message"] for p in receipt["problems"])
    zhang = next(a for a in receipt["applicants"] if a["id_number"] == ZHANG)
    assert zhang["state"] == "unit_review", zhang
    assert not any("现职称取得时间" in m for a in receipt["applicants"] for m in a["messages"])


def test_a_unit_not_approved_is_returned_at_intake_with_the_id_number_explained(flow: Flow) -> None:
    receipt = one_json_document(flow.runs["import pending"])
    assert isinstance(receipt, dict)
    people = {a["name"]: a for a in receipt["applicants"]}
    assert {a["state"] for a in people.values()} == {"returned"}
    assert all(any("尚未审核通过" in m for m in a["messages"]) for a in people.values())
    zhao = people["赵敏"]
    assert any("被 Excel 存成了数字" in m for m in zhao["messages"])
    assert not any("校验位" in m for m in zhao["messages"])
    text = flow.runs["status pending"]
    assert text.code == 0 and "赵敏" in text.out and "被 Excel 存成了数字" in text.out
    # The message quotes what Excel shows; the lists never give it as the ID number.
    assert "E+17" not in zhao["id_number"].upper()
    line = next(ln for ln in text.out.splitlines() if "赵敏（" in ln)   # the applicant's line
    assert "E+17" not in line.upper() and "被Excel存成了数字" in line


def test_an_identical_reimport_says_nothing_changed_and_why(flow: Flow) -> None:
    again = flow.runs["again pending"]
    assert again.code == 0, again
    assert "已存在 2 份，内容未变化" in again.err and "退回" in again.err
    assert "zhicheng recheck" in again.err


def test_recheck_after_approval_runs_the_checks_again_with_a_chinese_summary(flow: Flow) -> None:
    run = flow.runs["recheck"]
    assert run.code == 0, run
    assert "重新检查 2 份" in run.err
    after = one_json_document(flow.runs["status pending json"])
    assert isinstance(after, dict)
    for a in after["applicants"]:
        assert not any("尚未审核通过" in m for m in a["messages"]), a
    wang = next(a for a in after["applicants"] if a["name"] == "王强")
    assert any("缺少必备材料" in m for m in wang["messages"])   # now checked in full


def test_report_receipt_writes_the_returned_list_for_the_unit(flow: Flow) -> None:
    run = flow.runs["receipt"]
    assert run.code == 0, run
    path = Path(run.out.strip())
    assert path.name.startswith("退回清单") and path.exists()
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "王强" in text and WANG in text and "缺少必备材料" in text


def test_a_roster_past_the_cap_is_refused_with_one_message(flow: Flow) -> None:
    batch = flow.work / "大批次"
    batch.mkdir()
    with (batch / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ROSTER_HEADER)
        for i in range(2001):
            w.writerow([str(i + 1), f"申报人{i}", make_id_number(f"4301021990{i:07d}"[:17])])
    run = zhicheng("intake", "import", str(batch), "--json", env=flow.env, cwd=flow.work)
    assert run.code == 3, run  # refused: the error tree's code
    receipt = json.loads(run.out)
    assert [p["code"] for p in receipt["problems"]] == ["roster.too_many_rows"]
    assert "每批上限 2000 人" in receipt["problems"][0]["message"]
    assert receipt["created"] == []


def test_the_template_filled_in_with_excel_imports_with_no_problem(flow: Flow) -> None:
    out = flow.work / "模板" / "花名册模板.xlsx"
    made = zhicheng("intake", "template", "--out", str(out), env=flow.env, cwd=flow.work)
    assert made.code == 0 and out.exists(), made
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["花名册", "填写示例", "材料清单"]
    sheet = book["花名册"]
    headers = [c.value for c in sheet[1]]
    assert sheet.data_validations.dataValidation, "drop-downs for the enumerated columns"
    id_col = headers.index("身份证号") + 1
    assert sheet.cell(row=2, column=id_col).number_format == "@"
    source = write_batch(flow.work / "template-batch")   # ZHANG's folder and roster values
    with (source / "roster.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    values = dict(zip(rows[0], rows[1]))
    values["身份证号"] = ZHOU   # a new person: 张伟 of the first batch is already in review
    (source / f"{ZHANG}_张伟").rename(source / f"{ZHOU}_周杰")
    values["姓名"] = "周杰"
    for col, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=col).value = values.get(header) or None
    (source / "roster.csv").unlink()
    book.save(source / "花名册.xlsx")
    run = zhicheng("intake", "import", str(source), "--json", env=flow.env, cwd=flow.work)
    receipt = json.loads(run.out)
    assert receipt["problems"] == [], receipt["problems"]
    assert [a["state"] for a in receipt["applicants"]] in (["unit_review"], ["returned"])
    assert not any(w in m for a in receipt["applicants"] for m in a["messages"]
                   for w in ("缺少必填项", "不是可选的值", "身份证号“")), receipt["applicants"]


def test_the_inbox_note_lists_every_applicant_and_no_command(flow: Flow) -> None:
    inbox = flow.work / "inbox"
    batch = write_batch(inbox / "tmp")
    moved = inbox / "长沙-收件箱批次"
    batch.rename(moved)
    (inbox / "tmp").rmdir()
    with (moved / "roster.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][2], rows[2][2] = WANG, ZHAO   # new people, so the batch is new content
    (moved / f"{ZHANG}_张伟").rename(moved / f"{WANG}_张伟")
    with (moved / "roster.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    run = zhicheng("intake", "watch", str(inbox), "--once", "--interval", "0.2",
                   env=flow.env, cwd=flow.work)
    assert run.code == 0, run
    notes = list((inbox / "processed").glob("*.说明.txt"))
    assert len(notes) == 1, run
    note = notes[0].read_text(encoding="utf-8")
    assert "zhicheng status" not in note
    assert "张伟" in note and "李娜" in note and "申报人（2）" in note
