"""Recovery of stuck work: resent after the threshold, counted, failed past the cap, retried."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.services import queries
from pipeline.services.recovery import resend_stalled, retry_failed
from pipeline.storage.db.models import Application
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE

START = datetime(2026, 11, 27, 9, 0)


class Sent(list):
    def __call__(self, stage: str, app_ids: list[int]) -> None:
        self.extend((stage, app_id) for app_id in app_ids)


def later(ctx: Context, seconds: int) -> None:
    ctx.clock.at += timedelta(seconds=seconds)


def test_work_that_has_not_moved_is_sent_again_after_the_threshold(ctx: Context) -> None:
    register_sample_units(ctx)
    stuck = seed_application(ctx, PRIVATE, state="normalized")
    fresh_sent = Sent()
    assert resend_stalled(ctx, fresh_sent) == {"resent": [], "failed": []}  # not old enough
    later(ctx, ctx.settings.stuck_after_seconds + 1)
    sent = Sent()
    assert resend_stalled(ctx, sent)["resent"] == [stuck]
    assert sent == [("extract", stuck)]
    again = Sent()
    assert resend_stalled(ctx, again)["resent"] == []  # just resent: the clock starts again
    shown = queries.show_application(ctx, stuck)
    assert shown["events"][-1]["action"] == "recovery.resent"


def test_work_a_worker_holds_is_left_alone_until_its_lease_runs_out(ctx: Context) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE, state="received")
    with ctx.db.uow() as s:
        s.get(Application, app_id).lease_until = START + timedelta(hours=1)
        s.commit()
    later(ctx, ctx.settings.stuck_after_seconds + 1)
    assert resend_stalled(ctx, Sent())["resent"] == []
    later(ctx, 3600)
    assert resend_stalled(ctx, Sent())["resent"] == [app_id]


def test_past_the_cap_the_application_fails_with_the_reason_and_retry_starts_it_again(ctx: Context) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE, state="normalized")
    cap = ctx.settings.stage_attempt_cap
    for _ in range(cap):
        later(ctx, ctx.settings.stuck_after_seconds + 1)
        assert resend_stalled(ctx, Sent())["resent"] == [app_id]
    later(ctx, ctx.settings.stuck_after_seconds + 1)
    assert resend_stalled(ctx, Sent()) == {"resent": [], "failed": [app_id]}
    failed = queries.overview(ctx)["failed"]
    assert [f["id"] for f in failed] == [app_id]
    assert "ocr" in failed[0]["reason"] and f"zhicheng retry {app_id}" in failed[0]["reason"]
    sent = Sent()
    assert retry_failed(ctx, sent, [app_id]) == [app_id]
    assert sent == [("normalize", app_id)]
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        assert (app.state, app.attempts) == (State.RECEIVED, 0)


def test_recovery_leaves_people_queues_alone(ctx: Context) -> None:
    register_sample_units(ctx)
    for state in ("unit_review", "publicity", "center_review", "returned"):
        seed_application(ctx, PRIVATE, state=state)
    later(ctx, 10 * ctx.settings.stuck_after_seconds)
    assert resend_stalled(ctx, Sent()) == {"resent": [], "failed": []}
    with ctx.db.uow() as s:
        assert all(a == 0 for a in s.scalars(select(Application.attempts)))
