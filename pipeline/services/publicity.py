"""Publicity (所在单位申报公示): open a period of N working days, objections and their resolution.

The last day is computed once, when the publicity opens, from the official calendar (and the
operator's override file), and stored. The closing, the unit's confirmation and the center's
reopening are in `publicity_closing` (docs/workflow.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import PublicityResult, PublicityState, Resolution, cn_date
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound
from pipeline.services.units import subordinates
from pipeline.storage.db.models import Application, Objection, Publicity, PublicityEntry, Unit
from pipeline.storage.transitions import log_event, move, move_many

DEFAULT_MIN_DAYS = 5            # the usual minimum, for a year without a rule set
RESOLUTIONS: dict[str, str] = {Resolution.UPHELD.value: "成立", Resolution.DISMISSED.value: "不成立"}
UNIT_CLERK = "单位经办人"
_PHONE = re.compile(r"^[0-9][0-9\- ]{6,19}$")


def forced(force: bool, reason: str, problem: str) -> str:
    """The reason given with --force for an out-of-range date, or the refusal."""
    reason = (reason or "").strip()
    if not force:
        raise WorkflowError(f"{problem}；如确需如此，请加 --force 并用 --reason 说明原因（将记入处理记录）")
    if not reason:
        raise WorkflowError(f"{problem}；使用 --force 时必须用 --reason 说明原因")
    return reason


def open_publicity(ctx: Context, unit: str, start: date, days: int, contact: str, phone: str,
                   app_ids: Iterable[int] = (), *, by: str = UNIT_CLERK, force: bool = False,
                   reason: str = "") -> int:
    """Open a publicity for applications of `unit` (or its subordinates) in 单位初审通过.

    A start before today is refused unless `force` with a `reason` (recorded as an event).
    """
    unit, contact, phone = unit.strip().upper(), contact.strip(), phone.strip()
    actor = by.strip() or UNIT_CLERK
    if not contact:
        raise WorkflowError("请填写公示联系人（--contact）")
    if not _PHONE.match(phone):
        raise WorkflowError(f"联系电话“{phone}”无效：请填写手机号或带区号的固定电话，如 0731-84561234")
    backdated = None
    if start < ctx.today():
        backdated = forced(force, reason, f"公示开始日期{cn_date(start)}早于今天"
                                          f"（{cn_date(ctx.today())}）")
    wanted = list(dict.fromkeys(int(i) for i in app_ids))
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        if s.get(Unit, unit) is None:
            raise NotFound(f"单位{unit}未登记")
        units = {unit} | subordinates(s, unit)
        q = select(Application.id, Application.name, Application.state, Application.unit_code,
                   Application.year)
        if wanted:
            rows = s.execute(q.where(Application.id.in_(wanted))).all()
            found = {r.id: r for r in rows}
            problems = []
            for app_id in wanted:
                r = found.get(app_id)
                if r is None:
                    problems.append(f"申报{app_id}不存在")
                elif r.unit_code not in units:
                    problems.append(f"申报{app_id}（{r.name}）不属于单位{unit}及其下级单位")
                elif r.state != State.UNIT_PASSED:
                    problems.append(f"申报{app_id}（{r.name}）当前状态为“{LABELS[State(r.state)]}”，"
                                    "只有“单位初审通过”的申报可以公示")
            if problems:
                raise WorkflowError("不能开始公示：" + "；".join(problems))
        else:
            rows = s.execute(q.where(Application.unit_code.in_(units),
                                     Application.state == str(State.UNIT_PASSED))
                             .order_by(Application.id)).all()
            if not rows:
                raise WorkflowError(f"单位{unit}及其下级单位没有“单位初审通过”的申报，无需公示")
        minimum = max(_min_days(ctx, r.year) for r in rows)
        if days < minimum:
            raise WorkflowError(f"公示天数为{days}个工作日，少于规定的最少{minimum}个工作日")
        try:
            end = ctx.calendar.last_day(start, days)
        except ValueError as exc:
            raise WorkflowError(str(exc)) from None
        pub = Publicity(unit_code=unit, contact=contact, phone=phone, start_date=start, days=days,
                        end_date=end, state=PublicityState.OPEN, created_by=actor, created_at=now)
        s.add(pub)
        s.flush()
        ids = [r.id for r in rows]
        s.execute(insert(PublicityEntry), [{"publicity_id": pub.id, "application_id": i} for i in ids])
        terms = f"公示{pub.id}：{cn_date(start)}起{days}个工作日，至{cn_date(end)}止"
        moved = move_many(s, ids, State.UNIT_PASSED, State.PUBLICITY, now=now, actor=actor,
                          action="publicity.open", reason=terms)
        if len(moved) != len(ids):
            s.rollback()
            raise WorkflowError("部分申报刚刚已被其他操作变更，公示未开始；请重新执行")
        log_event(s, now=now, subject="publicity", subject_id=pub.id, action="publicity.open",
                  actor=actor, reason=f"单位{unit}，{len(ids)}人，{terms}")
        if backdated:
            log_event(s, now=now, subject="publicity", subject_id=pub.id,
                      action="publicity.backdated", actor=actor,
                      reason=f"开始日期{cn_date(start)}早于登记日，原因：{backdated}")
        s.commit()
        return pub.id


def _min_days(ctx: Context, year: int) -> int:
    rules = ctx.rules.for_year(year)
    return rules.publicity_min_working_days if rules else DEFAULT_MIN_DAYS


def publicity_row(s: Session, publicity_id: int) -> Publicity:
    """The publicity, or NotFound."""
    pub = s.get(Publicity, publicity_id)
    if pub is None:
        raise NotFound(f"公示{publicity_id}不存在")
    return pub


def _open_publicity_row(s: Session, publicity_id: int) -> Publicity:
    pub = publicity_row(s, publicity_id)
    if pub.state != PublicityState.OPEN:
        raise WorkflowError(f"公示{publicity_id}已于{cn_date(pub.closed_at)}结束，不能再登记异议")
    return pub


def object_to(ctx: Context, publicity_id: int, applicant: str, reason: str, *,
              today: date | None = None, by: str = UNIT_CLERK) -> int:
    """Record an objection (异议) against one applicant of an open publicity; return its id."""
    reason = reason.strip()
    if not reason:
        raise WorkflowError("请填写异议内容（--reason）")
    today, now = today or ctx.today(), ctx.clock.now()
    actor = by.strip() or UNIT_CLERK
    with ctx.db.uow() as s:
        pub = _open_publicity_row(s, publicity_id)
        if today > pub.end_date:
            raise WorkflowError(f"公示{publicity_id}的公示期已于{cn_date(pub.end_date)}结束，不能再登记异议")
        app_id = _entry(s, pub, applicant)
        row = Objection(publicity_id=pub.id, application_id=app_id, reason=reason, raised_by=actor,
                        created_at=now)
        s.add(row)
        s.flush()
        log_event(s, now=now, subject="application", subject_id=app_id, action="publicity.objection",
                  actor=actor, application_id=app_id, reason=f"公示{pub.id}异议{row.id}：{reason}")
        s.commit()
        return row.id


def _entry(s: Session, pub: Publicity, applicant: str) -> int:
    """The application of this publicity an operator means: its id, or the ID number."""
    text = applicant.strip().upper()
    q = (select(Application.id).join(PublicityEntry, PublicityEntry.application_id == Application.id)
         .where(PublicityEntry.publicity_id == pub.id))
    if text.isdigit() and len(text) < 18:
        q = q.where(Application.id == int(text))
    else:
        q = q.where(Application.id_number == text)
    ids = list(s.scalars(q))
    if len(ids) != 1:
        raise WorkflowError(f"公示{pub.id}中没有申报人“{applicant}”（请填写申报编号或身份证号）")
    return ids[0]


def resolve(ctx: Context, objection_id: int, result: str, note: str = "", *,
            by: str = UNIT_CLERK) -> None:
    """Decide an objection: upheld (成立, the applicant fails the publicity) or dismissed.

    During the period; or after the closing for an applicant it held (公示异议待处理), who then
    waits for the unit's confirmation with the proposal this resolution gives.
    """
    if result not in RESOLUTIONS:
        raise WorkflowError(f"异议处理结果“{result}”无效，应为 upheld（异议成立）或 dismissed（异议不成立）")
    note = note.strip()
    if not note:
        raise WorkflowError("请填写处理说明（--note），说明核实情况")
    now, actor = ctx.clock.now(), by.strip() or UNIT_CLERK
    with ctx.db.uow() as s:
        row = s.get(Objection, objection_id)
        if row is None:
            raise NotFound(f"异议{objection_id}不存在")
        pub = publicity_row(s, row.publicity_id)
        if row.resolution is not None:
            raise WorkflowError(f"异议{objection_id}已处理（{RESOLUTIONS[row.resolution]}），不能重复处理")
        app = s.get(Application, row.application_id)
        held = app is not None and app.state == str(State.PUBLICITY_HELD)
        if pub.state != PublicityState.OPEN and not held:
            raise WorkflowError(f"公示{pub.id}已结束，申报{row.application_id}不在“公示异议待处理”状态，"
                                "不能再处理该异议；如公示关闭有误，请中心执行 zhicheng publicity reopen")
        row.resolution, row.resolution_note = result, note
        row.resolved_by, row.resolved_at = actor, now
        log_event(s, now=now, subject="application", subject_id=row.application_id,
                  action="publicity.objection_resolved", actor=actor,
                  application_id=row.application_id,
                  reason=f"异议{row.id}{RESOLUTIONS[result]}：{note}")
        if held:
            _release_held(s, pub.id, row.application_id, now, actor)
        s.commit()


def _release_held(s: Session, publicity_id: int, app_id: int, now: datetime, actor: str) -> None:
    """Once no objection is open, a held applicant waits for confirmation with its proposal."""
    s.flush()
    still_open = s.scalar(select(func.count()).select_from(Objection).where(
        Objection.publicity_id == publicity_id, Objection.application_id == app_id,
        Objection.resolution.is_(None)))
    if still_open:
        return
    upheld = s.scalar(select(func.count()).select_from(Objection).where(
        Objection.publicity_id == publicity_id, Objection.application_id == app_id,
        Objection.resolution == Resolution.UPHELD))
    proposal = PublicityResult.FAILED if upheld else PublicityResult.PASSED
    entry = s.scalars(select(PublicityEntry).where(PublicityEntry.publicity_id == publicity_id,
                                                   PublicityEntry.application_id == app_id)).one()
    entry.proposal = proposal
    move(s, app_id, State.PUBLICITY_HELD, State.PUBLICITY, now=now, actor=actor,
         action="publicity.proposed",
         reason=f"异议已处理，拟{'不通过' if upheld else '通过'}公示，待单位确认")


def publicity_view(ctx: Context, publicity_id: int) -> dict[str, Any]:
    """A publicity with its entries and objections, for the CLI and reports."""
    with ctx.db.uow() as s:
        pub = publicity_row(s, publicity_id)
        entries = s.execute(select(Application.id, Application.name, Application.state,
                                   PublicityEntry.result, PublicityEntry.proposal,
                                   PublicityEntry.confirmed_by)
                            .join(PublicityEntry, PublicityEntry.application_id == Application.id)
                            .where(PublicityEntry.publicity_id == pub.id)
                            .order_by(Application.id)).all()
        objections = list(s.scalars(select(Objection).where(Objection.publicity_id == pub.id)
                                    .order_by(Objection.id)))
        return {
            "id": pub.id, "unit_code": pub.unit_code, "contact": pub.contact, "phone": pub.phone,
            "start_date": pub.start_date.isoformat(), "days": pub.days,
            "end_date": pub.end_date.isoformat(), "state": pub.state,
            "closed_at": pub.closed_at.isoformat(timespec="seconds") if pub.closed_at else None,
            "created_by": pub.created_by,
            "applications": [{"id": e.id, "name": e.name, "state": e.state, "result": e.result,
                              "proposal": e.proposal, "confirmed_by": e.confirmed_by}
                             for e in entries],
            "objections": [{"id": o.id, "application_id": o.application_id, "reason": o.reason,
                            "resolution": o.resolution, "note": o.resolution_note}
                           for o in objections],
        }

