"""Sweeps run at once on two real connections (PostgreSQL and SQLite): each thing happens once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.services import publicity, publicity_closing, recommend, review
from pipeline.storage.db.models import Event, RecommendationBatch, RecommendationEntry
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE


def twice_at_once(ctx: Context, fn: Callable[[Context], object]) -> list[object]:
    """Run fn in two threads, each with its own Context (own engine, own connections)."""
    contexts = [Context.from_settings(ctx.settings, ctx.clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(contexts[i])
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c in contexts:
        c.db.dispose()
    return results


def count_events(ctx: Context, action: str) -> int:
    with ctx.db.uow() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.action == action)) or 0


def test_two_closing_sweeps_at_once_close_each_publicity_once(ctx: Context) -> None:
    register_sample_units(ctx)
    for _ in range(3):  # three publicities of 40 applicants each
        ids = [seed_application(ctx, PRIVATE, state="unit_passed") for _ in range(40)]
        publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000", ids,
                                 force=True, reason="补登")
    results = twice_at_once(ctx, lambda c: publicity_closing.close_due(c, date(2026, 11, 9)))
    assert not any(isinstance(r, Exception) for r in results), results
    closed = sorted(p for r in results for p in r.publicities)
    assert len(closed) == 3 and len(set(closed)) == 3
    assert sum(r.passed for r in results) == 120
    assert count_events(ctx, "publicity.proposed") == 120
    assert count_events(ctx, "publicity.close") == len([r for r in results if r.publicities])


def test_two_builds_at_once_make_one_batch(ctx: Context) -> None:
    register_sample_units(ctx)
    ids = [seed_application(ctx, PRIVATE, state="unit_passed") for _ in range(60)]
    pub_id = publicity.open_publicity(ctx, PRIVATE, date(2026, 11, 2), 5, "王", "13800138000", ids,
                                      force=True, reason="补登")
    publicity_closing.close_due(ctx, date(2026, 11, 9))
    publicity_closing.confirm(ctx, pub_id, by="单位王五")
    results = twice_at_once(ctx, lambda c: recommend.build(c, PRIVATE, 2026))
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(r.created for r in results) == [False, True]
    with ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(RecommendationBatch)) == 1
        assert s.scalar(select(func.count()).select_from(RecommendationEntry)) == 60
    assert count_events(ctx, "recommend") == 60


def test_two_reviewers_deciding_at_once_record_one_decision(ctx: Context) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE)
    results = twice_at_once(ctx, lambda c: review.decide(c, app_id, "pass", reviewer="甲"))
    decided = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(decided) == 1 and decided[0].state is State.UNIT_PASSED
    assert len(refused) == 1 and ("他人" in str(refused[0]) or "当前状态" in str(refused[0]))
    assert count_events(ctx, "review.pass") == 1
