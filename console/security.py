"""Sessions, CSRF and one-time form tokens, and the security headers of every console answer.

The session is a signed cookie (itsdangerous), HttpOnly and SameSite=Lax, holding the account id,
when it was signed, a CSRF token and at most one message for the next page. A session signed
before the account's `sessions_valid_after` (password reset, account disabled) is void.
Every form carries the session's CSRF token and a one-time token: the second post of the same
form is refused without acting.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pipeline.context import Context
from pipeline.services import accounts
from pipeline.services.accounts import Account

COOKIE = "zc_session"
MAX_AGE = 12 * 3600          # a working day; then log in again
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
            "form-action 'self'")
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def secret_key(data_dir: Path) -> str:
    """The signing key, made once in the data directory (shared by every worker of a site)."""
    path = data_dir / "console-secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


class Sessions:
    """Reads and writes the session cookie of a request."""

    def __init__(self, ctx: Context, secure: bool = False) -> None:
        self.ctx, self.secure = ctx, secure
        self.signer = URLSafeTimedSerializer(secret_key(ctx.settings.data_dir), salt="zc-session")

    def load(self, request: Request) -> dict[str, Any]:
        """The request's session (a fresh anonymous one when absent or forged), cached on it."""
        cached: dict[str, Any] | None = getattr(request.state, "session", None)
        if cached is not None:
            return cached
        session: dict[str, Any] = {}
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self.signer.loads(raw, max_age=MAX_AGE)
                session = data if isinstance(data, dict) else {}
            except BadSignature:
                session = {}
        if not session.get("c"):
            session = {"c": secrets.token_urlsafe(24)}
            request.state.session_dirty = True
        request.state.session = session
        return session

    def account(self, request: Request) -> Account | None:
        """The logged-in, enabled account of this request, or None."""
        if hasattr(request.state, "account"):
            known: Account | None = request.state.account
            return known
        session = self.load(request)
        found = None
        if isinstance(session.get("u"), int):
            acct = accounts.account(self.ctx, session["u"])
            if acct is not None and session.get("t", "") >= acct.sessions_valid_after.isoformat():
                found = acct
        request.state.account = found
        return found

    def login(self, request: Request, acct: Account) -> None:
        """Start a new session for the account (a new CSRF token: no fixation)."""
        request.state.session = {"u": acct.id, "t": self.ctx.clock.now().isoformat(),
                                 "c": secrets.token_urlsafe(24)}
        request.state.account = acct
        request.state.session_dirty = True

    def logout(self, request: Request) -> None:
        request.state.session = {"c": secrets.token_urlsafe(24)}
        request.state.account = None
        request.state.session_dirty = True

    def flash(self, request: Request, message: str, kind: str = "ok") -> None:
        """A message shown once, on the next page."""
        self.load(request)["f"] = [kind, message]
        request.state.session_dirty = True

    def pop_flash(self, request: Request) -> tuple[str, str] | None:
        session = self.load(request)
        value = session.pop("f", None)
        if value:
            request.state.session_dirty = True
            return value[0], value[1]
        return None

    def csrf(self, request: Request) -> str:
        return str(self.load(request)["c"])

    def csrf_ok(self, request: Request, sent: str | None) -> bool:
        return bool(sent) and secrets.compare_digest(str(sent), self.csrf(request))

    def finish(self, request: Request, response: Response) -> Response:
        """Write the cookie when the session changed, and the headers every page carries."""
        if getattr(request.state, "session_dirty", False):
            response.set_cookie(COOKIE, self.signer.dumps(request.state.session), max_age=MAX_AGE,
                                httponly=True, samesite="lax", secure=self.secure, path="/")
        page_headers(response)
        return response


def page_headers(response: Response, csp: str = PAGE_CSP) -> None:
    """Security headers for the console's pages and files."""
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    if csp == PAGE_CSP:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"


def new_form_token() -> str:
    """A one-time token for one rendered form."""
    return secrets.token_hex(16)


def use_form_token(ctx: Context, token: str | None, acct: Account) -> bool:
    """True the first time this form is posted; False on a repeat (double submit, back button)."""
    return accounts.use_form_token(ctx, token or "", acct.id)
