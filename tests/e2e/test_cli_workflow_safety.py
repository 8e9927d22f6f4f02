"""Nothing silent, nothing irreversible by accident: the human workflow through the real command,
on SQLite and on PostgreSQL (docs/workflow.md).

Applications are seeded in the state a scenario starts from (the chain through intake is in
test_cli_workflow.py); every behaviour is then reproduced and checked with `zhicheng` itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.context import Context
from pipeline.domain.states import State
from tests.cli_support import Run, environment, zhicheng
from tests.e2e.test_cli import assert_clean_failure, one_json_document
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _DEPT_CODE as DEPT
from zhicheng.sample.units import _HOSPITAL_CODE as HOSPITAL
from zhicheng.sample.units import _PENDING_CODE as PENDING
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE
from zhicheng.sample.workbook import xlsx_bytes

ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
PAST = ("--force", "--reason", "补登十一月已进行的公示")


@pytest.fixture
def cli(ctx: Context, database_url: str, tmp_path: Path) -> Callable[..., Run]:
    """The command on the test database (the sample units registered)."""
    register_sample_units(ctx)
    env = environment(tmp_path / "var", database_url)
    return lambda *args: zhicheng(*args, env=env, cwd=tmp_path)


def ok(run: Run) -> Run:
    assert run.code == 0 and "Traceback" not in run.err, run
    return run


def app(cli: Callable[..., Run], app_id: int) -> dict[str, Any]:
    return one_json_document(cli("apps", "show", str(app_id), "--json"))


def test_a_late_objection_holds_the_applicant_and_the_unit_confirms_the_result(ctx, cli) -> None:
    clean, objected = (seed_application(ctx, PRIVATE, state="unit_passed") for _ in range(2))
    pub = one_json_document(cli("publicity", "open", "--unit", PRIVATE, "--start", "2026-11-02",
                                "--days", "5", "--contact", "王老师", "--phone", "0731-88886666",
                                "--by", "单位王五", *PAST, "--json"))["id"]
    oid = ok(cli("publicity", "object", str(pub), "--applicant", str(objected), "--reason",
                 "反映业绩材料不实", "--today", "2026-11-05", "--by", "单位王五")).out.strip()
    closing = one_json_document(cli("publicity", "close-due", "--today", "2026-11-09", "--json"))
    assert closing == {"closed": [pub], "passed": 1, "failed": 0, "held": 1, "proposed": True,}
    # the objection still open holds the applicant; nothing is final before the unit confirms
    assert app(cli, objected)["state"] == State.PUBLICITY_HELD
    assert app(cli, clean)["state"] == State.PUBLICITY
    assert_clean_failure(cli("recommend", "build", "--unit", PRIVATE, "--year", "2026"))
    shown = ok(cli("publicity", "show", str(pub))).out
    assert "异议待处理" in shown and "拟通过（待确认）" in shown and not ISO_STAMP.search(shown)
    ok(cli("publicity", "confirm", str(pub), "--by", "单位王五"))
    assert app(cli, clean)["state"] == State.PUBLICITY_PASSED
    assert app(cli, objected)["state"] == State.PUBLICITY_HELD
    # resolving after the closing is allowed for a held applicant, then confirmed
    ok(cli("publicity", "resolve", oid, "--result", "upheld", "--note", "经核实属实", "--by", "单位王五"))
    ok(cli("publicity", "confirm", str(pub), "--by", "单位王五"))
    failed = app(cli, objected)
    assert failed["state"] == State.PUBLICITY_FAILED and failed["events"][-1]["actor"] == "单位王五"
    # the center reopens a wrong close, with a reason, recorded
    assert_clean_failure(cli("publicity", "reopen", str(pub), "--by", "中心赵六", "--reason", " "))
    ok(cli("publicity", "reopen", str(pub), "--reason", "异议处理有误", "--by", "中心赵六"))
    reopened = app(cli, objected)
    assert reopened["state"] == State.PUBLICITY
    assert (reopened["events"][-1]["action"], reopened["events"][-1]["actor"]) == \
        ("publicity.reopen", "中心赵六")


def test_dates_out_of_range_are_refused_unless_forced_with_a_reason(ctx, cli) -> None:
    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    today = date.today()
    past, future = str(today - timedelta(days=30)), str(today + timedelta(days=40))
    terms = ("--unit", PRIVATE, "--days", "5", "--contact", "王老师", "--phone", "0731-88886666")
    refused = cli("publicity", "open", "--start", past, *terms)
    assert_clean_failure(refused)
    assert "早于今天" in refused.err and "--force" in refused.err
    assert_clean_failure(cli("publicity", "open", "--start", past, *terms, "--force"))  # no reason
    assert app(cli, app_id)["state"] == State.UNIT_PASSED
    ok(cli("publicity", "open", "--start", "2026-11-02", *terms, *PAST, "--by", "单位王五"))
    for args in (("publicity", "close-due", "--today", future),
                 ("jobs", "run", "close-publicities", "--today", future)):
        r = cli(*args)
        assert_clean_failure(r)
        assert "晚于今天" in r.err
    assert app(cli, app_id)["state"] == State.PUBLICITY
    assert cli("scheduler", "--once", "--today", future).code == 2  # the scheduler takes no date
    forced = one_json_document(cli("jobs", "run", "close-publicities", "--today", future, "--force",
                                   "--reason", "演练：提前关闭", "--by", "运维甲", "--json"))
    assert len(forced["closed"]) == 1
    events = [e["action"] for e in app(cli, app_id)["events"]]
    assert "publicity.proposed" in events


def test_a_refused_center_decision_changes_nothing_and_the_offline_review_is_the_centers(
        ctx, cli, tmp_path) -> None:
    declared = seed_application(ctx, HOSPITAL, state="center_review", offline_review="通过", name="张甲")
    other = seed_application(ctx, HOSPITAL, state="center_review", offline_review="未通过", name="李乙")
    # the roster's 通过 is only the unit's declaration: the center has not recorded its own
    r = cli("review", "decide", str(declared), "--decision", "pass", "--by", "中心李四")
    assert_clean_failure(r)
    assert "尚未由中心登记（单位申报：通过）" in r.err and "未作任何变更" in r.err
    assert app(cli, declared)["state"] == State.CENTER_REVIEW
    ok(cli("review", "offline", str(declared), "--result", "未通过", "--by", "窗口张三"))
    r = cli("review", "decide", str(declared), "--decision", "pass", "--reviewer", "中心李四")
    assert_clean_failure(r)
    assert "--decision reject" in r.err
    shown = app(cli, declared)
    assert shown["state"] == State.CENTER_REVIEW and shown["reviews"] == []
    ok(cli("review", "decide", str(declared), "--decision", "reject", "--opinion",
           "线下形式审查未通过", "--by", "中心李四"))
    rejected = app(cli, declared)
    assert rejected["state"] == State.REJECTED and rejected["events"][-1]["actor"] == "中心李四"
    # the window's list: a good row applied, a bad row named and not applied
    sheet = tmp_path / "线下审查结果.xlsx"
    people = app(cli, other)
    sheet.write_bytes(xlsx_bytes("线下审查", ["身份证号", "姓名", "结果"], [
        [people["id_number"], "李乙", "通过"], [people["id_number"], "王丙", "通过"]],
        text_columns={0}))
    r = ok(cli("review", "offline", "--file", str(sheet), "--by", "窗口张三"))
    assert "已登记 1 人" in r.err and "第3行" in r.err and "不一致" in r.err
    shown = app(cli, other)
    assert (shown["offline_result"], shown["offline_review"]) == ("通过", "未通过")
    ok(cli("review", "decide", str(other), "--decision", "pass", "--by", "中心李四"))


def test_the_registry_checks_supervisors_regions_and_keeps_contacts(ctx, cli) -> None:
    from pipeline.domain.identity import make_uscc

    code, ghost = make_uscc("91430100MA4L00051"), make_uscc("91430100MA4L00052")
    base = ("units", "register", "--code", code, "--name", "湖南某某科技有限公司")
    r = cli(*base, "--approver", "主管单位", "--supervisor", ghost, "--region", "雨花区")
    assert_clean_failure(r)
    assert f"主管单位{ghost}尚未注册" in r.err
    r = cli(*base, "--region", "雨花")
    assert_clean_failure(r)
    assert "是否为“雨花区”" in r.err
    ok(cli(*base, "--region", "长沙市雨花区", "--approver", "主管单位", "--supervisor", DEPT,
           "--contact", "周经办", "--contact-phone", "13807310000", "--category", "职称申报"))
    ok(cli("units", "refuse", code, "--reason", "营业执照扫描件不清晰", "--by", "中心赵六"))
    unit = next(u for u in one_json_document(cli("units", "list", "--json")) if u["code"] == code)
    assert (unit["contact_name"], unit["contact_phone"], unit["business_category"]) == \
        ("周经办", "13807310000", "职称申报")
    assert (unit["status"], unit["refusal_reason"]) == ("未通过", "营业执照扫描件不清晰")
    # a superior whose registration is not approved: nothing goes upward, nothing changes
    ok(cli("units", "link", PRIVATE, "--parent", PENDING))
    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    pub = one_json_document(cli("publicity", "open", "--unit", PRIVATE, "--start", "2026-11-02",
                                "--days", "5", "--contact", "王老师", "--phone", "0731-88886666",
                                *PAST, "--json"))["id"]
    ok(cli("publicity", "close-due", "--today", "2026-11-09"))
    ok(cli("publicity", "confirm", str(pub), "--by", "单位王五"))
    r = cli("recommend", "build", "--unit", PRIVATE, "--year", "2026", "--by", "单位王五")
    assert_clean_failure(r)
    assert "尚未审核通过" in r.err
    assert app(cli, app_id)["state"] == State.PUBLICITY_PASSED


def test_an_application_is_withdrawn_with_its_reason_before_a_decision_above_the_unit(ctx, cli) -> None:
    mine = seed_application(ctx, PRIVATE, state="unit_review")
    above = seed_application(ctx, HOSPITAL, state="center_review")
    assert_clean_failure(cli("apps", "withdraw", str(above), "--reason", "填错", "--by", "单位王五"))
    assert app(cli, above)["state"] == State.CENTER_REVIEW
    ok(cli("apps", "withdraw", str(mine), "--reason", "申报系列填错，更正后重报", "--by", "单位王五"))
    shown = app(cli, mine)
    assert shown["state"] == State.WITHDRAWN
    last = shown["events"][-1]
    assert (last["action"], last["actor"]) == ("withdrawn", "单位王五") and "更正后重报" in last["reason"]
    assert "已撤回" in ok(cli("apps", "show", str(mine))).out
    assert_clean_failure(cli("apps", "withdraw", str(mine), "--reason", "再次", "--by", "单位王五"))


def test_text_output_is_chinese_with_no_codes_and_no_iso_stamps(ctx, cli) -> None:
    app_id = seed_application(ctx, HOSPITAL, state="publicity_passed")
    with ctx.db.uow() as s:  # a confirmed publicity for the seeded applicant
        from pipeline.storage.db.models import Publicity, PublicityEntry

        p = Publicity(unit_code=HOSPITAL, contact="王", phone="13800138000",
                      start_date=date(2026, 11, 2), days=5, end_date=date(2026, 11, 6),
                      state="closed", created_at=ctx.clock.now(), closed_at=ctx.clock.now())
        s.add(p)
        s.flush()
        s.add(PublicityEntry(publicity_id=p.id, application_id=app_id, result="passed"))
        s.commit()
    batch = ok(cli("recommend", "build", "--unit", HOSPITAL, "--year", "2026", "--by", "单位王五")).out
    shown = ok(cli("recommend", "show", batch.strip())).out
    assert "中心形式审查" in shown and "center_review" not in shown and "单位王五" in shown
    assert not ISO_STAMP.search(shown)
    text = ok(cli("apps", "show", str(app_id))).out
    assert not ISO_STAMP.search(text) and "recommend.forward" not in text and "报送上级审核" in text
    jobs = ok(cli("jobs", "run", "recover-stuck"))
    assert jobs.out == "" and "重新发送停滞的处理" in jobs.err
    listed = ok(cli("jobs", "list")).out
    assert not ISO_STAMP.search(listed)
    r = cli("review", "list", "--stage", "unit", "--unit", "91430000MA4XXXXX00")
    assert_clean_failure(r, code=4)  # an unknown unit: not found
    assert "未登记" in r.err
    round_ = ok(cli("scheduler", "--once"))
    assert "本轮定时任务" in round_.err and "关闭到期公示" in round_.err


def test_the_review_sheet_and_the_packet_speak_chinese(ctx, cli, tmp_path) -> None:
    import json
    import subprocess

    from pipeline.storage.db.models import Application, FindingRow
    from pipeline.storage.transitions import log_event

    relaxed = seed_application(ctx, PRIVATE, state="unit_review", name="破格甲")
    with ctx.db.uow() as s:
        s.get(Application, relaxed).path = "破格"
        s.add(FindingRow(application_id=relaxed, stage="check", rule="path.relaxed",
                         severity="info", message="按破格途径申报：学历要求放宽", created_at=ctx.clock.now()))
        log_event(s, now=ctx.clock.now(), subject="application", subject_id=relaxed,
                  action="publicity.objection", actor="单位王五", application_id=relaxed,
                  reason="公示1异议1：反映业绩不实")
        s.commit()

    def text_of(*args: str) -> str:
        files = json.loads(ok(cli(*args, "--out", str(tmp_path / args[1]), "--json")).out)["files"]
        pdf = next(f for f in files if f.endswith(".pdf"))
        return subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True, text=True,
                              check=True).stdout

    sheet = "".join(text_of("report", "review-sheet", "--unit", PRIVATE).split())
    assert "[需核实]按破格途径申报" in sheet and "审核结果审核意见审核人/日期" in sheet
    assert "自动检查未发现问题" not in sheet
    packet = "".join(text_of("report", "packet", str(relaxed)).split())
    assert "path.relaxed" not in packet and "publicity.objection" not in packet
    assert "破格/绿色通道申报（需核实）" in packet and "登记异议" in packet and "单位王五" in packet
    assert not ISO_STAMP.search(packet)
