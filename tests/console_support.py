"""The console on a real uvicorn server: accounts for each role, a batch imported, form helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from console import install
from intake.api import Limits, create_app
from pipeline.services import accounts
from tests.http_support import CLINIC, DESIGN, MINISTRY, RESEARCH, TECH, LiveServer, setup_units

PASSWORD = "correct-horse-9"
# user name -> (display name, role, unit)
PEOPLE = {
    "design": ("设计院经办", "unit_clerk", DESIGN),        # 设计院: its own work
    "ministry": ("交通厅经办", "unit_clerk", MINISTRY),    # 交通厅: superior and supervisor of 设计院
    "research": ("科研院经办", "unit_clerk", RESEARCH),    # 科研院: a sibling of 设计院
    "tech": ("智诚经办", "unit_clerk", TECH),              # unrelated (supervises the clinic)
    "reviewer": ("中心审核", "center_reviewer", None),
    "admin": ("中心管理", "center_admin", None),
}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_ONCE = re.compile(r'name="once" value="([^"]+)"')

__all__ = ["CLINIC", "DESIGN", "MINISTRY", "RESEARCH", "TECH", "PEOPLE", "PASSWORD"]


def add_people(ctx) -> None:
    for username, (name, role, unit) in PEOPLE.items():
        accounts.add_user(ctx, username, name, PASSWORD, role, unit)


def import_design_batch(runtime, folder: Path, n: int = 4) -> int:
    """A batch of `n` 设计院 applicants, imported and checked (they wait in its 初审)."""
    from zhicheng.app import import_batch

    return import_batch(runtime, sample_zip(folder, applicants=n), wait=True, timeout=300)


@contextmanager
def console_server(runtime, limits: Limits | None = None) -> Iterator[LiveServer]:
    limits = limits or Limits()
    app = create_app(runtime.ctx, runtime.queue.send, limits)
    install(app, runtime.ctx, runtime.queue.send, limits)
    with LiveServer(app) as server:
        yield server


def tokens_of(html: str) -> dict[str, str]:
    """The CSRF and one-time tokens of the first form on a page."""
    csrf, once = _CSRF.search(html), _ONCE.search(html)
    assert csrf, "no CSRF token on the page"
    return {"csrf": csrf.group(1), **({"once": once.group(1)} if once else {})}


def login(url: str, username: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120, follow_redirects=False)
    page = client.get("/login")
    r = client.post("/login", data={**tokens_of(page.text), "username": username,
                                    "password": password, "next": "/"})
    assert r.status_code == 303, r.text
    return client


def post_form(client: httpx.Client, page: str, action: str, data: dict[str, object]
              ) -> httpx.Response:
    """Post a form as the browser does: the session's CSRF token from a page, a fresh one-time
    token (a form rendered once), then the fields."""
    import uuid

    html = client.get(page).text
    fields = {"csrf": tokens_of(html)["csrf"], "once": uuid.uuid4().hex, **data}
    return client.post(action, data=fields)


def sample_zip(folder: Path, applicants: int = 4, flaws: object = False, seed: int = 2026) -> Path:
    """A realistic batch zip of 设计院 applicants (zhicheng.sample), light images."""
    from zhicheng.sample import make_batch, sample_units

    units = [u for u in sample_units() if u.code in (MINISTRY, DESIGN)]
    return make_batch(folder, applicants=applicants, units=units, zip=True, light=True,
                      flaws=flaws, seed=seed).path


def upload(client: httpx.Client, path: Path) -> httpx.Response:
    """Upload a batch zip from the console's upload form."""
    html = client.get("/upload").text
    return client.post("/upload", data=tokens_of(html),
                       files={"zip": (path.name, path.read_bytes(), "application/zip")})


@contextmanager
def running_site(runtime, zip_path: Path, limits: Limits | None = None):
    """The registry, the people, a server with a worker, and 设计院's batch uploaded from the
    browser and checked: applicants 1..n wait in 设计院's 初审. Yields (server, batch id, ids)."""
    import time

    from pipeline.services import queries
    from workers.embedded import InProcessWorker

    setup_units(runtime.ctx)
    add_people(runtime.ctx)
    with InProcessWorker(runtime.broker, 2), console_server(runtime, limits) as server:
        design = login(server.url, "design")
        answer = upload(design, zip_path)
        assert answer.status_code == 303, answer.text
        batch = int(answer.headers["location"].rsplit("/", 1)[1])
        for _ in range(1200):
            if queries.batch_pending(runtime.ctx, batch) == 0:
                break
            time.sleep(0.1)
        ids = sorted(queries.batch_receipt(runtime.ctx, batch)["applications"])
        design.close()
        yield server, batch, ids
