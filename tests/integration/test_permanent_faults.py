"""The runner does not retry a permanent fault: the application goes to `failed` on the first
attempt with the reason; a transient fault is raised for the queue to retry, up to the cap."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from pipeline.context import Context
from pipeline.errors import ApplicationMissing, DatabaseBusy
from pipeline.stages import BY_NAME, StageResult
from pipeline.stages.runner import run_stage
from pipeline.storage.db.models import Application
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE


def scripted(monkeypatch: pytest.MonkeyPatch, stage: str, fault: Exception) -> list[int]:
    """The stage's work replaced by one that records its call and raises `fault`."""
    calls: list[int] = []

    def work(ctx: Context, app_id: int) -> StageResult:
        calls.append(app_id)
        raise fault

    monkeypatch.setitem(BY_NAME, stage, replace(BY_NAME[stage], work=work))
    return calls


def state_of(ctx: Context, app_id: int) -> tuple[str, int, str | None]:
    with ctx.db.uow() as s:
        row = s.execute(select(Application.state, Application.attempts, Application.last_error)
                        .where(Application.id == app_id)).one()
    return row.state, row.attempts, row.last_error


def test_a_permanent_fault_fails_the_application_at_once(ctx: Context,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE, state="extracted")
    calls = scripted(monkeypatch, "check", ApplicationMissing("申报不存在"))
    assert run_stage(ctx, "check", app_id) is None  # not raised: the queue does not retry it
    assert calls == [app_id]
    state, attempts, error = state_of(ctx, app_id)
    assert state == "failed" and attempts == 1
    assert error and "重试无效" in error and f"zhicheng retry {app_id}" in error
    assert run_stage(ctx, "check", app_id) is None and calls == [app_id]  # a redelivery: no-op


def test_a_transient_fault_is_retried_until_the_cap(ctx: Context,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    register_sample_units(ctx)
    app_id = seed_application(ctx, PRIVATE, state="extracted")
    calls = scripted(monkeypatch, "check", DatabaseBusy("数据库被锁定"))
    cap = ctx.settings.stage_attempt_cap
    for attempt in range(1, cap):
        with pytest.raises(DatabaseBusy):
            run_stage(ctx, "check", app_id)
        assert state_of(ctx, app_id)[:2] == ("extracted", attempt)
    assert run_stage(ctx, "check", app_id) is None
    assert len(calls) == cap and state_of(ctx, app_id)[0] == "failed"
