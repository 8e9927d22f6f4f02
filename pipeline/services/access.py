"""Who may see what over HTTP (docs/architecture.md), and the log of every access to personal data.

- A unit sends and reads its own applications and those of its subordinate units: every unit
  below it by 上级单位 (parent_code), however deep.
- A supervising unit (主管单位, a unit's supervisor_code) reads the applications of the units it
  supervises and of their subordinates; it sends for them only when it is also their 上级单位.
- A unit reads an application that sits in its own review queue (review_unit_code).
- The center's token reads and sends everything.
- A batch is read by the principal that uploaded it (and whoever may read that unit's
  applications); batches imported from the command line or the inbox only by the center.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from pipeline.context import Context
from pipeline.domain.intake_value import ApplicationIntake
from pipeline.domain.vocabulary import UnitStatus
from pipeline.services.intake_guards import record_of
from pipeline.services.tokens import Principal
from pipeline.storage.db.models import AccessLog, ApiUpload, Application, ImportBatch, Unit


@dataclass(frozen=True)
class Scope:
    """The unit codes a principal may send for and read; None means every unit (the center)."""

    send: frozenset[str] | None
    read: frozenset[str] | None

    def may_send(self, unit_code: str) -> bool:
        return self.send is None or unit_code in self.send

    def may_read(self, unit_code: str) -> bool:
        return self.read is None or unit_code in self.read


def _below(start: str, edges: dict[str, list[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for child in edges.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def scope(ctx: Context, principal: Principal) -> Scope:
    """What this principal may send and read, from the registry as it is now."""
    return unit_scope(ctx, principal.unit_code)


def unit_scope(ctx: Context, code: str | None) -> Scope:
    """What a unit (None: the center) may send and read, from the registry as it is now."""
    if code is None:
        return Scope(None, None)
    children: dict[str, list[str]] = defaultdict(list)
    supervised: dict[str, list[str]] = defaultdict(list)
    with ctx.db.uow() as s:
        for unit, parent, supervisor in s.execute(
                select(Unit.code, Unit.parent_code, Unit.supervisor_code)):
            if parent:
                children[parent].append(unit)
            if supervisor:
                supervised[supervisor].append(unit)
    send = _below(code, children)
    both = {k: children.get(k, []) + supervised.get(k, []) for k in set(children) | set(supervised)}
    return Scope(frozenset(send), frozenset(_below(code, both)))


def refused_unit(ctx: Context, code: str | None) -> str | None:
    """Why this unit may not submit now (not registered, pending, refused), or None if it may."""
    if code is None:
        return None
    with ctx.db.uow() as s:
        status = s.scalar(select(Unit.status).where(Unit.code == code))
    if status is None:
        return f"单位{code}未注册，不能提交申报；请先向中心注册"
    if status == UnitStatus.PENDING:
        return f"单位{code}的注册尚待中心审核，审核通过前不能提交申报"
    if status != UnitStatus.APPROVED:
        return f"单位{code}的注册未通过审核（{status}），不能提交申报；请与中心联系"
    return None


def outside_scope(ctx: Context, sender: Scope, apps: Iterable[ApplicationIntake]) -> list[str]:
    """The rows ("花名册第3行的单位“…”") a sender may not submit for; empty when all are in scope."""
    refused = []
    today = ctx.today()
    for app in apps:
        # The same record the import files the application under (parsed once, kept on `app`).
        code = record_of(app, today).unit_key
        if not sender.may_send(code):
            where = f"花名册第{app.line}行" if app.line else "该申报"
            refused.append(f"{where}的单位“{code or '未填写'}”")
    return refused


def can_read_application(ctx: Context, principal: Principal, app_id: int) -> bool:
    """True when the application exists and this principal may read it."""
    with ctx.db.uow() as s:
        row = s.execute(select(Application.unit_code, Application.review_unit_code)
                        .where(Application.id == app_id)).one_or_none()
    if row is None:
        return False
    if principal.is_center or (principal.unit_code and row.review_unit_code == principal.unit_code):
        return True
    return scope(ctx, principal).may_read(row.unit_code)


def can_read_batch(ctx: Context, principal: Principal, batch_id: int) -> bool:
    """True when the batch exists and this principal may read its receipt."""
    with ctx.db.uow() as s:
        if s.get(ImportBatch, batch_id) is None:
            return False
        if principal.is_center:
            return True
        senders = set(s.scalars(select(ApiUpload.principal).where(ApiUpload.batch_id == batch_id)))
    reads = scope(ctx, principal)
    return any(reads.may_read(sender) for sender in senders)


ANONYMOUS = "-"   # the principal of a request refused before its token was known (401)


def log_access(ctx: Context, principal: Principal | None, action: str, subject: str,
               subject_id: object, status: int, client: str | None = None) -> None:
    """Record one upload or read of personal data, or one refused request, with the client's
    address (never updated, never deleted)."""
    with ctx.db.uow() as s:
        s.add(AccessLog(token_id=principal.token_id if principal else None,
                        principal=principal.name if principal else ANONYMOUS, action=action,
                        subject=subject[:20], subject_id=str(subject_id)[:40], status=status,
                        client=(client or "")[:64] or None, created_at=ctx.clock.now()))
        s.commit()
