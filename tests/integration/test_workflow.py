"""The review workflow on SQLite and PostgreSQL: decisions, publicity, recommendation, center.

Applications are seeded directly in the state a test starts from; the chain through the
automatic stages is covered in test_workflow_chain.py.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from pipeline.context import Context
from pipeline.storage.db.models import (Application, Event, FindingRow, Publicity, PublicityEntry,
                                RecommendationBatch, RecommendationEntry, Review)
from pipeline.services import publicity, recommend, review
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound, show_application
from pipeline.domain.states import State
from pipeline.domain.workdays import CalendarUnknown
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _DEPT_CODE as DEPT
from zhicheng.sample.units import _DESIGN_CODE as DESIGN
from zhicheng.sample.units import _HOSPITAL_CODE as HOSPITAL
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE


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

def test_a_unit_queue_lists_its_applications_oldest_first_with_their_flags(ctx, units) -> None:  # type: ignore[no-untyped-def]
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


def test_a_pass_moves_the_application_and_is_recorded(ctx, units) -> None:  # type: ignore[no-untyped-def]
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
def test_return_and_reject_need_an_opinion(ctx, units, decision: str, target: State) -> None:  # type: ignore[no-untyped-def]
    app_id = seed_application(ctx, PRIVATE)
    with pytest.raises(WorkflowError, match="必须填写审核意见"):
        review.decide(ctx, app_id, decision, "  ")
    assert state_of(ctx, app_id) == State.UNIT_REVIEW
    review.decide(ctx, app_id, decision, "学历证书不清晰，请重新扫描")
    assert state_of(ctx, app_id) == target
    assert "学历证书不清晰" in events_of(ctx, app_id)[-1].reason


def test_a_decision_outside_the_stage_is_refused_with_a_clear_message(ctx, units) -> None:  # type: ignore[no-untyped-def]
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


def test_a_second_decision_on_the_same_application_is_refused(ctx, units) -> None:  # type: ignore[no-untyped-def]
    app_id = seed_application(ctx, PRIVATE)
    review.decide(ctx, app_id, "pass")
    with pytest.raises(WorkflowError):
        review.decide(ctx, app_id, "reject", "重复")
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 1


# ---------------------------------------------------------------- center review

def test_center_refuses_a_pass_without_a_passed_offline_review_and_rejects(ctx, units) -> None:  # type: ignore[no-untyped-def]
    app_id = seed_application(ctx, PRIVATE, state="publicity_passed", offline_review="未通过")
    _publicised(ctx, PRIVATE, [app_id])
    recommend.build(ctx, PRIVATE, 2026)
    assert state_of(ctx, app_id) == State.CENTER_REVIEW
    queue = review.review_queue(ctx, "center")
    assert any(f["rule"] == "offline_review.not_passed" for f in queue[0]["findings"])
    d = review.decide(ctx, app_id, "pass", "同意")
    assert d.refused and "线下形式审查未通过" in d.refused
    assert d.decision == "reject" and state_of(ctx, app_id) == State.REJECTED
    assert "offline_review.not_passed" in events_of(ctx, app_id)[-1].reason


def test_center_flags_an_empty_offline_review_and_passes_once_it_is_recorded(ctx, units) -> None:  # type: ignore[no-untyped-def]
    app_id = seed_application(ctx, HOSPITAL, state="publicity_passed", offline_review=None)
    _publicised(ctx, HOSPITAL, [app_id])
    recommend.build(ctx, HOSPITAL, 2026)
    flags = [f["rule"] for f in review.review_queue(ctx, "center", HOSPITAL)[0]["findings"]]
    assert flags == ["offline_review.pending"]
    with pytest.raises(WorkflowError, match="尚未登记"):
        review.decide(ctx, app_id, "pass")
    assert state_of(ctx, app_id) == State.CENTER_REVIEW
    review.record_offline_review(ctx, app_id, "通过", reviewer="中心窗口")
    assert review.review_queue(ctx, "center", HOSPITAL)[0]["findings"] == []
    assert review.decide(ctx, app_id, "pass").state is State.CENTER_PASSED


# ---------------------------------------------------------------- publicity

def test_a_publicity_takes_the_units_passed_applications_and_stores_its_end(ctx, units) -> None:  # type: ignore[no-untyped-def]
    own = seed_application(ctx, DEPT, state="unit_passed")
    sub = seed_application(ctx, DESIGN, state="unit_passed")       # a subordinate of DEPT
    waiting = seed_application(ctx, DEPT)                          # still in unit review
    stranger = seed_application(ctx, PRIVATE, state="unit_passed")
    pub_id = publicity.open_publicity(ctx, DEPT, date(2026, 9, 28), 5, "王联系", "0731-88889999")
    view = publicity.publicity_view(ctx, pub_id)
    assert view["end_date"] == "2026-10-09"
    assert sorted(a["id"] for a in view["applications"]) == sorted([own, sub])
    assert state_of(ctx, own) == state_of(ctx, sub) == State.PUBLICITY
    assert state_of(ctx, waiting) == State.UNIT_REVIEW
    assert state_of(ctx, stranger) == State.UNIT_PASSED
    assert events_of(ctx, own)[-1].action == "publicity.open"


def test_a_publicity_names_every_application_it_cannot_take(ctx, units) -> None:  # type: ignore[no-untyped-def]
    ok = seed_application(ctx, PRIVATE, state="unit_passed")
    waiting = seed_application(ctx, PRIVATE)
    stranger = seed_application(ctx, HOSPITAL, state="unit_passed")
    with pytest.raises(WorkflowError) as err:
        publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000",
                                 [ok, waiting, stranger, 424242])
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
def test_a_publicity_with_bad_terms_is_refused(ctx, units, days, contact, phone, message) -> None:  # type: ignore[no-untyped-def]
    seed_application(ctx, PRIVATE, state="unit_passed")
    with pytest.raises(WorkflowError, match=message):
        publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), days, contact, phone)


def test_a_publicity_reaching_into_an_unknown_year_is_refused(ctx, units) -> None:  # type: ignore[no-untyped-def]
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


def test_closing_decides_each_applicant_by_its_objections(ctx, units) -> None:  # type: ignore[no-untyped-def]
    clean, upheld, dismissed, pending = (seed_application(ctx, PRIVATE, state="unit_passed")
                                         for _ in range(4))
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000")
    assert publicity.publicity_view(ctx, pub_id)["end_date"] == "2026-11-06"
    o1 = publicity.object_to(ctx, pub_id, str(upheld), "论文系抄袭", today=date(2026, 11, 3))
    o2 = publicity.object_to(ctx, pub_id, str(dismissed), "任职年限不足", today=date(2026, 11, 3))
    publicity.object_to(ctx, pub_id, str(pending), "业绩材料存疑", today=date(2026, 11, 4))
    publicity.resolve(ctx, o1, "upheld", "经核实属实")
    publicity.resolve(ctx, o2, "dismissed", "经核实年限符合要求")
    with pytest.raises(WorkflowError, match="已处理"):
        publicity.resolve(ctx, o1, "dismissed", "改判")
    assert publicity.close_due(ctx, date(2026, 11, 6)).publicities == []  # the last day itself
    closing = publicity.close_due(ctx, date(2026, 11, 7))
    assert closing.as_dict() == {"closed": [pub_id], "passed": 2, "failed": 2}
    assert state_of(ctx, clean) == state_of(ctx, dismissed) == State.PUBLICITY_PASSED
    assert state_of(ctx, upheld) == state_of(ctx, pending) == State.PUBLICITY_FAILED
    assert "异议成立：论文系抄袭" in events_of(ctx, upheld)[-1].reason
    assert "异议仍未处理：业绩材料存疑" in events_of(ctx, pending)[-1].reason
    results = {a["id"]: a["result"] for a in publicity.publicity_view(ctx, pub_id)["applications"]}
    assert results == {clean: "passed", dismissed: "passed", upheld: "failed", pending: "failed"}


def test_objections_are_refused_outside_the_period_and_for_strangers(ctx, units) -> None:  # type: ignore[no-untyped-def]
    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    other = seed_application(ctx, HOSPITAL, state="unit_review")
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000")
    with pytest.raises(WorkflowError, match="公示期已于2026-11-06结束"):
        publicity.object_to(ctx, pub_id, str(app_id), "迟到的异议", today=date(2026, 11, 9))
    with pytest.raises(WorkflowError, match="没有申报人"):
        publicity.object_to(ctx, pub_id, str(other), "不在公示中", today=date(2026, 11, 3))
    with pytest.raises(WorkflowError, match="异议内容"):
        publicity.object_to(ctx, pub_id, str(app_id), " ", today=date(2026, 11, 3))
    publicity.close_due(ctx, date(2026, 11, 9))
    with pytest.raises(WorkflowError, match="已于"):
        publicity.object_to(ctx, pub_id, str(app_id), "关闭后", today=date(2026, 11, 9))


def test_the_same_sweep_twice_and_a_late_sweep_close_each_publicity_once(ctx, units) -> None:  # type: ignore[no-untyped-def]
    ids = []
    for start in (date(2026, 10, 12), date(2026, 10, 19), date(2026, 11, 2)):
        app_id = seed_application(ctx, PRIVATE, state="unit_passed")
        ids.append(app_id)
        publicity.open_publicity(ctx, PRIVATE, start, 5, "王", "13800138000", [app_id])
    # after downtime: all three are overdue on 2026-11-20
    first = publicity.close_due(ctx, date(2026, 11, 20))
    again = publicity.close_due(ctx, date(2026, 11, 20))
    assert len(first.publicities) == 3 and first.passed == 3
    assert again.as_dict() == {"closed": [], "passed": 0, "failed": 0}
    for app_id in ids:
        assert len(events_of(ctx, app_id, "publicity.close")) == 1


# ---------------------------------------------------------------- recommendation

def test_a_recommendation_goes_to_the_supervising_unit_then_the_center(ctx, units) -> None:  # type: ignore[no-untyped-def]
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


def test_building_twice_does_not_duplicate(ctx, units) -> None:  # type: ignore[no-untyped-def]
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


def test_the_rule_set_can_build_batches_when_publicities_close(ctx, units, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipeline.rules.book import RuleBook
    from pipeline.rules.ruleset import default_ruleset_path
    from pipeline.services.jobs import run_job

    app_id = seed_application(ctx, PRIVATE, state="unit_passed")
    publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000")
    manual = run_job(ctx, "close-publicities", lambda *_: None, date(2026, 11, 9))
    assert manual["recommended"] == [] and state_of(ctx, app_id) == State.PUBLICITY_PASSED
    rules = tmp_path / "2026.toml"
    rules.write_text(default_ruleset_path(2026).read_text(encoding="utf-8").replace(
        "auto_recommend = false", "auto_recommend = true"), encoding="utf-8")
    ctx.rules = RuleBook(rules)
    outcome = run_job(ctx, "build-recommendations", lambda *_: None, date(2026, 11, 9))
    assert len(outcome["recommended"]) == 1
    assert state_of(ctx, app_id) == State.CENTER_REVIEW
