"""The periodic jobs: each a sweep that is safe to run twice, at once, or late.

`zhicheng scheduler` only wakes them; `zhicheng jobs run NAME` runs one by hand. Every run is
recorded (job_runs) with what it did, so an operator can see when each last ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from pipeline.context import Context
from pipeline.domain.vocabulary import cn_date
from pipeline.errors import NotFound
from pipeline.services import publicity_closing, recommend, recovery
from pipeline.stages import Send
from pipeline.storage.db.models import JobRun
from pipeline.storage.transitions import SYSTEM, log_event


@dataclass(frozen=True)
class Run:
    """One run's inputs: the day taken as today, who runs it, why a future day was forced."""

    today: date
    send: Send
    by: str
    forced: str | None = None


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    run: Callable[[Context, Run], dict[str, Any]]


def _close_publicities(ctx: Context, run: Run) -> dict[str, Any]:
    result = publicity_closing.close_due(ctx, run.today, by=run.by, force=run.forced is not None,
                                         reason=run.forced or "").as_dict()
    # A rule set may ask for batches once results are confirmed: build those in the same run.
    result["recommended"] = [b.batch_id for b in recommend.build_due(ctx, by=run.by)]
    return result


def _build_recommendations(ctx: Context, run: Run) -> dict[str, Any]:
    return {"recommended": [b.batch_id for b in recommend.build_due(ctx, by=run.by)]}


def _recover_stuck(ctx: Context, run: Run) -> dict[str, Any]:
    return recovery.resend_stalled(ctx, run.send)


JOBS: dict[str, Job] = {j.name: j for j in (
    Job("close-publicities", "关闭到期公示", _close_publicities),
    Job("build-recommendations", "按规则集自动生成推荐上报批次", _build_recommendations),
    Job("recover-stuck", "重新发送停滞的自动处理", _recover_stuck),
)}


class UnknownJob(NotFound):
    pass


def run_job(ctx: Context, name: str, send: Send, today: date | None = None,
            actor: str = SYSTEM, *, force: bool = False, reason: str = "") -> dict[str, Any]:
    """Run one job now and record the run; the job's error is recorded and raised again.

    A `today` after the real today is refused unless `force` with a `reason` (an event).
    """
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(f"没有名为“{name}”的定时任务，可用的有：{'、'.join(JOBS)}")
    today, forced = publicity_closing.check_today(ctx, today, force, reason)
    with ctx.db.uow() as s:
        run = JobRun(name=name, today=today, actor=actor, started_at=ctx.clock.now(), outcome={})
        s.add(run)
        if forced:
            log_event(s, now=ctx.clock.now(), subject="job", subject_id=name, action="job.forced",
                      actor=actor, reason=f"以未来日期{cn_date(today)}运行“{job.label}”，原因：{forced}")
        s.commit()
        run_id = run.id
    try:
        outcome = job.run(ctx, Run(today, send, actor, forced))
    except Exception as exc:
        _finish(ctx, run_id, {}, f"{type(exc).__name__}: {exc}")
        raise
    _finish(ctx, run_id, outcome, None)
    return outcome


def _finish(ctx: Context, run_id: int, outcome: dict[str, Any], error: str | None) -> None:
    with ctx.db.uow() as s:
        run = s.get(JobRun, run_id)
        assert run is not None
        run.finished_at, run.outcome, run.error = ctx.clock.now(), outcome, error
        s.commit()


def last_runs(ctx: Context) -> list[dict[str, Any]]:
    """Each job's latest run, for `status`."""
    out = []
    with ctx.db.uow() as s:
        for name, job in JOBS.items():
            run = s.scalar(select(JobRun).where(JobRun.name == name).order_by(JobRun.id.desc()).limit(1))
            out.append({"job": name, "label": job.label,
                        "last_run": run.started_at.isoformat(timespec="seconds") if run else None,
                        "ok": (run.error is None and run.finished_at is not None) if run else None,
                        "error": run.error if run else None})
    return out
