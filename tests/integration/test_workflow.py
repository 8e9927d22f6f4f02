"""The review workflow on SQLite and PostgreSQL: decisions, publicity, recommendation, center.

Applications are seeded directly in the state a test starts from; the chain through the
automatic stages is covered in test_workflow_chain.py.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.domain.workdays import CalendarUnknown
from pipeline.services import offline_review, publicity, publicity_closing, recommend, review
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound, show_application
from pipeline.storage.db.models import (
    Application,
    Event,
    FindingRow,
    Publicity,
    PublicityEntry,
    RecommendationBatch,
    RecommendationEntry,
    Review,
)
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _DEPT_CODE as DEPT
from zhicheng.sample.units import _DESIGN_CODE as DESIGN
from zhicheng.sample.units import _HOSPITAL_CODE as HOSPITAL
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE

# The fixed clock says 2026-11-27: these publicities are recorded after the fact (补登).
PAST = {"force": True, "reason": "测试：补登已进行的公示"}


@pytest.fixture
def units(ctx: Context) -> None:
    register_sample_units(ctx)


def state_of(ctx: Context, app_id: int) -> str:
    with ctx.db.uow() as s:
        return s.scalar(select(Application.state).where(Application.id == app_id))


def events_of(ctx: Context, app_id: int, action: str | None = None) -> list[Event]:
    with ctx.db.uow() as s:
        q = select(Event).where(Event.application_id == app_id).order_by(Event.id)
        if action:
            q = q.where(Event.action == action)
        events = list(s.scalars(q))
        s.expunge_all()  # keep the loaded rows readable after the session ends
        return events


# ---------------------------------------------------------------- review queues and decisions

def test_a_unit_queue_lists_its_applications_oldest_first_with_their_flags(ctx, units) -> None:
    first = seed_application(ctx, PRIVATE)
    other = seed_application(ctx, HOSPITAL)
    second = seed_application(ctx, PRIVATE)
    with ctx.db.uow() as s:
        s.get(Application, first).state_changed_at = datetime(2026, 11, 20, 8)
        s.add(FindingRow(application_id=second, stage="check", rule="ocr.name_mismatch",
                         severity="warn", message="学历证书上的姓名与花名册不一致",
                         created_at=ctx.clock.now()))
        s.commit()
    queue = review.review_queue(ctx, "unit", PRIVATE)
    assert [a["id"] for a in queue] == [first, second]
    assert queue[1]["findings"][0]["rule"] == "ocr.name_mismatch"
    assert other in [a["id"] for a in review.review_queue(ctx, "unit")]


def test_a_pass_moves_the_application_and_is_recorded(ctx, units) -> None:
    app_id = seed_application(ctx, PRIVATE)
    d = review.decide(ctx, app_id, "pass", "材料齐全", reviewer="李经办", stage="unit", unit=PRIVATE)
    assert d.state is State.UNIT_PASSED and state_of(ctx, app_id) == State.UNIT_PASSED
    shown = show_application(ctx, app_id)
    assert shown["reviews"] == [{"stage": "unit", "decision": "pass", "opinion": "材料齐全",
                                 "reviewer": "李经办", "at": shown["reviews"][0]["at"]}]
    last = shown["events"][-1]
    assert (last["action"], last["actor"], last["to"]) == ("review.pass", "李经办", State.UNIT_PASSED)
    assert shown["review_unit_code"] is None


@pytest.mark.parametrize("decision, target", [("return", State.RETURNED), ("reject", State.REJECTED)])
def test_return_and_reject_need_an_opinion(ctx, units, decision: str, target: State) -> None:
    app_id = seed_application(ctx, PRIVATE)
    with pytest.raises(WorkflowError, match="必须填写审核意见"):
        review.decide(ctx, app_id, decision, "  ")
    assert state_of(ctx, app_id) == State.UNIT_REVIEW
    review.decide(ctx, app_id, decision, "学历证书不清晰，请重新扫描")
    assert state_of(ctx, app_id) == target
    assert "学历证书不清晰" in events_of(ctx, app_id)[-1].reason


def test_a_decision_outside_the_stage_is_refused_with_a_clear_message(ctx, units) -> None:
    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    with pytest.raises(WorkflowError, match="当前状态为“单位初审通过”"):
        review.decide(ctx, app_id, "pass")
    queued = seed_application(ctx, PRIVATE)
    with pytest.raises(WorkflowError, match="不在中心形式审查环节"):
        review.decide(ctx, queued, "pass", stage="center")
    with pytest.raises(WorkflowError, match="不能对其作出决定"):
        review.decide(ctx, queued, "pass", unit=HOSPITAL)
    with pytest.raises(NotFound):
        review.decide(ctx, 999_999, "pass")
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 0


def test_a_second_decision_on_the_same_application_is_refused(ctx, units) -> None:
    app_id = seed_application(ctx, PRIVATE)
    review.decide(ctx, app_id, "pass")
    with pytest.raises(WorkflowError):
        review.decide(ctx, app_id, "reject", "重复")
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 1


# ---------------------------------------------------------------- center review

def _at_center(ctx: Context, unit: str, **seed: object) -> int:
    app_id = seed_application(ctx, unit, state="publicity_passed", **seed)
    _publicised(ctx, unit, [app_id])
    recommend.build(ctx, unit, 2026)
    assert state_of(ctx, app_id) == State.CENTER_REVIEW
    return app_id


def test_a_refused_center_pass_changes_nothing_and_names_the_reject_command(ctx, units) -> None:
    app_id = _at_center(ctx, PRIVATE, offline_review="未通过")
    offline_review.record_offline_review(ctx, app_id, "未通过", by="窗口张三")
    queue = review.review_queue(ctx, "center")
    assert any(f["rule"] == "offline_review.not_passed" for f in queue[0]["findings"])
    before = len(events_of(ctx, app_id))
    with pytest.raises(WorkflowError, match="--decision reject") as err:
        review.decide(ctx, app_id, "pass", "同意", by="中心李四")
    assert "未作任何变更" in str(err.value)
    assert state_of(ctx, app_id) == State.CENTER_REVIEW and len(events_of(ctx, app_id)) == before
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 0
    d = review.decide(ctx, app_id, "reject", "线下形式审查未通过", by="中心李四")
    assert d.state is State.REJECTED and events_of(ctx, app_id)[-1].actor == "中心李四"


def test_the_rosters_offline_review_is_only_the_units_declaration(ctx, units) -> None:
    app_id = _at_center(ctx, HOSPITAL, offline_review="通过")  # the unit says 通过
    flags = [f["rule"] for f in review.review_queue(ctx, "center", HOSPITAL)[0]["findings"]]
    assert flags == ["offline_review.pending"]
    with pytest.raises(WorkflowError, match="尚未由中心登记（单位申报：通过）"):
        review.decide(ctx, app_id, "pass")
    assert state_of(ctx, app_id) == State.CENTER_REVIEW
    offline_review.record_offline_review(ctx, app_id, "通过", reviewer="中心窗口")
    assert review.review_queue(ctx, "center", HOSPITAL)[0]["findings"] == []
    shown = show_application(ctx, app_id)
    assert shown["offline_review"] == "通过" and shown["offline_result_by"] == "中心窗口"
    assert review.decide(ctx, app_id, "pass").state is State.CENTER_PASSED


def test_an_offline_list_applies_good_rows_and_names_bad_ones(ctx, units) -> None:
    a = _at_center(ctx, PRIVATE, name="张甲")
    b = _at_center(ctx, HOSPITAL, name="李乙")
    id_a, id_b = (show_application(ctx, i)["id_number"] for i in (a, b))
    done = offline_review.record_offline_list(ctx, [
        (2, {"id_number": id_a, "name": "张甲", "result": "通过"}),
        (3, {"id_number": id_b, "name": "王丙", "result": "未通过"}),     # wrong name
        (4, {"id_number": "430102199999999999", "name": "赵丁", "result": "通过"}),
        (5, {"id_number": id_b, "name": "李乙", "result": "待定"}),
    ], by="窗口张三")
    assert done.applied == [(a, "通过")]
    messages = [p.message for p in done.problems]
    assert [m[:4] for m in messages] == ["第3行：", "第4行：", "第5行："]
    assert "不一致" in messages[0] and "没有身份证号" in messages[1] and "无效" in messages[2]
    assert show_application(ctx, b)["offline_result"] is None


def test_an_unknown_unit_code_is_refused_in_a_queue(ctx, units) -> None:
    with pytest.raises(NotFound, match="未登记"):
        review.review_queue(ctx, "unit", "91430000XXXXXXXXXX")


# ---------------------------------------------------------------- publicity

def test_a_publicity_takes_the_units_passed_applications_and_stores_its_end(ctx, units) -> None:
    own = seed_application(ctx, DEPT, state="unit_passed")
    sub = seed_application(ctx, DESIGN, state="unit_passed")       # a subordinate of DEPT
    waiting = seed_application(ctx, DEPT)                          # still in unit review
    stranger = seed_application(ctx, PRIVATE, state="unit_passed")
    pub_id = publicity.open_publicity(ctx, DEPT, date(2026, 9, 28), 5, "王联系", "0731-88889999", **PAST)
    view = publicity.publicity_view(ctx, pub_id)
    assert view["end_date"] == "2026-10-09"
    assert sorted(a["id"] for a in view["applications"]) == sorted([own, sub])
    assert state_of(ctx, own) == state_of(ctx, sub) == State.PUBLICITY
    assert state_of(ctx, waiting) == State.UNIT_REVIEW
    assert state_of(ctx, stranger) == State.UNIT_PASSED
    assert events_of(ctx, own)[-1].action == "publicity.open"


def test_a_publicity_names_every_application_it_cannot_take(ctx, units) -> None:
    ok = seed_application(ctx, PRIVATE, state="unit_passed")
    waiting = seed_application(ctx, PRIVATE)
    stranger = seed_application(ctx, HOSPITAL, state="unit_passed")
    with pytest.raises(WorkflowError) as err:
        publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000",
                                 [ok, waiting, stranger, 424242], **PAST)
    message = str(err.value)
    assert f"申报{waiting}" in message and "所在单位初审" in message
    assert f"申报{stranger}" in message and "不属于" in message
    assert "申报424242不存在" in message
    assert state_of(ctx, ok) == State.UNIT_PASSED
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Publicity)) == 0


@pytest.mark.parametrize("days, contact, phone, message", [
    (4, "王", "13800138000", "少于规定的最少5个工作日"),
    (5, " ", "13800138000", "联系人"),
    (5, "王", "call me", "联系电话"),
])
def test_a_publicity_with_bad_terms_is_refused(ctx, units, days, contact, phone, message) -> None:
    seed_application(ctx, PRIVATE, state="unit_passed")
    with pytest.raises(WorkflowError, match=message):
        publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), days, contact, phone, **PAST)


def test_a_publicity_reaching_into_an_unknown_year_is_refused(ctx, units) -> None:
    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    with pytest.raises(CalendarUnknown):
        publicity.open_publicity(ctx, PRIVATE, date(2026, 12, 28), 5, "王", "13800138000")
    assert state_of(ctx, app_id) == State.UNIT_PASSED


def _publicised(ctx: Context, unit: str, ids: list[int], start: date = date(2026, 11, 2)) -> int:
    """Run a publicity over already-'publicity_passed' seeds: entries marked passed."""
    with ctx.db.uow() as s:
        pub = Publicity(unit_code=unit, contact="王", phone="13800138000", start_date=start, days=5,
                        end_date=start, state="closed", created_at=ctx.clock.now(),
                        closed_at=ctx.clock.now())
        s.add(pub)
        s.flush()
        for i in ids:
            s.add(PublicityEntry(publicity_id=pub.id, application_id=i, result="passed"))
        s.commit()
        return pub.id


def test_closing_proposes_holds_open_objections_and_the_unit_confirms(ctx, units) -> None:
    clean, upheld, dismissed, pending = (seed_application(ctx, PRIVATE, state="unit_passed")
                                         for _ in range(4))
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000", **PAST)
    assert publicity.publicity_view(ctx, pub_id)["end_date"] == "2026-11-06"
    o1 = publicity.object_to(ctx, pub_id, str(upheld), "论文系抄袭", today=date(2026, 11, 3))
    o2 = publicity.object_to(ctx, pub_id, str(dismissed), "任职年限不足", today=date(2026, 11, 3))
    o3 = publicity.object_to(ctx, pub_id, str(pending), "业绩材料存疑", today=date(2026, 11, 4))
    publicity.resolve(ctx, o1, "upheld", "经核实属实")
    publicity.resolve(ctx, o2, "dismissed", "经核实年限符合要求")
    with pytest.raises(WorkflowError, match="已处理"):
        publicity.resolve(ctx, o1, "dismissed", "改判")
    assert publicity_closing.close_due(ctx, date(2026, 11, 6)).publicities == []  # the last day
    closing = publicity_closing.close_due(ctx, date(2026, 11, 7))
    assert closing.as_dict() == {"closed": [pub_id], "passed": 2, "failed": 1, "held": 1,
                                 "proposed": True}
    # nothing final yet: the closing only proposes; the open objection holds its applicant
    assert state_of(ctx, clean) == state_of(ctx, dismissed) == state_of(ctx, upheld) == State.PUBLICITY
    assert state_of(ctx, pending) == State.PUBLICITY_HELD
    proposals = {a["id"]: a["proposal"] for a in publicity.publicity_view(ctx, pub_id)["applications"]}
    assert proposals == {clean: "passed", dismissed: "passed", upheld: "failed", pending: "held"}
    done = publicity_closing.confirm(ctx, pub_id, by="单位王五")
    assert sorted(done.passed) == sorted([clean, dismissed]) and done.failed == [upheld]
    assert done.held == [pending]
    assert state_of(ctx, clean) == State.PUBLICITY_PASSED
    assert state_of(ctx, upheld) == State.PUBLICITY_FAILED
    assert events_of(ctx, upheld)[-1].actor == "单位王五"
    with pytest.raises(WorkflowError, match="异议未处理"):
        publicity_closing.confirm(ctx, pub_id, by="单位王五")
    # the held applicant's objection is resolved after the closing, then confirmed
    publicity.resolve(ctx, o3, "dismissed", "经核实材料真实", by="单位王五")
    assert state_of(ctx, pending) == State.PUBLICITY
    again = publicity_closing.confirm(ctx, pub_id, by="单位王五")
    assert again.passed == [pending] and state_of(ctx, pending) == State.PUBLICITY_PASSED
    results = {a["id"]: a["result"] for a in publicity.publicity_view(ctx, pub_id)["applications"]}
    assert results == {clean: "passed", dismissed: "passed", upheld: "failed", pending: "passed"}


def test_a_confirm_before_the_closing_is_refused(ctx, units) -> None:
    seed_application(ctx, PRIVATE, state="unit_passed")
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 30), 5, "王", "13800138000")
    with pytest.raises(WorkflowError, match="尚未结束"):
        publicity_closing.confirm(ctx, pub_id, by="单位王五")


def test_the_center_reopens_a_wrong_close_with_a_reason(ctx, units) -> None:
    a, b = (seed_application(ctx, PRIVATE, state="unit_passed") for _ in range(2))
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000", **PAST)
    publicity_closing.close_due(ctx, date(2026, 11, 7))
    publicity_closing.confirm(ctx, pub_id, by="单位王五")
    with pytest.raises(WorkflowError, match="原因"):
        publicity_closing.reopen(ctx, pub_id, " ", by="中心赵六")
    moved = publicity_closing.reopen(ctx, pub_id, "关闭日期有误", by="中心赵六")
    assert moved == sorted([a, b]) and state_of(ctx, a) == State.PUBLICITY
    view = publicity.publicity_view(ctx, pub_id)
    assert view["state"] == "open" and {x["result"] for x in view["applications"]} == {None}
    last = events_of(ctx, a)[-1]
    assert (last.action, last.actor) == ("publicity.reopen", "中心赵六") and "关闭日期有误" in last.reason
    # once recommended, the publicity can no longer be reopened
    publicity_closing.close_due(ctx, date(2026, 11, 7))
    publicity_closing.confirm(ctx, pub_id, by="单位王五")
    recommend.build(ctx, PRIVATE, 2026, by="单位王五")
    with pytest.raises(WorkflowError, match="后续环节"):
        publicity_closing.reopen(ctx, pub_id, "再次开启", by="中心赵六")


def test_date_guards_refuse_a_past_start_and_a_future_today_unless_forced(ctx, units) -> None:
    from pipeline.services.jobs import run_job

    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    with pytest.raises(WorkflowError, match="早于今天.*--force"):
        publicity.open_publicity(ctx, PRIVATE, date(2026, 10, 26), 5, "王", "13800138000")
    with pytest.raises(WorkflowError, match="--reason"):
        publicity.open_publicity(ctx, PRIVATE, date(2026, 10, 26), 5, "王", "13800138000", force=True)
    assert state_of(ctx, app_id) == State.UNIT_PASSED
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 30), 5, "王", "13800138000")
    with pytest.raises(WorkflowError, match="晚于今天"):
        publicity_closing.close_due(ctx, date(2027, 1, 10))
    with pytest.raises(WorkflowError, match="晚于今天"):
        run_job(ctx, "close-publicities", lambda *_: None, date(2027, 1, 10))
    assert publicity.publicity_view(ctx, pub_id)["state"] == "open"
    closing = publicity_closing.close_due(ctx, date(2027, 1, 10), force=True, reason="演练", by="运维甲")
    assert closing.publicities == [pub_id]
    with ctx.db.uow() as s:
        forced = s.scalars(select(Event).where(Event.action == "publicity.close_forced")).one()
        assert forced.actor == "运维甲" and "演练" in (forced.reason or "")


def test_objections_are_refused_outside_the_period_and_for_strangers(ctx, units) -> None:
    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    other = seed_application(ctx, HOSPITAL, state="unit_review")
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000", **PAST)
    with pytest.raises(WorkflowError, match="公示期已于2026年11月6日结束"):
        publicity.object_to(ctx, pub_id, str(app_id), "迟到的异议", today=date(2026, 11, 9))
    with pytest.raises(WorkflowError, match="没有申报人"):
        publicity.object_to(ctx, pub_id, str(other), "不在公示中", today=date(2026, 11, 3))
    with pytest.raises(WorkflowError, match="异议内容"):
        publicity.object_to(ctx, pub_id, str(app_id), " ", today=date(2026, 11, 3))
    publicity_closing.close_due(ctx, date(2026, 11, 9))
    with pytest.raises(WorkflowError, match="已于"):
        publicity.object_to(ctx, pub_id, str(app_id), "关闭后", today=date(2026, 11, 9))


def test_the_same_sweep_twice_and_a_late_sweep_close_each_publicity_once(ctx, units) -> None:
    ids = []
    for start in (date(2026, 10, 12), date(2026, 10, 19), date(2026, 11, 2)):
        app_id = seed_application(ctx, PRIVATE, state="unit_passed")
        ids.append(app_id)
        publicity.open_publicity(ctx, PRIVATE, start, 5, "王", "13800138000", [app_id], **PAST)
    # after downtime: all three are overdue on 2026-11-20
    first = publicity_closing.close_due(ctx, date(2026, 11, 20))
    again = publicity_closing.close_due(ctx, date(2026, 11, 20))
    assert len(first.publicities) == 3 and first.passed == 3
    assert again.as_dict() == {"closed": [], "passed": 0, "failed": 0, "held": 0, "proposed": True}
    for app_id in ids:
        assert len(events_of(ctx, app_id, "publicity.proposed")) == 1


# ---------------------------------------------------------------- recommendation

def test_a_recommendation_goes_to_the_supervising_unit_then_the_center(ctx, units) -> None:
    a, b = (seed_application(ctx, DESIGN, state="publicity_passed") for _ in range(2))
    _publicised(ctx, DESIGN, [a, b])
    built = recommend.build(ctx, DESIGN, 2026)
    assert built.created and built.count == 2 and built.target == DEPT
    assert state_of(ctx, a) == State.SUPERVISOR_REVIEW
    assert [x["id"] for x in review.review_queue(ctx, "supervisor", DEPT)] == [a, b]
    actions = [e.action for e in events_of(ctx, a)][-2:]
    assert actions == ["recommend", "recommend.forward"]
    assert review.decide(ctx, a, "pass", unit=DEPT).state is State.CENTER_REVIEW
    assert review.decide(ctx, b, "return", "请补充业绩材料", unit=DEPT).state is State.RETURNED
    assert [x["id"] for x in review.review_queue(ctx, "center")] == [a]


def test_the_unit_recommends_only_the_people_it_ticked(ctx, units) -> None:
    a, b, c = (seed_application(ctx, PRIVATE, state="publicity_passed") for _ in range(3))
    _publicised(ctx, PRIVATE, [a, b, c])
    other = seed_application(ctx, PRIVATE, state="unit_passed")
    with pytest.raises(WorkflowError, match=str(other)):       # not ready: refused, nothing built
        recommend.build(ctx, PRIVATE, 2026, ids=[a, other])
    assert {state_of(ctx, i) for i in (a, b, c)} == {State.PUBLICITY_PASSED}
    built = recommend.build(ctx, PRIVATE, 2026, ids=[a, c])
    assert built.created and built.count == 2
    assert state_of(ctx, b) == State.PUBLICITY_PASSED and state_of(ctx, a) != State.PUBLICITY_PASSED
    rest = recommend.build(ctx, PRIVATE, 2026)                  # the one left, later
    assert rest.created and rest.count == 1 and state_of(ctx, b) != State.PUBLICITY_PASSED


def test_building_twice_does_not_duplicate(ctx, units) -> None:
    first = [seed_application(ctx, PRIVATE, state="publicity_passed") for _ in range(3)]
    _publicised(ctx, PRIVATE, first)
    one = recommend.build(ctx, PRIVATE, 2026)
    two = recommend.build(ctx, PRIVATE, 2026)
    assert one.created and one.count == 3
    assert not two.created and two.batch_id == one.batch_id and two.count == 0
    later = seed_application(ctx, PRIVATE, state="publicity_passed")
    other_year = seed_application(ctx, PRIVATE, state="publicity_passed", year=2025)
    _publicised(ctx, PRIVATE, [later, other_year])
    three = recommend.build(ctx, PRIVATE, 2026)
    assert three.created and three.count == 1 and three.batch_id != one.batch_id
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(RecommendationEntry)) == 4
        assert s.scalar(select(func.count()).select_from(RecommendationBatch)) == 2
    assert state_of(ctx, other_year) == State.PUBLICITY_PASSED
    assert recommend.build(ctx, HOSPITAL, 2026).batch_id is None


def test_the_rule_set_can_build_batches_when_publicities_close(ctx, units, tmp_path) -> None:
    from pipeline.rules.book import RuleBook
    from pipeline.rules.ruleset import default_ruleset_path
    from pipeline.services.jobs import run_job

    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000", **PAST)
    rules = tmp_path / "2026.toml"
    rules.write_text(default_ruleset_path(2026).read_text(encoding="utf-8").replace(
        "auto_recommend = false", "auto_recommend = true"), encoding="utf-8")
    ctx.rules = RuleBook(rules)
    manual = run_job(ctx, "close-publicities", lambda *_: None, date(2026, 11, 9))
    # a proposal is not a result: nothing is recommended before the unit confirms
    assert manual["recommended"] == [] and state_of(ctx, app_id) == State.PUBLICITY
    publicity_closing.confirm(ctx, manual["closed"][0], by="单位王五")
    outcome = run_job(ctx, "build-recommendations", lambda *_: None, date(2026, 11, 9))
    assert len(outcome["recommended"]) == 1
    assert state_of(ctx, app_id) == State.CENTER_REVIEW
