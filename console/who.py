"""Who is acting, and what they may see and touch: the one place the console's scope is decided.

A unit 经办人 reads its own applications, its subordinates' and those of units it supervises (the
API's rule, pipeline.services.access); it decides only what sits in its own review queue. The
center's people read everything and decide the 形式审查. Anything else is answered 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.domain.vocabulary import Role
from pipeline.services import access
from pipeline.services.accounts import Account
from pipeline.services.tokens import Principal
from pipeline.storage.db.models import Application, Material


class Hidden(Exception):
    """Out of the caller's scope, or not there at all: answered 404 either way."""


@dataclass(frozen=True)
class Who:
    """The caller: a person with an account, or a machine client with a token."""

    principal: Principal
    role: str            # unit_clerk | center_reviewer | center_admin
    actor: str           # as written on events
    account: Account | None = None

    @property
    def unit_code(self) -> str | None:
        return self.principal.unit_code

    @property
    def is_center(self) -> bool:
        return self.principal.is_center

    @property
    def is_admin(self) -> bool:
        return self.role == Role.CENTER_ADMIN


def of_account(acct: Account) -> Who:
    unit = None if acct.is_center else acct.unit_code
    return Who(Principal(None, unit), acct.role, acct.actor, acct)


def of_token(principal: Principal) -> Who:
    role = Role.CENTER_REVIEWER if principal.is_center else Role.UNIT_CLERK
    return Who(principal, role, f"{principal.label}（令牌{principal.token_id}）")


def read_scope(ctx: Context, who: Who) -> frozenset[str] | None:
    """The unit codes whose applications the caller reads; None: all."""
    return access.scope(ctx, who.principal).read


def readable(ctx: Context, who: Who, app_id: int) -> None:
    """Raise Hidden unless the caller may read this application."""
    if not access.can_read_application(ctx, who.principal, app_id):
        raise Hidden()


def decision_stage(ctx: Context, who: Who, app_id: int) -> str:
    """The review stage at which the caller may decide this application now, else Hidden."""
    with ctx.db.uow() as s:
        row = s.execute(select(Application.state, Application.review_unit_code)
                        .where(Application.id == app_id)).one_or_none()
    if row is None:
        raise Hidden()
    if who.is_center:
        if row.state == str(State.CENTER_REVIEW):
            return "center"
        raise Hidden()
    if row.review_unit_code != who.unit_code:
        raise Hidden()
    if row.state == str(State.UNIT_REVIEW):
        return "unit"
    if row.state == str(State.SUPERVISOR_REVIEW):
        return "supervisor"
    raise Hidden()


def material(ctx: Context, who: Who, app_id: int, material_id: int) -> Material:
    """A material of an application the caller may read, else Hidden."""
    readable(ctx, who, app_id)
    with ctx.db.uow() as s:
        m = s.get(Material, material_id)
        if m is None or m.application_id != app_id:
            raise Hidden()
        s.expunge(m)
        return m


def owns_unit_work(who: Who, unit_code: str | None) -> None:
    """A publicity or recommendation batch is touched only by the unit that made it."""
    if unit_code is None or who.is_center or who.unit_code != unit_code:
        raise Hidden()


def center_only(who: Who, admin: bool = False) -> None:
    if not who.is_center or (admin and not who.is_admin):
        raise Hidden()


def unit_of(who: Who) -> str:
    """The unit whose 经办人 is acting (a unit's own page); Hidden for the center."""
    if who.is_center or who.unit_code is None:
        raise Hidden()
    return who.unit_code
