"""The center uploads its window's list of offline formal-review results from the browser.

Good rows are recorded, each bad row is said with its line and changes nothing, a list that
cannot be used is refused whole, and nobody outside the center can post one (404).
"""

from __future__ import annotations

import io
import re
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from pipeline.storage.db.models import Application, Event
from tests.console_support import PEOPLE, login, running_site, sample_zip, tokens_of


@pytest.fixture
def site(runtime, tmp_path: Path):
    with running_site(runtime, sample_zip(tmp_path / "zip")) as (server, batch, ids):
        with runtime.ctx.db.uow() as s:
            apps = {a.id: (a.id_number, a.name) for a in s.scalars(
                select(Application).where(Application.id.in_(ids)))}
        yield SimpleNamespace(url=server.url, ctx=runtime.ctx, apps=apps, ids=sorted(apps))


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def recorded(ctx) -> dict[int, str | None]:
    with ctx.db.uow() as s:
        return dict(s.execute(select(Application.id, Application.offline_result)).all())


def events(ctx) -> int:
    with ctx.db.uow() as s:
        return s.scalar(select(func.count()).select_from(Event)) or 0


def list_form(html: str) -> dict[str, str]:
    """The CSRF and one-time tokens of the page's offline-list form."""
    return tokens_of(html[html.index('action="/center/offline-list"'):])


def post_list(client, name: str, data: bytes, csrf: bool = True):
    fields = list_form(client.get("/center").text) if csrf else {}
    return client.post("/center/offline-list", data=fields,
                       files={"list": (name, data, "application/octet-stream")})


def flash(client) -> str:
    page = client.get("/center").text
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S))


def test_the_center_records_the_good_rows_and_says_each_bad_one(site) -> None:
    first, second, third = site.ids[:3]
    (id1, name1), (id2, name2), (id3, _name3) = (site.apps[i] for i in (first, second, third))
    data = xlsx([["身份证号", "姓名", "结果"],
                 [id1, name1, "通过"],
                 [id2, name2, "不合格"],             # a synonym of 未通过
                 [id3, "别人", "通过"],               # the name does not match: refused alone
                 ["430102199001011234", "张三", "通过"],  # no open application
                 [id1, name1, "待定"]])              # not a result
    with closing(login(site.url, "reviewer")) as client:
        answer = post_list(client, "线下审查结果.xlsx", data)
        assert answer.status_code == 303 and answer.headers["location"] == "/center#offline"
        said = flash(client)
    now = recorded(site.ctx)
    assert (now[first], now[second], now[third]) == ("通过", "未通过", None)
    assert "已登记2人" in said and "3行未登记" in said
    assert "第4行" in said and "不一致" in said and "第5行" in said and "第6行" in said


def test_a_list_without_its_columns_or_not_a_spreadsheet_is_refused_whole(site) -> None:
    before, count = recorded(site.ctx), events(site.ctx)
    first = site.ids[0]
    no_result = xlsx([["身份证号", "姓名"], list(site.apps[first])])
    with closing(login(site.url, "admin")) as client:
        assert post_list(client, "清单.xlsx", no_result).status_code == 303
        assert "缺少列：结果" in flash(client)
        assert post_list(client, "清单.pdf", b"%PDF-1.4 not a list").status_code == 303
        assert "未登记任何结果" in flash(client)
    assert recorded(site.ctx) == before and events(site.ctx) == count


@pytest.mark.parametrize("role", [r for r, (_, kind, _) in PEOPLE.items() if kind == "unit_clerk"])
def test_no_unit_can_post_a_list_and_nothing_changes(site, role) -> None:
    first = site.ids[0]
    data = xlsx([["身份证号", "姓名", "结果"], [*site.apps[first], "通过"]])
    before, count = recorded(site.ctx), events(site.ctx)
    with closing(login(site.url, role)) as client:
        fields = tokens_of(client.get("/applications").text)
        answer = client.post("/center/offline-list", data=fields,
                             files={"list": ("l.xlsx", data, "application/octet-stream")})
    assert answer.status_code == 404
    assert recorded(site.ctx) == before and events(site.ctx) == count


def test_a_list_without_the_sessions_csrf_token_changes_nothing(site) -> None:
    first = site.ids[0]
    data = xlsx([["身份证号", "姓名", "结果"], [*site.apps[first], "通过"]])
    before = recorded(site.ctx)
    with closing(login(site.url, "admin")) as client:
        answer = post_list(client, "l.xlsx", data, csrf=False)
    assert answer.status_code in (400, 403)
    assert recorded(site.ctx) == before
