"""The end of a publicity: the closing sweep proposes, the unit confirms, the center may reopen.

The closing sweep (scheduler or `publicity close-due`) is set-based SQL with a compare-and-set on
each publicity: two sweeps at once, or the same sweep twice, close each publicity once; after
downtime every overdue publicity closes on the next sweep. It decides nothing final: each entry
gets a proposal (拟通过 / 拟不通过), and an applicant with an objection still open is held
(公示异议待处理) until the objection is resolved. `confirm` is the unit saving the result: only
then are 公示通过 / 公示未通过 final. `reopen` (the center) undoes a wrong close with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import PublicityResult, PublicityState, Resolution, cn_date
from pipeline.services.errors import WorkflowError
from pipeline.services.publicity import UNIT_CLERK, forced, publicity_row
from pipeline.storage.db.models import Application, Event, Objection, Publicity, PublicityEntry
from pipeline.storage.transitions import SYSTEM, log_event, move_many

CENTER_OPERATOR = "中心工作人员"
# Where an applicant of a closed publicity may be when the center reopens it.
REOPENABLE = (State.PUBLICITY, State.PUBLICITY_HELD, State.PUBLICITY_PASSED, State.PUBLICITY_FAILED)


@dataclass
class Closing:
    """What one closing sweep did: proposals only, and who is held by an open objection."""

    publicities: list[int] = field(default_factory=list)
    passed: int = 0                 # proposed 通过
    failed: int = 0                 # proposed 不通过 (an upheld objection)
    held: int = 0                   # 公示异议待处理

    def as_dict(self) -> dict[str, Any]:
        return {"closed": self.publicities, "passed": self.passed, "failed": self.failed,
                "held": self.held, "proposed": True}


@dataclass(frozen=True)
class Confirmation:
    """What the unit's confirmation made final."""

    publicity_id: int
    passed: list[int]
    failed: list[int]
    held: list[int]                 # still waiting for an objection's resolution


def check_today(ctx: Context, today: date | None, force: bool, reason: str) -> tuple[date, str | None]:
    """The day a sweep takes as today; a future day only with --force and a reason."""
    real = ctx.today()
    if today is None or today <= real:
        return today or real, None
    return today, forced(force, reason, f"指定的日期{cn_date(today)}晚于今天（{cn_date(real)}），"
                                        "按未来日期关闭公示不可撤销")


def close_due(ctx: Context, today: date | None = None, *, by: str = SYSTEM, force: bool = False,
              reason: str = "") -> Closing:
    """Close every open publicity whose last working day is before `today`; propose the results."""
    today, why = check_today(ctx, today, force, reason)
    now, out = ctx.clock.now(), Closing()
    with ctx.db.uow() as s:
        out.publicities = sorted(s.scalars(
            update(Publicity).where(Publicity.state == PublicityState.OPEN, Publicity.end_date < today)
            .values(state=PublicityState.CLOSED, closed_at=now).returning(Publicity.id)))
        if not out.publicities:
            return out
        closed = out.publicities
        entries = select(PublicityEntry.application_id).where(
            PublicityEntry.publicity_id.in_(closed))

        def objections(standing: Any) -> Any:
            # objections are only ever raised against an entry of their publicity
            return select(Objection.application_id).where(Objection.publicity_id.in_(closed),
                                                          standing)

        still_open = objections(Objection.resolution.is_(None))
        upheld = objections(Objection.resolution == Resolution.UPHELD)
        held = move_many(s, entries, State.PUBLICITY, State.PUBLICITY_HELD, now=now, actor=by,
                         action="publicity.held", where=[Application.id.in_(still_open)],
                         reason="公示期满时仍有异议未处理：处理异议后再由单位确认公示结果")
        s.execute(update(PublicityEntry)
                  .where(PublicityEntry.publicity_id.in_(closed), PublicityEntry.result.is_(None))
                  .values(proposal=case((PublicityEntry.application_id.in_(still_open), PublicityResult.HELD),
                                        (PublicityEntry.application_id.in_(upheld), PublicityResult.FAILED),
                                        else_=PublicityResult.PASSED))
                  .execution_options(synchronize_session=False))
        proposed = s.execute(select(PublicityEntry.application_id, PublicityEntry.proposal)
                             .join(Application, Application.id == PublicityEntry.application_id)
                             .where(PublicityEntry.publicity_id.in_(closed),
                                    Application.state == str(State.PUBLICITY))).all()
        if proposed:
            s.execute(insert(Event), [dict(
                application_id=a, subject="application", subject_id=str(a),
                action="publicity.proposed", from_state=None, to_state=None, actor=by,
                reason=("公示期满，异议成立，拟不通过公示" if p == PublicityResult.FAILED
                        else "公示期满，无异议或异议不成立，拟通过公示") + "；待单位确认",
                created_at=now) for a, p in proposed])
        out.held = len(held)
        out.failed = sum(1 for _, p in proposed if p == PublicityResult.FAILED)
        out.passed = sum(1 for _, p in proposed if p == PublicityResult.PASSED)
        log_event(s, now=now, subject="publicity", subject_id=",".join(map(str, closed[:5])),
                  action="publicity.close", actor=by,
                  reason=f"关闭{len(closed)}个到期公示（截至{cn_date(today)}）")
        if why:
            log_event(s, now=now, subject="publicity", subject_id=",".join(map(str, closed[:5])),
                      action="publicity.close_forced", actor=by,
                      reason=f"以未来日期{cn_date(today)}关闭公示，原因：{why}")
        s.commit()
    return out


def confirm(ctx: Context, publicity_id: int, *, by: str = UNIT_CLERK) -> Confirmation:
    """The unit saves the publicity's result: the proposals become 公示通过 / 公示未通过."""
    now, actor = ctx.clock.now(), by.strip() or UNIT_CLERK
    with ctx.db.uow() as s:
        pub = publicity_row(s, publicity_id)
        if pub.state != PublicityState.CLOSED:
            raise WorkflowError(f"公示{pub.id}尚未结束（至{cn_date(pub.end_date)}止），不能确认公示结果")
        done: dict[str, list[int]] = {}
        for proposal, target, label in ((PublicityResult.PASSED, State.PUBLICITY_PASSED, "公示通过"),
                                        (PublicityResult.FAILED, State.PUBLICITY_FAILED, "公示未通过")):
            ids = select(PublicityEntry.application_id).where(
                PublicityEntry.publicity_id == pub.id, PublicityEntry.result.is_(None),
                PublicityEntry.proposal == proposal)
            done[proposal] = move_many(s, ids, State.PUBLICITY, target, now=now, actor=actor,
                                       action="publicity.confirm",
                                       reason=f"单位确认公示{pub.id}结果：{label}")
            if done[proposal]:
                s.execute(update(PublicityEntry)
                          .where(PublicityEntry.publicity_id == pub.id,
                                 PublicityEntry.application_id.in_(done[proposal]))
                          .values(result=proposal, confirmed_by=actor, confirmed_at=now)
                          .execution_options(synchronize_session=False))
        held = list(s.scalars(
            select(Application.id).join(PublicityEntry, PublicityEntry.application_id == Application.id)
            .where(PublicityEntry.publicity_id == pub.id,
                   Application.state == str(State.PUBLICITY_HELD)).order_by(Application.id)))
        if not done[PublicityResult.PASSED] and not done[PublicityResult.FAILED]:
            s.rollback()
            if held:
                raise WorkflowError(f"公示{pub.id}尚有{len(held)}人的异议未处理（申报"
                                    f"{'、'.join(map(str, held))}）：请先执行 zhicheng publicity resolve")
            raise WorkflowError(f"公示{pub.id}没有待确认的公示结果（已全部确认）")
        log_event(s, now=now, subject="publicity", subject_id=pub.id, action="publicity.confirm",
                  actor=actor, reason=f"公示通过{len(done[PublicityResult.PASSED])}人，公示未通过{len(done[PublicityResult.FAILED])}人"
                  + (f"，异议待处理{len(held)}人" if held else ""))
        s.commit()
        return Confirmation(pub.id, done[PublicityResult.PASSED], done[PublicityResult.FAILED], held)


def reopen(ctx: Context, publicity_id: int, reason: str, *, by: str = CENTER_OPERATOR) -> list[int]:
    """The center undoes a wrong close: the publicity is open again, its applicants in 公示中."""
    reason, actor = (reason or "").strip(), by.strip() or CENTER_OPERATOR
    if not reason:
        raise WorkflowError("重新开启公示必须用 --reason 说明原因")
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        pub = publicity_row(s, publicity_id)
        if pub.state != PublicityState.CLOSED:
            raise WorkflowError(f"公示{pub.id}仍在公示中，无需重新开启")
        members = s.execute(select(Application.id, Application.name, Application.state)
                            .join(PublicityEntry, PublicityEntry.application_id == Application.id)
                            .where(PublicityEntry.publicity_id == pub.id)).all()
        beyond = [m for m in members if State(m.state) not in REOPENABLE
                  and m.state != str(State.WITHDRAWN)]
        if beyond:
            raise WorkflowError(f"公示{pub.id}中已有申报进入后续环节，不能重新开启：" + "；".join(
                f"申报{m.id}（{m.name}）为“{LABELS[State(m.state)]}”" for m in beyond))
        moved = _back_to_publicity(s, pub.id, now, actor, reason)
        s.execute(update(PublicityEntry).where(PublicityEntry.publicity_id == pub.id)
                  .values(result=None, proposal=None, confirmed_by=None, confirmed_at=None)
                  .execution_options(synchronize_session=False))
        pub.state, pub.closed_at = PublicityState.OPEN, None
        log_event(s, now=now, subject="publicity", subject_id=pub.id, action="publicity.reopen",
                  actor=actor, reason=f"中心重新开启公示{pub.id}（{len(moved)}人回到公示中），原因：{reason}")
        s.commit()
        return moved


def _back_to_publicity(s: Session, publicity_id: int, now: datetime, actor: str,
                       reason: str) -> list[int]:
    ids = select(PublicityEntry.application_id).where(PublicityEntry.publicity_id == publicity_id)
    moved: list[int] = []
    for state in REOPENABLE[1:]:
        moved += move_many(s, ids, state, State.PUBLICITY, now=now, actor=actor,
                           action="publicity.reopen", reason=f"中心重新开启公示：{reason}")
    return sorted(moved)
