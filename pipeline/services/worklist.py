"""What waits for a person: the console's dashboards, the searchable application list, a unit's
publicities and recommendation batches. Read-only; the caller passes the scope it may read."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from pipeline.context import Context
from pipeline.domain.states import LABELS, State
from pipeline.domain.vocabulary import PublicityResult, PublicityState
from pipeline.storage.db.models import (
    Application,
    BatchItem,
    FindingRow,
    ImportBatch,
    Objection,
    Publicity,
    PublicityEntry,
    RecommendationBatch,
    RecommendationEntry,
    Unit,
)

SORTS = {"id": Application.id, "name": Application.name, "state": Application.state,
         "changed": Application.state_changed_at, "unit": Application.unit_code,
         "year": Application.year}
Scope = Collection[str] | None   # unit codes; None: every unit (the center)


def _in(scope: Scope, column: Any) -> Any:
    return True if scope is None else column.in_(list(scope))


def search(ctx: Context, scope: Scope, *, year: int | None = None, state: str | None = None,
           batch: int | None = None, text: str = "", unit: str | None = None,
           review_unit: str | None = None, sort: str = "changed", descending: bool = False,
           page: int = 1, per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of applications in scope matching the filters, and how many match in all."""
    q: Select[Any] = select(Application).where(_in(scope, Application.unit_code))
    if year:
        q = q.where(Application.year == year)
    if state:
        q = q.where(Application.state == state)
    if unit:
        q = q.where(Application.unit_code == unit.upper())
    if review_unit:
        q = q.where(Application.review_unit_code == review_unit.upper())
    if batch:
        q = q.where(Application.id.in_(select(BatchItem.application_id)
                                       .where(BatchItem.batch_id == batch)))
    text = text.strip()
    if text:
        like = f"%{text}%"
        q = q.where(or_(Application.name.like(like), Application.id_number.like(like.upper()),
                        Application.id == (int(text) if text.isdigit() and len(text) < 10 else -1)))
    column = SORTS.get(sort, Application.state_changed_at)
    order = column.desc() if descending else column.asc()
    with ctx.db.uow() as s:
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        apps = list(s.scalars(q.order_by(order, Application.id)
                              .offset(max(page - 1, 0) * per_page).limit(per_page)))
        ids = [a.id for a in apps]
        blocks = dict(s.execute(select(FindingRow.application_id, func.count())
                                .where(FindingRow.application_id.in_(ids),
                                       FindingRow.severity == "block")
                                .group_by(FindingRow.application_id)).all()) if ids else {}
        now = ctx.clock.now()
        return [{"id": a.id, "name": a.name, "id_number": a.id_number, "unit_code": a.unit_code,
                 "unit_name": a.unit_name, "year": a.year, "title_name": a.title_name,
                 "level": a.level, "state": a.state, "state_label": LABELS[State(a.state)],
                 "state_changed_at": a.state_changed_at, "age_days": (now - a.state_changed_at).days,
                 "review_unit_code": a.review_unit_code, "offline_review": a.offline_review, "offline_result": a.offline_result,
                 "blocking": blocks.get(a.id, 0)}
                for a in apps], total


def _count_age(s: Any, now: datetime, *where: Any) -> dict[str, Any]:
    n, oldest = s.execute(select(func.count(), func.min(Application.state_changed_at))
                          .where(*where)).one()
    return {"count": n or 0, "oldest_days": (now - oldest).days if oldest else None}


def unit_dashboard(ctx: Context, unit: str, scope: Scope) -> dict[str, Any]:
    """Counts and ages of what waits for a unit's 经办人 (scope: the units whose work it sends)."""
    now, today = ctx.clock.now(), ctx.today()
    with ctx.db.uow() as s:
        mine = _in(scope, Application.unit_code)
        out: dict[str, Any] = {
            "unit_review": _count_age(s, now, Application.state == str(State.UNIT_REVIEW),
                                      Application.review_unit_code == unit),
            "supervisor_review": _count_age(s, now, Application.state == str(State.SUPERVISOR_REVIEW),
                                            Application.review_unit_code == unit),
            "to_publicise": _count_age(s, now, Application.state == str(State.UNIT_PASSED), mine),
            "in_publicity": _count_age(s, now, Application.state == str(State.PUBLICITY), mine),
            "to_recommend": _count_age(s, now, Application.state == str(State.PUBLICITY_PASSED), mine),
            "returned": _count_age(s, now, Application.state == str(State.RETURNED), mine),
            "processing": _count_age(s, now, Application.state.in_(
                [str(x) for x in (State.RECEIVED, State.NORMALIZED, State.EXTRACTED, State.CHECKED)]),
                mine),
        }
        out["publicities"] = publicities(ctx, unit, session=s, today=today)
        row = s.get(Unit, unit)
        out["unit_name"] = row.name if row else unit
        return out


def publicities(ctx: Context, unit: str | None, *, session: Any = None,
                today: date | None = None) -> list[dict[str, Any]]:
    """A unit's publicities (None: every unit's), newest first, with open objections counted."""
    today = today or ctx.today()

    def run(s: Any) -> list[dict[str, Any]]:
        q = select(Publicity).order_by(Publicity.id.desc())
        if unit:
            q = q.where(Publicity.unit_code == unit)
        rows = list(s.scalars(q.limit(200)))
        ids = [p.id for p in rows]
        people = dict(s.execute(select(PublicityEntry.publicity_id, func.count())
                                .where(PublicityEntry.publicity_id.in_(ids))
                                .group_by(PublicityEntry.publicity_id)).all()) if ids else {}
        proposed = dict(s.execute(select(PublicityEntry.publicity_id, func.count())
                                  .where(PublicityEntry.publicity_id.in_(ids),
                                         PublicityEntry.proposal.is_not(None),
                                         PublicityEntry.result.is_(None))
                                  .group_by(PublicityEntry.publicity_id)).all()) if ids else {}
        pending = dict(s.execute(select(Objection.publicity_id, func.count())
                                 .where(Objection.publicity_id.in_(ids), Objection.resolution.is_(None))
                                 .group_by(Objection.publicity_id)).all()) if ids else {}
        return [{"id": p.id, "unit_code": p.unit_code, "start_date": p.start_date,
                 "end_date": p.end_date, "days": p.days, "state": p.state, "contact": p.contact,
                 "people": people.get(p.id, 0), "open_objections": pending.get(p.id, 0),
                 "due": p.state == PublicityState.OPEN and p.end_date < today,
                 "to_confirm": proposed.get(p.id, 0)}
                for p in rows]

    if session is not None:
        return run(session)
    with ctx.db.uow() as s:
        return run(s)


def publicity_owner(ctx: Context, publicity_id: int) -> str | None:
    """The unit that opened a publicity, or None when there is no such publicity."""
    with ctx.db.uow() as s:
        return s.scalar(select(Publicity.unit_code).where(Publicity.id == publicity_id))


def recommendations(ctx: Context, unit: str | None) -> list[dict[str, Any]]:
    """A unit's recommendation batches (None: all), newest first, with their sizes."""
    with ctx.db.uow() as s:
        q = (select(RecommendationBatch, func.count(RecommendationEntry.id))
             .join(RecommendationEntry, RecommendationEntry.batch_id == RecommendationBatch.id,
                   isouter=True)
             .group_by(RecommendationBatch.id).order_by(RecommendationBatch.id.desc()).limit(200))
        if unit:
            q = q.where(RecommendationBatch.unit_code == unit)
        return [{"id": b.id, "unit_code": b.unit_code, "year": b.year, "target_code": b.target_code,
                 "created_by": b.created_by, "created_at": b.created_at, "people": n}
                for b, n in s.execute(q).all()]


def recommendation_owner(ctx: Context, batch_id: int) -> str | None:
    """The unit that built a recommendation batch, or None when there is no such batch."""
    with ctx.db.uow() as s:
        return s.scalar(select(RecommendationBatch.unit_code).where(RecommendationBatch.id == batch_id))


def to_recommend(ctx: Context, unit: str) -> list[dict[str, Any]]:
    """The unit's applications that passed its publicities and wait to be recommended."""
    with ctx.db.uow() as s:
        rows = s.execute(
            select(Application.id, Application.name, Application.year, Application.title_name,
                   Application.unit_code)
            .join(PublicityEntry, PublicityEntry.application_id == Application.id)
            .join(Publicity, Publicity.id == PublicityEntry.publicity_id)
            .where(Publicity.unit_code == unit, PublicityEntry.result == PublicityResult.PASSED,
                   Application.state == str(State.PUBLICITY_PASSED))
            .order_by(Application.year, Application.id)).all()
        return [dict(r._mapping) for r in rows]


def batches(ctx: Context, senders: Scope, limit: int = 50) -> list[dict[str, Any]]:
    """Recent import batches with at least one application in scope (all for the center)."""
    with ctx.db.uow() as s:
        q = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
        if senders is not None:
            q = q.where(ImportBatch.id.in_(
                select(BatchItem.batch_id).join(Application, Application.id == BatchItem.application_id)
                .where(Application.unit_code.in_(list(senders)))))
        return [{"id": b.id, "source": b.source, "status": b.status, "created_at": b.created_at,
                 "people": len(b.items)} for b in s.scalars(q)]


def counts_by_unit(ctx: Context) -> list[dict[str, Any]]:
    """The center's overview: for each unit, how many applications are in each state."""
    with ctx.db.uow() as s:
        rows = s.execute(select(Application.unit_code, Application.state, func.count())
                         .group_by(Application.unit_code, Application.state)).all()
        names = dict(s.execute(select(Unit.code, Unit.name)).all())
    table: dict[str, dict[str, Any]] = {}
    for code, state, n in rows:
        entry = table.setdefault(code, {"unit_code": code, "unit_name": names.get(code, code),
                                        "states": {}, "total": 0})
        entry["states"][state] = n
        entry["total"] += n
    return sorted(table.values(), key=lambda e: e["unit_code"])


def center_queue_units(ctx: Context) -> list[tuple[str, str]]:
    """(code, name) of the units with applications in the center's 形式审查 queue."""
    with ctx.db.uow() as s:
        return [(c, n or c) for c, n in s.execute(
            select(Application.unit_code, Unit.name).distinct()
            .join(Unit, Unit.code == Application.unit_code, isouter=True)
            .where(Application.state == str(State.CENTER_REVIEW))
            .order_by(Application.unit_code)).all()]




def recommendation_stamp(ctx: Context, batch_id: int) -> str:
    """When anything shown on a batch's roster last changed (its applications' states)."""
    with ctx.db.uow() as s:
        latest = s.scalar(select(func.max(Application.state_changed_at))
                          .join(RecommendationEntry, RecommendationEntry.application_id == Application.id)
                          .where(RecommendationEntry.batch_id == batch_id))
    return latest.strftime("%Y%m%d%H%M%S%f") if latest else "0"
