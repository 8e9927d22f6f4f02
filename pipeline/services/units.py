"""The unit registry: register, import, approve or refuse, link; loops refused (docs/workflow.md).

The 统筹区 is checked against Hunan's regions (pipeline/domain/data/hunan_regions.toml); a 主管单位
must itself be registered; the unit's 经办人 (name, phone), 业务类别 and a refusal's reason are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.problems import Problem
from pipeline.domain.vocabulary import CENTER, UnitStatus
from pipeline.errors import Refused
from pipeline.services.unit_records import APPROVED, STATUSES, UnitData, validate
from pipeline.storage.db.models import Unit
from pipeline.storage.transitions import SYSTEM, log_event


class UnitError(Refused):
    """A registry change that cannot be made; the message says why, in Chinese."""


@dataclass
class UnitImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def find_loop(parents: dict[str, str | None], start: str) -> list[str] | None:
    """The chain start → … → start if following parents from start comes back to it."""
    chain, seen, cur = [start], {start}, parents.get(start)
    while cur:
        chain.append(cur)
        if cur == start:
            return chain
        if cur in seen:
            return None  # a loop further up, not through start
        seen.add(cur)
        cur = parents.get(cur)
    return None


def _parents(session: Session) -> dict[str, str | None]:
    return dict(session.execute(select(Unit.code, Unit.parent_code)).all())


def _apply(session: Session, data: UnitData, ctx: Context, actor: str) -> bool:
    """Insert or update a unit; True when created."""
    now = ctx.clock.now()
    unit = session.get(Unit, data.code)
    created = unit is None
    if unit is None:
        unit = Unit(code=data.code, created_at=now)
        session.add(unit)
    for key in ("name", "region", "kind", "approver", "supervisor_code", "parent_code", "status",
                "county_level", "contact_name", "contact_phone", "business_category"):
        setattr(unit, key, getattr(data, key))
    unit.updated_at = now
    log_event(session, now=now, subject="unit", subject_id=data.code,
              action="unit.registered" if created else "unit.updated", actor=actor,
              reason=f"{data.name}；状态{data.status}；上级{data.parent_code or '中心'}")
    return created


def import_units(ctx: Context, rows: list[tuple[int, dict[str, object]]], actor: str = SYSTEM
                 ) -> UnitImportReport:
    """Register or update the units of a file in one transaction; bad rows and loops are refused."""
    report = UnitImportReport()
    with ctx.db.uow() as s:
        parents = _parents(s)
        accepted: list[UnitData] = []
        for line, raw in rows:
            data, errors = validate(raw, f"第{line}行：")
            if data is None:
                report.problems.extend(Problem("unit.invalid", e, f"第{line}行") for e in errors)
                continue
            accepted.append(data)
            parents[data.code] = data.parent_code
        in_file = {d.code for d in accepted}
        unknown = [d for d in accepted if d.supervisor_code and d.supervisor_code not in in_file
                   and s.get(Unit, d.supervisor_code) is None]
        for d in unknown:
            report.problems.append(Problem(
                "unit.supervisor_unknown", f"单位{d.code}（{d.name}）的主管单位{d.supervisor_code}"
                "尚未注册，已拒绝该行：请先注册主管单位", d.code))
            accepted.remove(d)
            parents.pop(d.code, None)
        looped = {d.code: find_loop(parents, d.code) for d in accepted}
        known = {code for code in parents if not looped.get(code)}
        for data in accepted:
            loop = looped[data.code]
            if loop:
                report.problems.append(Problem(
                    "unit.loop", f"单位{data.code}（{data.name}）的上级关系形成循环："
                    f"{' → '.join(loop)}，已拒绝该行", data.code))
                continue
            if data.parent_code and data.parent_code not in known:
                report.problems.append(Problem(
                    "unit.parent_unknown", f"单位{data.code}（{data.name}）的上级单位{data.parent_code}"
                    "尚未注册；该单位的申报在上级单位注册并审核前不能受理", data.code))
            created = _apply(s, data, ctx, actor)
            (report.created if created else report.updated).append(data.code)
        s.commit()
    return report


def register(ctx: Context, data: UnitData, actor: str = SYSTEM) -> None:
    """Register one new unit; refused when the code is taken or the chain would loop."""
    with ctx.db.uow() as s:
        if s.get(Unit, data.code) is not None:
            raise UnitError(f"单位{data.code}已注册")
        if data.supervisor_code and s.get(Unit, data.supervisor_code) is None:
            raise UnitError(f"主管单位{data.supervisor_code}尚未注册，请先注册主管单位")
        _check_parent(s, data.code, data.parent_code)
        _apply(s, data, ctx, actor)
        s.commit()


def _check_parent(s: Session, code: str, parent: str | None) -> None:
    if parent is None:
        return
    if parent == code:
        raise UnitError("上级单位不能是本单位")
    if s.get(Unit, parent) is None:
        raise UnitError(f"上级单位{parent}尚未注册，请先注册上级单位")
    parents = _parents(s)
    parents[code] = parent
    loop = find_loop(parents, code)
    if loop:
        raise UnitError(f"设置后上下级关系将形成循环：{' → '.join(loop)}，已拒绝")


def _get(s: Session, code: str) -> Unit:
    unit = s.get(Unit, code.strip().upper())
    if unit is None:
        raise UnitError(f"单位{code}未注册")
    return unit


def set_status(ctx: Context, code: str, status: str = APPROVED, actor: str = SYSTEM,
               reason: str = "") -> None:
    """Approve (已审核) or refuse (未通过, with its reason) a unit's registration."""
    if status not in STATUSES:
        raise UnitError(f"注册状态“{status}”无效")
    reason = (reason or "").strip()
    with ctx.db.uow() as s:
        unit = _get(s, code)
        before, unit.status, unit.updated_at = unit.status, status, ctx.clock.now()
        unit.refusal_reason = reason or None if status == UnitStatus.REFUSED else None
        log_event(s, now=ctx.clock.now(), subject="unit", subject_id=unit.code,
                  action="unit.refused" if status == UnitStatus.REFUSED else "unit.status", actor=actor,
                  reason=f"{before} → {status}" + (f"，原因：{reason}" if reason else ""))
        s.commit()


def refuse(ctx: Context, code: str, reason: str, *, by: str = SYSTEM) -> None:
    """Refuse a unit's registration (未通过) with the reason the unit will be told."""
    if not (reason or "").strip():
        raise UnitError("注册审核不通过必须用 --reason 说明原因")
    set_status(ctx, code, UnitStatus.REFUSED, by, reason)


def link(ctx: Context, code: str, parent: str | None, actor: str = SYSTEM) -> None:
    """Set a unit's superior (上下级关系); None means the center. Loops are refused."""
    with ctx.db.uow() as s:
        unit = _get(s, code)
        parent = parent.strip().upper() if parent else None
        _check_parent(s, unit.code, parent)
        unit.parent_code, unit.updated_at = parent, ctx.clock.now()
        log_event(s, now=ctx.clock.now(), subject="unit", subject_id=unit.code, action="unit.link",
                  actor=actor, reason=f"上级单位：{parent or '中心'}")
        s.commit()


def list_units(ctx: Context) -> list[dict[str, object]]:
    """Every unit with its registry fields (docs/workflow.md)."""
    with ctx.db.uow() as s:
        return [
            {"code": u.code, "name": u.name, "region": u.region, "kind": u.kind, "status": u.status,
             "parent_code": u.parent_code, "approver": u.approver,
             "supervisor_code": u.supervisor_code, "county_level": u.county_level,
             "contact_name": u.contact_name, "contact_phone": u.contact_phone,
             "business_category": u.business_category, "refusal_reason": u.refusal_reason}
            for u in s.scalars(select(Unit).order_by(Unit.code))
        ]


def subordinates(session: Session, code: str) -> set[str]:
    """Every unit below `code` in the 上下级关系 (children, their children, …), not `code` itself."""
    children: dict[str | None, list[str]] = {}
    for unit, parent in _parents(session).items():
        children.setdefault(parent, []).append(unit)
    found: set[str] = set()
    todo = list(children.get(code, []))
    while todo:
        unit = todo.pop()
        if unit not in found and unit != code:
            found.add(unit)
            todo.extend(children.get(unit, []))
    return found


def superior(session: Session, code: str) -> str | None:
    """The unit that reviews after `code` (its 上级单位), or None for the center."""
    return session.scalar(select(Unit.parent_code).where(Unit.code == code)) or None


def unit_name(session: Session, code: str | None) -> str:
    """A unit's name for messages: the registered name, else the code; 中心 for None."""
    if not code:
        return CENTER
    return session.scalar(select(Unit.name).where(Unit.code == code)) or code
