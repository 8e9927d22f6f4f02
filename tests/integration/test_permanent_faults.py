"""The runner does not retry a permanent fault: the application goes to `failed` on the first
attempt with the reason; a transient fault is raised for the queue to retry, up to the cap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from pipeline.context import Context
from pipeline.errors import ApplicationMissing, DatabaseBusy
from pipeline.stages import STAGES, StageResult, Stages
from pipeline.stages.runner import run_stage
from pipeline.storage.db.models import Application
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE


def scripted(stage: str, fault: Exception) -> tuple[Stages, list[int]]:
    """The stages with one stage's run replaced by one that records its call and raises `fault`."""
    calls: list[int] = []

    def run(ctx: Context, app_ids: Sequence[int]) -> Mapping[int, StageResult]:
        calls.extend(app_ids)
        raise fault

    return STAGES.replace(stage, run=run), calls


def state_of(ctx: Context, app_id: int) -> tuple[str, int, str | None]:
    with ctx.db.uow() as s:
        row = s.execute(select(Application.state, Application.attempts, Application.last_error)
                        .where(Application.id == app_id)).one()
    return row.state, row.attempts, row.last_error


def test_a_permanent_fault_fails_the_application_at_once(ctx: Context) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE, state="extracted")
    stages, calls = scripted("check", ApplicationMissing("申报不存在"))
    check = stages.named("check")
    assert run_stage(ctx, stages, check, [app_id]) == ({}, [])  # nothing for the queue to retry
    assert calls == [app_id]
    state, attempts, error = state_of(ctx, app_id)
    assert state == "failed" and attempts == 1
    assert error and "重试无效" in error and f"zhicheng retry {app_id}" in error
    assert run_stage(ctx, stages, check, [app_id]) == ({}, []) and calls == [app_id]  # a redelivery: no-op


def test_a_transient_fault_is_retried_until_the_cap(ctx: Context) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE, state="extracted")
    stages, calls = scripted("check", DatabaseBusy("数据库被锁定"))
    check = stages.named("check")
    cap = ctx.settings.stage_attempt_cap
    for attempt in range(1, cap):
        assert run_stage(ctx, stages, check, [app_id]) == ({}, [app_id])  # the queue retries it
        assert state_of(ctx, app_id)[:2] == ("extracted", attempt)
    assert run_stage(ctx, stages, check, [app_id]) == ({}, [])
    assert len(calls) == cap and state_of(ctx, app_id)[0] == "failed"
