"""Publicity (所在单位申报公示): open a period of N working days, objections, the closing sweep.

The last day is computed once, when the publicity opens, from the official calendar (and the
operator's override file), and stored. The closing sweep is set-based SQL with a compare-and-set
on each publicity and each application: two sweeps at once, or the same sweep twice, close each
publicity once; after downtime every overdue publicity closes on the next sweep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable

from sqlalchemy import and_, case, insert, select, update

from pipeline.context import Context
from pipeline.storage.db.models import Application, Event, Objection, Publicity, PublicityEntry, Unit
from pipeline.services.errors import WorkflowError
from pipeline.services.history import SYSTEM, log_event
from pipeline.services.queries import NotFound
from pipeline.services.units import subordinates
from pipeline.domain.states import LABELS, State

DEFAULT_MIN_DAYS = 5            # CONTRACTS §1c, for a year without a rule set
RESOLUTIONS = {"upheld": "成立", "dismissed": "不成立"}
_PHONE = re.compile(r"^[0-9][0-9\- ]{6,19}$")


@dataclass
class Closing:
    """What one closing sweep did."""

    publicities: list[int] = field(default_factory=list)
    passed: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"closed": self.publicities, "passed": self.passed, "failed": self.failed}


def open_publicity(ctx: Context, unit: str, start: date, days: int, contact: str, phone: str,
                   app_ids: Iterable[int] = (), *, actor: str = "单位经办人") -> int:
    """Open a publicity for applications of `unit` (or its subordinates) in 单位初审通过."""
    unit, contact, phone = unit.strip().upper(), contact.strip(), phone.strip()
    if not contact:
        raise WorkflowError("请填写公示联系人（--contact）")
    if not _PHONE.match(phone):
        raise WorkflowError(f"联系电话“{phone}”无效：请填写手机号或带区号的固定电话，如 0731-84561234")
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
                        end_date=end, state="open", created_by=actor, created_at=now)
        s.add(pub)
        s.flush()
        ids = [r.id for r in rows]
        s.execute(insert(PublicityEntry), [{"publicity_id": pub.id, "application_id": i} for i in ids])
        moved = s.execute(update(Application)
                          .where(Application.id.in_(ids), Application.state == str(State.UNIT_PASSED))
                          .values(state=str(State.PUBLICITY), state_changed_at=now, updated_at=now,
                                  review_unit_code=None)
                          .execution_options(synchronize_session=False)).rowcount
        if moved != len(ids):
            s.rollback()
            raise WorkflowError("部分申报刚刚已被其他操作变更，公示未开始；请重新执行")
        reason = f"公示{pub.id}：{start}起{days}个工作日，至{end}止"
        s.execute(insert(Event), _moves(ids, State.UNIT_PASSED, State.PUBLICITY, "publicity.open",
                                         actor, now, lambda _: reason))
        log_event(s, now=now, subject="publicity", subject_id=pub.id, action="publicity.open",
                  actor=actor, reason=f"单位{unit}，{len(ids)}人，{reason}")
        s.commit()
        return pub.id


def _min_days(ctx: Context, year: int) -> int:
    rules = ctx.rules.for_year(year)
    return rules.publicity_min_working_days if rules else DEFAULT_MIN_DAYS


def _open_publicity_row(s, publicity_id: int) -> Publicity:  # type: ignore[no-untyped-def]
    pub = s.get(Publicity, publicity_id)
    if pub is None:
        raise NotFound(f"公示{publicity_id}不存在")
    if pub.state != "open":
        raise WorkflowError(f"公示{publicity_id}已于{pub.closed_at:%Y-%m-%d}结束，结果已确定，不能再变更")
    return pub


def object_to(ctx: Context, publicity_id: int, applicant: str, reason: str, *,
              today: date | None = None, actor: str = "单位经办人") -> int:
    """Record an objection (异议) against one applicant of an open publicity; return its id."""
    reason = reason.strip()
    if not reason:
        raise WorkflowError("请填写异议内容（--reason）")
    today, now = today or ctx.today(), ctx.clock.now()
    with ctx.db.uow() as s:
        pub = _open_publicity_row(s, publicity_id)
        if today > pub.end_date:
            raise WorkflowError(f"公示{publicity_id}的公示期已于{pub.end_date}结束，不能再登记异议")
        app_id = _entry(s, pub, applicant)
        row = Objection(publicity_id=pub.id, application_id=app_id, reason=reason, raised_by=actor,
                        created_at=now)
        s.add(row)
        s.flush()
        log_event(s, now=now, subject="application", subject_id=app_id, action="publicity.objection",
                  actor=actor, application_id=app_id, reason=f"公示{pub.id}异议{row.id}：{reason}")
        s.commit()
        return row.id


def _entry(s, pub: Publicity, applicant: str) -> int:  # type: ignore[no-untyped-def]
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
            actor: str = "单位经办人") -> None:
    """Decide an objection: upheld (成立, the applicant fails the publicity) or dismissed."""
    if result not in RESOLUTIONS:
        raise WorkflowError(f"异议处理结果“{result}”无效，应为 upheld（异议成立）或 dismissed（异议不成立）")
    note = note.strip()
    if not note:
        raise WorkflowError("请填写处理说明（--note），说明核实情况")
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        row = s.get(Objection, objection_id)
        if row is None:
            raise NotFound(f"异议{objection_id}不存在")
        _open_publicity_row(s, row.publicity_id)
        if row.resolution is not None:
            raise WorkflowError(f"异议{objection_id}已处理（{RESOLUTIONS[row.resolution]}），不能重复处理")
        row.resolution, row.resolution_note = result, note
        row.resolved_by, row.resolved_at = actor, now
        log_event(s, now=now, subject="application", subject_id=row.application_id,
                  action="publicity.objection_resolved", actor=actor,
                  application_id=row.application_id,
                  reason=f"异议{row.id}{RESOLUTIONS[result]}：{note}")
        s.commit()


def close_due(ctx: Context, today: date | None = None, *, actor: str = SYSTEM) -> Closing:
    """Close every open publicity whose last working day is before `today` (set-based)."""
    today = today or ctx.today()
    now = ctx.clock.now()
    out = Closing()
    with ctx.db.uow() as s:
        # 1. compare-and-set on the publicities: a concurrent sweep closes none of these again.
        out.publicities = sorted(s.scalars(
            update(Publicity).where(Publicity.state == "open", Publicity.end_date < today)
            .values(state="closed", closed_at=now).returning(Publicity.id)))
        # 2. every application still in publicity whose publicity is now closed (its entry has no
        # result yet): failed where an objection of that publicity stands (upheld, or never
        # resolved), passed otherwise. A compare-and-set on the application's state, so repeated
        # or concurrent sweeps move each application once.
        due = (select(PublicityEntry.application_id)
               .join(Publicity, Publicity.id == PublicityEntry.publicity_id)
               .where(Publicity.state == "closed", PublicityEntry.result.is_(None)))
        objected = (select(Objection.application_id)
                    .join(PublicityEntry, and_(PublicityEntry.publicity_id == Objection.publicity_id,
                                               PublicityEntry.application_id == Objection.application_id))
                    .join(Publicity, Publicity.id == PublicityEntry.publicity_id)
                    .where(Publicity.state == "closed", PublicityEntry.result.is_(None),
                           Objection.resolution.is_(None) | (Objection.resolution == "upheld")))
        failed = list(s.scalars(
            update(Application)
            .where(Application.state == str(State.PUBLICITY), Application.id.in_(due),
                   Application.id.in_(objected))
            .values(state=str(State.PUBLICITY_FAILED), state_changed_at=now, updated_at=now)
            .returning(Application.id).execution_options(synchronize_session=False)))
        passed = list(s.scalars(
            update(Application)
            .where(Application.state == str(State.PUBLICITY), Application.id.in_(due))
            .values(state=str(State.PUBLICITY_PASSED), state_changed_at=now, updated_at=now)
            .returning(Application.id).execution_options(synchronize_session=False)))
        outcome = (select(case((Application.state == str(State.PUBLICITY_FAILED), "failed"),
                               else_="passed"))
                   .where(Application.id == PublicityEntry.application_id).scalar_subquery())
        s.execute(update(PublicityEntry)
                  .where(PublicityEntry.result.is_(None),
                         PublicityEntry.publicity_id.in_(
                             select(Publicity.id).where(Publicity.state == "closed")))
                  .values(result=outcome).execution_options(synchronize_session=False))
        reasons = _failure_reasons(s, failed)
        events = (_moves(failed, State.PUBLICITY, State.PUBLICITY_FAILED, "publicity.close", actor,
                         now, reasons.get)
                  + _moves(passed, State.PUBLICITY, State.PUBLICITY_PASSED, "publicity.close", actor,
                           now, lambda _: "公示期满，无异议或异议不成立"))
        if events:
            s.execute(insert(Event), events)
        if out.publicities:
            log_event(s, now=now, subject="publicity", subject_id=",".join(map(str, out.publicities[:5])),
                      action="publicity.close", actor=actor,
                      reason=f"关闭{len(out.publicities)}个到期公示（截至{today}）")
        s.commit()
    out.passed, out.failed = len(passed), len(failed)
    return out


def _moves(ids: list[int], frm: State, to: State, action: str, actor: str, now: datetime,
           reason: Callable[[int], str | None]) -> list[dict[str, object]]:
    """The event rows of a set-based move of these applications (one executemany)."""
    return [dict(application_id=i, subject="application", subject_id=str(i), action=action,
                 from_state=str(frm), to_state=str(to), actor=actor, reason=reason(i),
                 created_at=now) for i in ids]


def _failure_reasons(s, app_ids: list[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Why each failed applicant failed: the objections that stand against it."""
    reasons: dict[int, list[str]] = {}
    for chunk in _chunks(app_ids, 5000):
        for o in s.scalars(select(Objection).where(
                Objection.application_id.in_(chunk),
                (Objection.resolution.is_(None)) | (Objection.resolution == "upheld"))
                .order_by(Objection.id)):
            what = "异议成立" if o.resolution == "upheld" else "公示期满时异议仍未处理"
            reasons.setdefault(o.application_id, []).append(f"{what}：{o.reason}")
    return {i: "公示未通过。" + "；".join(r) for i, r in reasons.items()}


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def publicity_view(ctx: Context, publicity_id: int) -> dict[str, Any]:
    """A publicity with its entries and objections, for the CLI and reports."""
    with ctx.db.uow() as s:
        pub = s.get(Publicity, publicity_id)
        if pub is None:
            raise NotFound(f"公示{publicity_id}不存在")
        entries = s.execute(select(Application.id, Application.name, Application.state,
                                   PublicityEntry.result)
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
            "applications": [{"id": e.id, "name": e.name, "state": e.state, "result": e.result}
                             for e in entries],
            "objections": [{"id": o.id, "application_id": o.application_id, "reason": o.reason,
                            "resolution": o.resolution, "note": o.resolution_note}
                           for o in objections],
        }

