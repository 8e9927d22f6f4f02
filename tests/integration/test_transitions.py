"""The one transition module on SQLite and PostgreSQL: checked, compare-and-set, one event each."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pipeline.context import Context
from pipeline.domain.states import InvalidTransition, State
from pipeline.storage import transitions
from pipeline.storage.db.models import Application, Event
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE


def _states(ctx: Context, ids: list[int]) -> list[str]:
    with ctx.db.uow() as s:
        return [s.scalar(select(Application.state).where(Application.id == i)) for i in ids]


def _events(ctx: Context, action: str) -> list[Event]:
    with ctx.db.uow() as s:
        rows = list(s.scalars(select(Event).where(Event.action == action).order_by(Event.id)))
        s.expunge_all()
        return rows


def test_move_many_moves_only_those_still_in_the_state_with_one_event_each(ctx: Context) -> None:
    register_sample_units(ctx)
    ready = [seed_application(ctx, PRIVATE, state="unit_passed") for _ in range(3)]
    elsewhere = seed_application(ctx, PRIVATE, state="unit_review")
    with ctx.db.uow() as s:
        moved = transitions.move_many(s, ready + [elsewhere], State.UNIT_PASSED, State.PUBLICITY,
                                      now=ctx.clock.now(), actor="单位王五", action="publicity.open",
                                      reason=lambda i: f"申报{i}")
        s.commit()
    assert moved == sorted(ready)
    assert _states(ctx, ready + [elsewhere]) == ["publicity"] * 3 + ["unit_review"]
    events = _events(ctx, "publicity.open")
    assert [(e.application_id, e.from_state, e.to_state, e.actor, e.reason) for e in events] == [
        (i, "unit_passed", "publicity", "单位王五", f"申报{i}") for i in sorted(ready)]
    with ctx.db.uow() as s:  # the same move again: nothing is in unit_passed any more
        assert transitions.move_many(s, ready, State.UNIT_PASSED, State.PUBLICITY,
                                     now=ctx.clock.now()) == []


def test_a_move_the_machine_forbids_writes_nothing(ctx: Context) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE, state="unit_review")
    with ctx.db.uow() as s:
        with pytest.raises(InvalidTransition, match="所在单位初审"):
            transitions.move_many(s, [app_id], State.UNIT_REVIEW, State.CENTER_PASSED,
                                  now=ctx.clock.now())
        with pytest.raises(InvalidTransition):
            transitions.move(s, app_id, State.UNIT_REVIEW, State.PUBLICITY, now=ctx.clock.now())
        s.commit()
    assert _states(ctx, [app_id]) == ["unit_review"]
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.application_id == app_id, Event.action != "seeded")) == 0


def test_move_many_takes_a_select_and_large_lists(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    register_sample_units(ctx)
    ids = [seed_application(ctx, PRIVATE, state="unit_passed") for _ in range(5)]
    monkeypatch.setattr(transitions, "CHUNK", 2)  # several statements for one list
    with ctx.db.uow() as s:
        moved = transitions.move_many(s, ids[:3], State.UNIT_PASSED, State.PUBLICITY,
                                      now=ctx.clock.now())
        rest = transitions.move_many(
            s, select(Application.id).where(Application.id.in_(ids[3:])), State.UNIT_PASSED,
            State.PUBLICITY, now=ctx.clock.now())
        s.commit()
    assert moved == sorted(ids[:3]) and rest == sorted(ids[3:])
    assert _states(ctx, ids) == ["publicity"] * 5
