"""Recommendation upward (单位推荐上报): a unit's publicised applications of a year, in one batch.

Set-based SQL: the batch's entries are inserted from a SELECT, the applications moved by two
compare-and-set moves of the transition module (公示通过 → 已推荐上报 when put in the batch, then
已推荐上报 → the superior's review queue when it is sent), each with its event rows. Building twice
does not duplicate: the unit's row is locked while a batch is built, and only applications still in
公示通过 go in. Only confirmed publicity results (the unit's `publicity confirm`) are candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, insert, literal, select

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.domain.vocabulary import CENTER, PublicityResult, cn_time, state_label
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound
from pipeline.services.review import add_center_findings, next_reviewer
from pipeline.services.units import unit_name
from pipeline.storage.db.models import (
    Application,
    Publicity,
    PublicityEntry,
    RecommendationBatch,
    RecommendationEntry,
    Unit,
)
from pipeline.storage.transitions import SYSTEM, log_event, move_many


@dataclass(frozen=True)
class Built:
    batch_id: int | None          # None: nothing to recommend and no earlier batch
    count: int                    # applications put in by this call
    created: bool                 # False: nothing new; batch_id is the latest earlier batch
    target: str | None            # the supervising unit, None for the center


def _candidates(unit: str, year: int) -> tuple[Any, ...]:
    """Applications of `unit`'s publicities, of `year`, that passed publicity."""
    publicised = (select(PublicityEntry.application_id)
                  .join(Publicity, Publicity.id == PublicityEntry.publicity_id)
                  .where(Publicity.unit_code == unit, PublicityEntry.result == PublicityResult.PASSED))
    return (Application.state == str(State.PUBLICITY_PASSED), Application.year == year,
            Application.id.in_(publicised))


def build(ctx: Context, unit: str, year: int, *, by: str = "单位经办人",
          ids: Sequence[int] | None = None) -> Built:
    """Put every 公示通过 application of the unit's publicities of `year` into one batch, or only
    those of `ids` (the people the 经办人 ticked); an id that cannot go is refused, nothing built."""
    unit, actor = unit.strip().upper(), by.strip() or "单位经办人"
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        # Serialise builds for one unit (PostgreSQL row lock; SQLite writers are serial anyway).
        row = s.execute(select(Unit).where(Unit.code == unit).with_for_update()).scalar_one_or_none()
        if row is None:
            raise NotFound(f"单位{unit}未登记")
        where = _candidates(unit, year)
        if ids is not None:
            chosen = sorted(set(ids))
            ready = set(s.scalars(select(Application.id).where(*where, Application.id.in_(chosen))))
            if not chosen or len(ready) != len(chosen):
                wrong = "、".join(str(i) for i in chosen if i not in ready) or "（未选择）"
                raise WorkflowError(f"申报{wrong}不是本单位{year}年度已确认“公示通过”、待推荐上报的申报，"
                                    "未生成推荐上报批次；请核对所选人员")
            where = (*where, Application.id.in_(chosen))
        count = s.scalar(select(func.count()).select_from(Application).where(*where)) or 0
        if not count:
            latest = s.scalar(select(func.max(RecommendationBatch.id))
                              .where(RecommendationBatch.unit_code == unit,
                                     RecommendationBatch.year == year))
            return Built(latest, 0, False, None)
        target_state, values = next_reviewer(s, unit)
        target = cast("str | None", values.get("review_unit_code"))
        batch = RecommendationBatch(unit_code=unit, year=year, target_code=target,
                                    created_by=actor, created_at=now)
        s.add(batch)
        s.flush()
        s.execute(insert(RecommendationEntry).from_select(
            ["batch_id", "application_id"],
            select(literal(batch.id), Application.id).where(*where)))
        members = select(RecommendationEntry.application_id).where(
            RecommendationEntry.batch_id == batch.id)
        to = f"“{unit_name(s, target)}”审核" if target else f"{CENTER}形式审查"
        put = move_many(s, members, State.PUBLICITY_PASSED, State.RECOMMENDED, now=now, actor=actor,
                        action="recommend", reason=f"推荐上报批次{batch.id}（{year}年度）")
        sent = move_many(s, members, State.RECOMMENDED, target_state, now=now, actor=actor,
                         action="recommend.forward", reason=f"报送{to}", review_unit_code=target)
        if len(put) != count or len(sent) != count:  # cannot happen under the unit lock
            s.rollback()
            raise WorkflowError("推荐上报时部分申报被其他操作变更，未生成批次；请重新执行")
        if target_state is State.CENTER_REVIEW:
            add_center_findings(s, list(s.scalars(members)), now)
        log_event(s, now=now, subject="recommendation", subject_id=batch.id, action="recommend.build",
                  actor=actor, reason=f"单位{unit} {year}年度推荐上报{count}人，报送{to}")
        s.commit()
        return Built(batch.id, count, True, target)


def build_due(ctx: Context, *, by: str = SYSTEM) -> list[Built]:
    """Build batches for every unit and year whose rule set asks for automatic recommendation."""
    with ctx.db.uow() as s:
        pairs = s.execute(
            select(Publicity.unit_code, Application.year).distinct()
            .join(PublicityEntry, PublicityEntry.publicity_id == Publicity.id)
            .join(Application, Application.id == PublicityEntry.application_id)
            .where(Application.state == str(State.PUBLICITY_PASSED),
                   PublicityEntry.result == PublicityResult.PASSED)
            .order_by(Publicity.unit_code, Application.year)).all()
    built = []
    for unit, year in pairs:
        rules = ctx.rules.for_year(year)
        if rules is not None and rules.auto_recommend:
            result = build(ctx, unit, year, by=by)
            if result.created:
                built.append(result)
    return built


def batch_view(ctx: Context, batch_id: int) -> dict[str, Any]:
    """A batch with its applications (codes; `state_label` and `created_at_text` for people)."""
    with ctx.db.uow() as s:
        batch = s.get(RecommendationBatch, batch_id)
        if batch is None:
            raise NotFound(f"推荐上报批次{batch_id}不存在")
        apps = s.execute(select(Application.id, Application.name, Application.state)
                         .join(RecommendationEntry, RecommendationEntry.application_id == Application.id)
                         .where(RecommendationEntry.batch_id == batch_id)
                         .order_by(Application.id)).all()
        return {"id": batch.id, "unit_code": batch.unit_code, "year": batch.year,
                "target_code": batch.target_code,
                "created_at": batch.created_at.isoformat(timespec="seconds"),
                "created_at_text": cn_time(batch.created_at), "created_by": batch.created_by,
                "applications": [{"id": a.id, "name": a.name, "state": a.state,
                                  "state_label": state_label(a.state)} for a in apps]}

