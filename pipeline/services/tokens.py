"""API tokens (`zhicheng units token`): issued once in clear, stored only as a SHA-256, revocable.

A token is 32 random bytes, so a fast hash is enough: nobody can guess one to match a stolen
hash, and each request costs one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from pipeline.context import Context
from pipeline.services.units import UnitError
from pipeline.storage.db.models import ApiToken, Unit
from pipeline.storage.transitions import SYSTEM, log_event

CENTER = "center"          # the principal name of the center's tokens
PREFIX = "zc_"
TOUCH_EVERY = timedelta(minutes=1)   # last_used_at is written at most this often


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a unit (its code) or the center (unit_code None).

    token_id is None for a person logged in to the console (their account names them on events).
    """

    token_id: int | None
    unit_code: str | None

    @property
    def is_center(self) -> bool:
        return self.unit_code is None

    @property
    def name(self) -> str:
        return self.unit_code or CENTER

    @property
    def label(self) -> str:
        return f"单位{self.unit_code}" if self.unit_code else "中心"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(ctx: Context, unit_code: str | None, label: str = "", actor: str = SYSTEM
          ) -> tuple[int, str]:
    """Issue a token for a registered unit (None: the center); return (id, token in clear)."""
    code = unit_code.strip().upper() if unit_code else None
    token = PREFIX + secrets.token_urlsafe(32)
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        if code is not None and s.get(Unit, code) is None:
            raise UnitError(f"单位{code}未注册，不能签发令牌；请先注册该单位")
        row = ApiToken(unit_code=code, label=label, token_hash=_hash(token),
                       prefix=token[:10], created_at=now)
        s.add(row)
        s.flush()
        log_event(s, now=now, subject="unit", subject_id=code or CENTER, action="token.issued",
                  actor=actor, reason=f"令牌{row.id}（{label or '无备注'}）")
        s.commit()
        return row.id, token


def list_tokens(ctx: Context, unit_code: str | None = None, center: bool = False
                ) -> list[dict[str, Any]]:
    """Tokens (never their value), newest first; of one unit, of the center, or all."""
    q = select(ApiToken).order_by(ApiToken.id.desc())
    if center:
        q = q.where(ApiToken.unit_code.is_(None))
    elif unit_code:
        q = q.where(ApiToken.unit_code == unit_code.strip().upper())
    with ctx.db.uow() as s:
        return [{"id": t.id, "unit_code": t.unit_code, "center": t.unit_code is None,
                 "label": t.label, "prefix": t.prefix, "created_at": _iso(t.created_at),
                 "revoked_at": _iso(t.revoked_at), "last_used_at": _iso(t.last_used_at),
                 "active": t.revoked_at is None} for t in s.scalars(q)]


def revoke(ctx: Context, token_id: int, actor: str = SYSTEM) -> bool:
    """Revoke a token; False when it was already revoked. Unknown ids are an error."""
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        row = s.get(ApiToken, token_id)
        if row is None:
            raise UnitError(f"令牌{token_id}不存在")
        if row.revoked_at is not None:
            return False
        row.revoked_at = now
        log_event(s, now=now, subject="unit", subject_id=row.unit_code or CENTER,
                  action="token.revoked", actor=actor, reason=f"令牌{row.id}")
        s.commit()
        return True


def authenticate(ctx: Context, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token, or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.token_hash == _hash(token))).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        principal = Principal(row.id, row.unit_code)
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            row.last_used_at = now
            s.commit()
        return principal


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
