"""`zhicheng demo`: a realistic sample batch through every stage, on the embedded default."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from intake.units_file import read_units_file
from pipeline.context import Context
from pipeline.domain.findings import SEVERITY_LABELS, Severity
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import Resolution, rule_label
from pipeline.domain.workdays import CalendarUnknown
from pipeline.services import offline_review, publicity, publicity_closing, queries, recommend, review
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import show_application
from pipeline.services.review import DECISIONS
from pipeline.services.units import import_units
from pipeline.settings import Settings
from pipeline.storage.db import migrate
from reports.demo import write_all
from zhicheng.app import import_batch, terminal_progress
from zhicheng.bootstrap import Runtime, bootstrap
from zhicheng.cli.common import Fail
from zhicheng.sample import BATCH_FLAWS, DEFAULT_FLAWS, make_batch, sample_units, write_units_file

MARKER = ".zhicheng-demo"
DATE_LABELS = {"graduation": "毕业", "degree_award": "学位授予", "title_approval": "评审通过",
               "birth": "出生", "study_start": "入学", "study_end": "结业", "issue": "发证",
               "valid_from": "有效期起", "valid_until": "有效期至"}


@click.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("zhicheng-demo"),
              show_default=True, help="演示文件与数据写入的目录")
@click.option("--applicants", type=int, default=16, show_default=True, help="样例申报人数")
@click.option("--seed", type=int, default=2026, show_default=True, help="随机种子（相同种子生成相同样例）")
def demo(out: Path, applicants: int, seed: int) -> None:
    """生成一个逼真的样例批次，在内嵌模式下走完所有阶段，并说明结果在哪里。"""
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise Fail(f"目录{out}不是空目录，也不是以前的演示目录；请用 --out 指定其他目录")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("zhicheng demo\n")
    settings = Settings(data_dir=out / "var")  # always the embedded default: SQLite, in-process
    runtime = bootstrap(settings)
    try:
        migrate.upgrade(runtime.ctx.db.engine)
        click.echo(f"1. 数据库已创建：{settings.resolved_database_url}")
        units = sample_units()
        units_file = write_units_file(out / "units.xlsx", units)
        rows, _ = read_units_file(units_file)
        report = import_units(runtime.ctx, rows)
        click.echo(f"2. 已导入单位 {len(report.created)} 个（{units_file}）：")
        for u in units:
            click.echo(f"     {u.code} {u.name}（{u.status}，上级：{u.parent_code or '中心'}）")
        flaws = list(DEFAULT_FLAWS + BATCH_FLAWS) if applicants > len(DEFAULT_FLAWS) else True
        batch = make_batch(out / "batches", applicants=applicants, seed=seed, flaws=flaws)
        click.echo(f"3. 已生成样例批次：{batch.path}（{len(batch.applicants)} 名申报人，"
                   "含若干故意设置的问题）")
        batch_id = import_batch(runtime, batch.path, wait=True,
                                progress=terminal_progress("   处理进度"))
        receipt = queries.batch_receipt(runtime.ctx, batch_id)
        click.echo(f"4. 批次 {batch_id} 已导入并处理：新建 {len(receipt['created'])} 份申报")
        for p in receipt["problems"]:
            click.echo(f"     批次问题 [{p['code']}] {p['message']}")
        apps = sorted(queries.list_applications(runtime.ctx, batch=batch_id), key=lambda a: a["id"])
        counts = Counter(a["state"] for a in apps)
        click.echo("5. 处理结果：" + "，".join(f"{LABELS[State(s)]} {n} 份" for s, n in counts.items()))
        for a in apps:
            click.echo(f"   #{a['id']} {a['name']} {a['title_name']} → {a['state_label']}")
            for f in a["findings"]:
                label = SEVERITY_LABELS[Severity(f["severity"])]
                click.echo(f"       [{label}] {rule_label(f['rule'])}：{f['message']}")
        clean = next((a for a in apps if a["state"] == State.UNIT_REVIEW and not a["findings"]), None)
        if clean is not None:
            _show_readings(queries.show_application(runtime.ctx, clean["id"]))
        _review_chain(runtime.ctx, [a["id"] for a in apps])
        apps = sorted(queries.list_applications(runtime.ctx, batch=batch_id), key=lambda a: a["id"])
        counts = Counter(a["state"] for a in apps)
        click.echo("12. 最终结果：" + "，".join(f"{LABELS[State(s)]} {n} 份" for s, n in counts.items()))
        reports_dir = _write_reports(runtime, out / "reports")
        click.echo("")
        click.echo(f"演示数据在 {out}：")
        click.echo(f"  样例批次    {batch.path}")
        click.echo(f"  报告        {reports_dir}（审核包、待审核清单、公示名单、推荐上报名单）")
        click.echo(f"  数据目录    {settings.data_dir}（数据库与按内容保存的材料原件）")
        click.echo("继续查看：")
        click.echo(f"  ZHICHENG_DATA_DIR={settings.data_dir} zhicheng status {batch_id}")
        click.echo(f"  ZHICHENG_DATA_DIR={settings.data_dir} zhicheng apps list")
        click.echo(f"  ZHICHENG_DATA_DIR={settings.data_dir} zhicheng apps show {apps[0]['id'] if apps else 1}")
    finally:
        runtime.close()


def _review_chain(ctx: Context, app_ids: list[int]) -> None:
    """Steps 4–7 of docs/reference.md on the sample: decisions, publicity, recommendation, reviews."""
    queue = review.review_queue(ctx, "unit")
    queue = [a for a in queue if a["id"] in app_ids]
    click.echo(f"7. 所在单位初审：{len(queue)} 份申报待审核")
    # all pass but two: one is returned for correction, one is left waiting in the queue
    waiting = queue[-1] if len(queue) > 2 else None
    decided = queue[:-1] if waiting else queue
    for i, a in enumerate(decided):
        decision, opinion = ("return", "请重新扫描学历证书，并核对手机号码") if i == len(decided) - 1 \
            else ("pass", "材料齐全，同意推荐")
        review.decide(ctx, a["id"], decision, opinion, reviewer="单位经办人（演示）", stage="unit")
        click.echo(f"     #{a['id']} {a['name']}：{DECISIONS[decision]}（{opinion}）")
    if waiting:
        click.echo(f"     #{waiting['id']} {waiting['name']}：留在队列中待审核（见待审核清单）")
    start = ctx.today()
    units = sorted({a["unit_code"] for a in decided[:-1]})
    opened = []

    def open_at(unit: str, day: date) -> int:
        return publicity.open_publicity(ctx, unit, day, 5, "王老师", "0731-84561234",
                                        by="单位经办人（演示）", force=day < ctx.today(),
                                        reason="演示：日历尚不知今年，改用已知日期")

    for unit in units:
        try:
            try:
                pub_id = open_at(unit, start)
            except CalendarUnknown:
                start = date(2026, 11, 2)  # the calendar does not know this year yet: a known one
                pub_id = open_at(unit, start)
        except WorkflowError:
            continue  # nothing of this unit passed
        opened.append(publicity.publicity_view(ctx, pub_id))
    for v in opened:
        click.echo(f"8. 公示{v['id']}（单位 {v['unit_code']}）：{v['start_date']} 起 {v['days']} 个工作日，"
                   f"至 {v['end_date']} 止，{len(v['applications'])} 人")
    if opened and opened[0]["applications"]:
        target = opened[0]["applications"][0]
        oid = publicity.object_to(ctx, opened[0]["id"], str(target["id"]), "反映其业绩材料中的项目并非本人主持",
                                  today=start)
        publicity.resolve(ctx, oid, Resolution.UPHELD, "经单位核实，异议成立")
        click.echo(f"     异议{oid}：#{target['id']} {target['name']}，经核实异议成立")
    if not opened:
        return
    after = max(date.fromisoformat(v["end_date"]) for v in opened) + timedelta(days=1)
    closing = publicity_closing.close_due(ctx, after, by="系统（演示）", force=after > ctx.today(),
                                          reason="演示：模拟公示期满")
    click.echo(f"9. 模拟到 {after} 执行定时任务“关闭到期公示”：关闭 {len(closing.publicities)} 个公示，"
               f"拟通过 {closing.passed} 人，拟不通过 {closing.failed} 人")
    for pub_id in closing.publicities:
        done = publicity_closing.confirm(ctx, pub_id, by="单位经办人（演示）")
        click.echo(f"     单位确认公示{pub_id}结果：公示通过 {len(done.passed)} 人，"
                   f"公示未通过 {len(done.failed)} 人")
    rules = ctx.rules.for_year(start.year)
    year = rules.year if rules is not None else 2026
    for unit in units:
        built = recommend.build(ctx, unit, year, by="单位经办人（演示）")
        if built.created:
            to = f"主管单位 {built.target}" if built.target else "省人力资源服务中心"
            click.echo(f"10. 推荐上报批次{built.batch_id}（单位 {unit}）：{built.count} 人，报送{to}")
    for a in review.review_queue(ctx, "supervisor"):
        review.decide(ctx, a["id"], "pass", "同意上报", by="主管单位审核人（演示）")
        click.echo(f"     主管单位审核 #{a['id']} {a['name']}：审核通过，报送中心")
    click.echo("11. 中心形式审查：")
    for a in review.review_queue(ctx, "center"):
        # the center's window records the offline review it did (here: as the unit declared)
        result = ctx_offline(ctx, a["id"])
        offline_review.record_offline_review(ctx, a["id"], result, by="中心窗口（演示）")
        if result == "通过":
            review.decide(ctx, a["id"], "pass", "符合形式审查要求", by="中心审核人（演示）")
            outcome = "审核通过"
        else:
            review.decide(ctx, a["id"], "reject", "线下形式审查未通过", by="中心审核人（演示）")
            outcome = "审核不通过（线下形式审查未通过）"
        click.echo(f"     #{a['id']} {a['name']}：{outcome}")


def ctx_offline(ctx: Context, app_id: int) -> str:
    """The unit's declaration of the offline review, which the demo's center window confirms."""
    return show_application(ctx, app_id).get("offline_review") or "通过"


def _write_reports(runtime: Runtime, reports_dir: Path) -> Path:
    """Every kind of report the database has something for; print what was written where."""

    written = write_all(runtime.ctx, reports_dir)
    by_label: dict[str, list[Path]] = defaultdict(list)
    for label, path in written:
        by_label[label].append(path)
    click.echo(f"13. 已生成报告（{reports_dir}）：")
    for label, paths in by_label.items():
        folders = sorted({str(p.parent) for p in paths})
        click.echo(f"     {label} {len(paths)} 个文件：{'，'.join(folders)}")
    return reports_dir


def _show_readings(app: dict[str, Any]) -> None:
    """What OCR read from one applicant's certificates, beside what the roster declares."""
    click.echo(f"6. 证书识别（#{app['id']} {app['name']}），花名册填写：姓名 {app['name']}，"
               f"身份证号 {app['id_number']}，继续教育 {app['ce_hours']} 学时")
    for m in app["materials"]:
        r = m.get("reading") or {}
        if not r or m["kind"] in ("述职报告", "业绩材料", "专业技术职称评审表"):
            continue
        trust = r.get("trust") or {}

        def value(key: str, v: object, trust: dict[str, str] = trust) -> str:
            return "未能可靠识别" if trust.get(key) == "unsure" else str(v)

        shown = [f"{label} {value(key, r[key])}" for key, label in (
            ("name", "姓名"), ("id_number", "身份证号"), ("certificate_number", "证书编号"),
            ("ce_total_hours", "合计学时")) if r.get(key)]
        dates = "，".join(f"{DATE_LABELS.get(k, k)} {value(k, v)}"
                         for k, v in (r.get("dates") or {}).items())
        engine = str(r.get("engine", r.get("method", ""))).split(":")[0]
        click.echo(f"     {m['kind']}（{engine}）：" + "，".join(shown + ([dates] if dates else [])))
