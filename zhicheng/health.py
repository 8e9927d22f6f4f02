"""Health: is the database reachable, the broker, are workers running, how far behind are the
queues, and what an operator should run when work waits with nobody to do it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from pipeline.domain.states import AUTOMATIC
from pipeline.services import queries
from pipeline.storage.db.models import Application
from workers import presence
from zhicheng.bootstrap import Runtime


def health(runtime: Runtime) -> dict[str, Any]:
    """The whole picture, for `status --json`, /healthz and the metrics; never raises."""
    settings = runtime.settings
    out: dict[str, Any] = {"mode": "embedded" if runtime.embedded else "redis"}
    try:
        with runtime.ctx.db.uow() as s:
            s.execute(text("SELECT 1"))
        out["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        out["database"] = {"ok": False, "error": _brief(exc)}
    out["broker"] = _broker(runtime)
    try:
        running = presence.running(settings)
        out["workers"] = {"ok": True, "running": running, "count": len(running)}
    except Exception as exc:  # noqa: BLE001
        out["workers"] = {"ok": False, "running": [], "count": 0, "error": _brief(exc)}
    if not out["database"]["ok"]:
        out.update(queues=[], waiting=0, expired_leases=0, hint=None, ok=False)
        return out
    data = queries.overview(runtime.ctx, runtime.stages)
    out["queues"] = [q for q in data["queues"] if q["kind"] == "automatic"]
    waiting = sum(q["depth"] for q in out["queues"])
    now = runtime.ctx.clock.now()
    with runtime.ctx.db.uow() as s:
        expired = s.scalar(select(func.count()).where(
            Application.state.in_([str(x) for x in AUTOMATIC]),
            Application.lease_until < now)) or 0
    out["waiting"], out["expired_leases"] = waiting, expired
    out["hint"] = hint(runtime.embedded, waiting, expired, out["workers"]["count"])
    out["ok"] = out["database"]["ok"] and out["broker"]["ok"] and out["hint"] is None
    return out


def hint(embedded: bool, waiting: int, expired: int, workers: int) -> str | None:
    """What to run when work waits and no worker is there to do it (None: nothing to do)."""
    if not waiting or workers:
        return None
    dead = f"其中{expired}份的处理进程已退出（租约已过期）；" if expired else ""
    if embedded:
        return (f"有{waiting}份申报在等待自动处理，但没有运行中的处理进程；{dead}"
                "请运行 zhicheng worker（内嵌模式：处理完所有待处理的申报后退出）")
    return (f"有{waiting}份申报在队列中等待自动处理，但没有运行中的处理进程；{dead}"
            "请在任一台机器上运行 zhicheng worker")


def _broker(runtime: Runtime) -> dict[str, Any]:
    if runtime.embedded:
        return {"ok": True, "kind": "embedded"}
    try:
        import redis

        client = redis.Redis.from_url(runtime.settings.broker_url or "", socket_timeout=5,
                                      socket_connect_timeout=5)
        try:
            client.ping()
        finally:
            client.close()
        return {"ok": True, "kind": "redis"}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "kind": "redis", "error": _brief(exc)}


def _brief(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:200]}"
