"""Accounts of the web console: people at a unit or at the center, their roles, logins and throttling.

Passwords are hashed with Argon2id (argon2-cffi). Failed logins are rows in the database, so the
throttle holds across every worker process serving the console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.vocabulary import Role
from pipeline.errors import Refused
from pipeline.storage.db.models import FormSubmission, LoginAttempt, Unit, User
from pipeline.storage.transitions import SYSTEM, log_event

# Keyed by the plain strings: Click 8.2+ would offer an Enum member by its name.
ROLES: dict[str, str] = {Role.UNIT_CLERK.value: "单位经办人", Role.CENTER_REVIEWER.value: "中心审核人员",
                         Role.CENTER_ADMIN.value: "中心管理员"}
CENTER_ROLES = (Role.CENTER_REVIEWER, Role.CENTER_ADMIN)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5        # within the window, then refused until the oldest ages out
MAX_FAILURES_PER_CLIENT = 20
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,50}$")
_HASHERS = {"strong": PasswordHasher(),  # argon2-cffi's defaults (RFC 9106's second choice)
            "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)}


def _hasher(ctx: Context) -> PasswordHasher:
    return _HASHERS[ctx.settings.password_hashing]


class AccountError(Refused):
    """An account change that cannot be made; the message says why, in Chinese."""


class Throttled(Refused):
    """Too many failed logins lately for this user name or this client address."""


@dataclass(frozen=True)
class Account:
    """A logged-in person, as the console and the API see them."""

    id: int
    username: str
    display_name: str
    role: str
    unit_code: str | None
    sessions_valid_after: datetime

    @property
    def is_center(self) -> bool:
        return self.role in CENTER_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.CENTER_ADMIN

    @property
    def actor(self) -> str:
        """How the account is named on events: the person's name and user name."""
        return f"{self.display_name}（{self.username}）"

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


def _account(u: User) -> Account:
    return Account(u.id, u.username, u.display_name, u.role, u.unit_code, u.sessions_valid_after)


def check_password(password: str) -> None:
    """Refuse a password too short to be worth hashing."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少{MIN_PASSWORD}个字符")


def add_user(ctx: Context, username: str, display_name: str, password: str, role: str,
             unit_code: str | None = None, *, actor: str = SYSTEM) -> int:
    """Create an account; unit clerks belong to a registered unit, center roles to no unit."""
    username, display_name = username.strip(), display_name.strip()
    code = unit_code.strip().upper() if unit_code else None
    if not _USERNAME.match(username):
        raise AccountError("用户名应为3至50个字母、数字、下划线、点或短横线")
    if not display_name or len(display_name) > 50:
        raise AccountError("请填写姓名（不超过50个字）")
    if role not in ROLES:
        raise AccountError(f"角色“{role}”无效，应为：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items()))
    if role == Role.UNIT_CLERK and not code:
        raise AccountError("单位经办人须指定所属单位的统一社会信用代码")
    if role in CENTER_ROLES and code:
        raise AccountError("中心的账号不属于任何单位，请不要填写单位代码")
    check_password(password)
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        if code and s.get(Unit, code) is None:
            raise AccountError(f"单位{code}未注册，不能为其建立账号")
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise AccountError(f"用户名“{username}”已被使用")
        user = User(username=username, display_name=display_name,
                    password_hash=_hasher(ctx).hash(password), role=role, unit_code=code,
                    disabled=False, sessions_valid_after=now, created_at=now, updated_at=now)
        s.add(user)
        try:
            s.flush()
        except IntegrityError:
            s.rollback()
            raise AccountError(f"用户名“{username}”已被使用") from None
        log_event(s, now=now, subject="user", subject_id=username, action="user.added", actor=actor,
                  reason=f"{display_name}，{ROLES[role]}" + (f"，单位{code}" if code else "，中心"))
        s.commit()
        return user.id


def list_users(ctx: Context, unit_code: str | None = None) -> list[dict[str, Any]]:
    """Every account (never the hash), by user name."""
    q = select(User).order_by(User.username)
    if unit_code:
        q = q.where(User.unit_code == unit_code.strip().upper())
    with ctx.db.uow() as s:
        return [{"id": u.id, "username": u.username, "display_name": u.display_name,
                 "role": u.role, "role_label": ROLES.get(u.role, u.role), "unit_code": u.unit_code,
                 "disabled": u.disabled, "created_at": u.created_at.isoformat(timespec="seconds")}
                for u in s.scalars(q)]


def _user(s: Session, username: str) -> User:
    user = s.scalars(select(User).where(User.username == username.strip())).one_or_none()
    if user is None:
        raise AccountError(f"用户“{username}”不存在")
    return user


def set_disabled(ctx: Context, username: str, disabled: bool = True, *, actor: str = SYSTEM) -> None:
    """Disable (or enable again) an account; a disabled account's sessions end at once."""
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        user = _user(s, username)
        user.disabled, user.updated_at = disabled, now
        if disabled:
            user.sessions_valid_after = now
        log_event(s, now=now, subject="user", subject_id=user.username,
                  action="user.disabled" if disabled else "user.enabled", actor=actor)
        s.commit()


def reset_password(ctx: Context, username: str, password: str, *, actor: str = SYSTEM) -> None:
    """Set a new password; every session of the account ends."""
    check_password(password)
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        user = _user(s, username)
        user.password_hash, user.sessions_valid_after, user.updated_at = (
            _hasher(ctx).hash(password), now, now)
        log_event(s, now=now, subject="user", subject_id=user.username,
                  action="user.password_reset", actor=actor)
        s.commit()


def account(ctx: Context, user_id: int) -> Account | None:
    """The enabled account with this id, or None."""
    with ctx.db.uow() as s:
        user = s.get(User, user_id)
        return None if user is None or user.disabled else _account(user)


def login(ctx: Context, username: str, password: str, client: str) -> Account | None:
    """The account for these credentials, None when wrong; Throttled after too many failures."""
    username, client = username.strip()[:50], client[:64]
    now = ctx.clock.now()
    since = now - THROTTLE_WINDOW
    with ctx.db.uow() as s:
        by_user = s.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.created_at > since)) or 0
        by_client = s.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.client == client, LoginAttempt.created_at > since)) or 0
        if by_user >= MAX_FAILURES_PER_USER or by_client >= MAX_FAILURES_PER_CLIENT:
            raise Throttled("登录失败次数过多，请15分钟后再试")
        user = s.scalars(select(User).where(User.username == username)).one_or_none()
        ok = False
        if user is not None and not user.disabled:
            try:
                ok = _hasher(ctx).verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok:
            s.add(LoginAttempt(username=username, client=client, created_at=now))
            s.commit()
            return None
        assert user is not None
        s.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
        s.commit()
        return _account(user)


def use_form_token(ctx: Context, token: str, user_id: int) -> bool:
    """Mark a one-time form token used; False when it was used before (a double submit)."""
    if not token or len(token) > 64:
        return False
    with ctx.db.uow() as s:
        s.add(FormSubmission(token=token, user_id=user_id, created_at=ctx.clock.now()))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            return False
        return True
