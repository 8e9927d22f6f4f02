"""Re-check: run the automatic checks again on applications the checks returned, after a fix.

A unit registered or approved late, a superior configured, a rule set corrected: the returned
applications go through the automatic stages again from the start. Nothing already read is read
again — the extract stage finds every file's reading in its cache (by content and method) — so
only files never read (those returned at intake, before any OCR) cost OCR time.

Only returns made by the automatic checks are re-checked (the check stage's, or intake's for a
unit that could not file): a reviewer's return is a person's decision and stays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.findings import Severity
from pipeline.domain.states import AUTOMATIC, LABELS, State
from pipeline.storage.db.models import Application, BatchItem, Event, FindingRow
from pipeline.storage.transitions import move

AUTOMATIC_RETURNS = ("stage.check", "intake.blocked")
Send = Callable[[int], None]


@dataclass(frozen=True)
class RecheckStart:
    """What `start_recheck` did: the applications sent again, and those left with the reason."""

    started: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RecheckSummary:
    """Where re-checked applications are now: counts by state, and the returned ones' reasons."""

    total: int
    by_state: dict[str, int]
    returned: list[tuple[int, str, list[str]]]   # (id, name, blocking messages)
    waiting: int                                   # still at an automatic stage

    def text(self) -> str:
        """The summary in Chinese, one line per returned application."""
        if not self.total:
            return "没有重新检查的申报。"
        counts = "，".join(f"{LABELS.get(State(k), k)} {n} 份" for k, n in sorted(
            self.by_state.items(), key=lambda kv: -kv[1]))
        lines = [f"重新检查 {self.total} 份：{counts}。"]
        moved = self.by_state.get(str(State.UNIT_REVIEW), 0)
        if moved:
            lines.append(f"{moved} 份已进入所在单位初审。")
        if self.returned:
            lines.append(f"仍退回 {len(self.returned)} 份：")
            for app_id, name, messages in self.returned:
                lines.append(f"  申报{app_id} {name}：" + "；".join(messages))
        if self.waiting:
            lines.append(f"{self.waiting} 份仍在自动检查中，请稍后用 zhicheng status 查看。")
        return "\n".join(lines)


def select_returned(ctx: Context, ids: list[int] | None = None, unit: str | None = None,
                    batch: int | None = None) -> list[int]:
    """Returned applications matching every filter given (ids, unit code, batch), by id."""
    q = select(Application.id).where(Application.state == str(State.RETURNED))
    if ids:
        q = q.where(Application.id.in_(ids))
    if unit:
        q = q.where(Application.unit_code == unit.strip().upper())
    if batch is not None:
        q = q.join(BatchItem, BatchItem.application_id == Application.id).where(
            BatchItem.batch_id == batch)
    with ctx.db.uow() as s:
        return sorted(set(s.scalars(q)))


def _returned_by(s: Session, app_id: int) -> str | None:
    return s.scalar(select(Event.action).where(
        Event.application_id == app_id, Event.to_state == str(State.RETURNED))
        .order_by(Event.id.desc()).limit(1))


def start_recheck(ctx: Context, app_ids: list[int], send_first: Send,
                  actor: str = "运维人员") -> RecheckStart:
    """Send each application the automatic checks returned through the stages again."""
    now = ctx.clock.now()
    started: list[int] = []
    skipped: list[tuple[int, str]] = []
    with ctx.db.uow() as s:
        for app_id in app_ids:
            app = s.get(Application, app_id)
            if app is None:
                skipped.append((app_id, "申报不存在"))
                continue
            if app.state != State.RETURNED:
                skipped.append((app_id, f"当前为“{LABELS.get(State(app.state), app.state)}”，"
                                        "不是退回状态"))
                continue
            if _returned_by(s, app_id) not in AUTOMATIC_RETURNS:
                skipped.append((app_id, "是审核人员退回的，需由申报单位修改后重新提交"))
                continue
            if move(s, app_id, State.RETURNED, State.RECEIVED, now=now, actor=actor,
                    action="recheck", reason="单位注册或评审规则修正后重新检查",
                    attempts=0, last_error=None, lease_until=None):
                started.append(app_id)
        s.commit()
    for app_id in started:  # after the commit: a message never precedes its row
        send_first(app_id)
    return RecheckStart(started, skipped)


def summarize(ctx: Context, app_ids: list[int]) -> RecheckSummary:
    """Where the given applications are now, and why the returned ones are returned."""
    if not app_ids:
        return RecheckSummary(0, {}, [], 0)
    with ctx.db.uow() as s:
        apps = list(s.execute(select(Application.id, Application.name, Application.state)
                              .where(Application.id.in_(app_ids)).order_by(Application.id)))
        blocks: dict[int, list[str]] = {}
        for app_id, message in s.execute(
                select(FindingRow.application_id, FindingRow.message)
                .where(FindingRow.application_id.in_(app_ids),
                       FindingRow.severity == str(Severity.BLOCK)).order_by(FindingRow.id)):
            blocks.setdefault(app_id, []).append(message)
    counts = Counter(a.state for a in apps)
    returned = [(a.id, a.name, blocks.get(a.id, [])) for a in apps if a.state == State.RETURNED]
    waiting = sum(n for st, n in counts.items() if st in {str(x) for x in AUTOMATIC})
    return RecheckSummary(len(apps), dict(counts), returned, waiting)

