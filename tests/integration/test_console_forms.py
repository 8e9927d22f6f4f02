"""How the console's forms behave: CSRF refusal, one action per form, messages beside the field,
POST-redirect-GET, throttled logins, ended sessions, safe file answers and upload limits."""

from __future__ import annotations

import re
import uuid
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import func, select

from intake.api import Limits
from pipeline.services import accounts, publicity, queries
from pipeline.services import review as reviews
from pipeline.storage.db.models import Material, Objection, Publicity, Review
from tests.console_support import (
    DESIGN,
    PASSWORD,
    console_server,
    login,
    post_form,
    running_site,
    sample_zip,
    tokens_of,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def small_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_zip(tmp_path_factory.mktemp("forms"), applicants=3)


@pytest.fixture
def site(runtime, small_zip):
    with running_site(runtime, small_zip) as (server, batch, ids):
        client = login(server.url, "design")
        with closing(client):
            yield SimpleNamespace(url=server.url, ctx=runtime.ctx, batch=batch, ids=ids,
                                  client=client)


def state(ctx, app_id: int) -> str:
    return str(queries.show_application(ctx, app_id)["state"])


def count(ctx, model) -> int:
    with ctx.db.uow() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(site) -> None:
    app = site.ids[0]
    for csrf in ("", "forged-token"):
        r = site.client.post(f"/applications/{app}/decide",
                             data={"csrf": csrf, "once": uuid.uuid4().hex, "decision": "pass"})
        assert r.status_code == 403 and "CSRF" in r.text
    # another browser's valid token is not this session's
    with closing(login(site.url, "ministry")) as other:
        foreign = tokens_of(other.get("/applications").text)["csrf"]
    r = site.client.post(f"/applications/{app}/decide", data={"csrf": foreign, "decision": "pass"})
    assert r.status_code == 403
    assert state(site.ctx, app) == "unit_review" and count(site.ctx, Review) == 0


def test_the_session_cookie_is_signed_httponly_and_samesite(site) -> None:
    r = httpx.get(site.url + "/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    forged = httpx.Client(base_url=site.url, cookies={"zc_session": "eyJ1IjoxfQ.forged.sig"})
    assert forged.get("/applications").status_code == 303   # to the login page


def test_a_double_submit_acts_once(site) -> None:
    app = site.ids[0]
    reviews.decide(site.ctx, app, "pass", reviewer="t")
    pid = publicity.open_publicity(site.ctx, DESIGN, site.ctx.today(), 5, "张三", "13800000000", [app])
    page = site.client.get(f"/publicities/{pid}").text
    fields = {**tokens_of(page), "applicant": str(app), "reason": "学历存疑"}
    first = site.client.post(f"/publicities/{pid}/objections", data=fields)
    again = site.client.post(f"/publicities/{pid}/objections", data=fields)
    assert first.status_code == again.status_code == 303
    assert "已经提交过" in site.client.get(again.headers["location"]).text
    assert count(site.ctx, Objection) == 1


def test_a_refused_decision_says_why_beside_the_field_and_changes_nothing(site) -> None:
    app = site.ids[1]
    r = post_form(site.client, f"/applications/{app}", f"/applications/{app}/decide",
                  {"decision": "return", "opinion": ""})
    assert r.status_code == 422
    assert re.search(r'id="err-opinion"[^>]*>退回必须填写审核意见', r.text)
    assert state(site.ctx, app) == "unit_review" and count(site.ctx, Review) == 0
    ok = post_form(site.client, f"/applications/{app}", f"/applications/{app}/decide",
                   {"decision": "return", "opinion": "缺少业绩材料"})
    assert ok.status_code == 303 and ok.headers["location"] == f"/applications/{app}"  # PRG
    assert "已记录：退回" in site.client.get(ok.headers["location"]).text
    assert state(site.ctx, app) == "returned"


def test_the_publicity_form_shows_the_last_day_and_refuses_bad_fields(site) -> None:
    app = site.ids[2]
    reviews.decide(site.ctx, app, "pass", reviewer="t")
    bad = post_form(site.client, "/publicities/new", "/publicities/new",
                    {"ids": str(app), "contact": "", "phone": "12", "start": "2020-01-01",
                     "days": "0", "action": "save"})
    assert bad.status_code == 422
    for field, message in (("contact", "请填写公示联系人"), ("phone", "联系电话"),
                           ("start", "不能早于今天"), ("days", "请填写公示天数")):
        assert re.search(f'id="err-{field}"[^>]*>[^<]*{message}', bad.text), field
    assert count(site.ctx, Publicity) == 0
    start = site.ctx.today()
    end = site.ctx.calendar.last_day(start, 5)
    fields = {"ids": str(app), "contact": "张三", "phone": "0731-84561234",
              "start": start.isoformat(), "days": "5"}
    preview = post_form(site.client, "/publicities/new", "/publicities/new", {**fields, "action": "preview"})
    assert preview.status_code == 200 and f"{end.year}年{end.month}月{end.day}日" in preview.text
    assert count(site.ctx, Publicity) == 0
    live = site.client.get("/publicities/last-day", params={"start": start.isoformat(), "days": "5"})
    assert live.json()["last_day"] == end.isoformat()
    saved = post_form(site.client, "/publicities/new", "/publicities/new", {**fields, "action": "save"})
    assert saved.status_code == 303 and count(site.ctx, Publicity) == 1
    assert state(site.ctx, app) == "publicity"


def test_logins_are_throttled_and_a_reset_password_ends_the_session(site) -> None:
    page = httpx.Client(base_url=site.url)
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        form = tokens_of(page.get("/login").text)
        r = page.post("/login", data={**form, "username": "ministry", "password": "guess"})
        assert r.status_code == 422 and "用户名或密码不正确" in r.text
    form = tokens_of(page.get("/login").text)
    r = page.post("/login", data={**form, "username": "ministry", "password": PASSWORD})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert site.client.get("/applications").status_code == 200
    accounts.reset_password(site.ctx, "design", "a-new-password")
    gone = site.client.get("/applications")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_materials_are_served_inline_with_their_type_and_no_sniffing(site) -> None:
    with site.ctx.db.uow() as s:
        m = s.execute(select(Material.id, Material.media_type).where(
            Material.application_id == site.ids[0], Material.media_type.is_not(None))).first()
    r = site.client.get(f"/applications/{site.ids[0]}/materials/{m.id}")
    assert r.status_code == 200 and r.headers["content-type"] == m.media_type
    assert r.headers["content-disposition"].startswith("inline; filename*=UTF-8''")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    page = site.client.get(f"/applications/{site.ids[0]}")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_an_upload_that_is_not_a_zip_is_refused_beside_the_field(site) -> None:
    html = site.client.get("/upload").text
    r = site.client.post("/upload", data=tokens_of(html),
                         files={"zip": ("名单.xlsx", b"PK\x03\x04not really", "application/zip")})
    assert r.status_code == 422 and 'id="err-zip"' in r.text and ".zip" in r.text


def test_an_upload_over_the_limit_is_refused(runtime, small_zip, tmp_path) -> None:
    from tests.console_support import add_people
    from tests.http_support import setup_units

    setup_units(runtime.ctx)
    add_people(runtime.ctx)
    with console_server(runtime, Limits(max_batch_bytes=100 * 1024)) as server:
        client = login(server.url, "design")
        html = client.get("/upload").text
        big = small_zip.read_bytes()
        assert len(big) > 100 * 1024
        r = client.post("/upload", data=tokens_of(html), files={"zip": ("b.zip", big, "application/zip")})
        assert r.status_code == 413 and "超过上限" in r.text
    assert queries.overview(runtime.ctx)["total"] == 0


def test_unknown_pages_are_html_and_the_api_stays_json(site) -> None:
    page = site.client.get("/no/such/page")
    assert page.status_code == 404 and "没有这个页面" in page.text
    api = site.client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_a_unit_cannot_upload_another_units_applicants(site, small_zip) -> None:
    from pipeline.storage.db.models import ImportBatch

    before = count(site.ctx, ImportBatch)
    with closing(login(site.url, "research")) as research:
        html = research.get("/upload").text
        r = research.post("/upload", data=tokens_of(html),
                          files={"zip": ("b.zip", small_zip.read_bytes(), "application/zip")})
    assert r.status_code == 403 and 'id="err-zip"' in r.text and "不是本单位或本单位的下级单位" in r.text
    assert count(site.ctx, ImportBatch) == before


def test_the_unit_recommends_only_the_ticked_people(site) -> None:
    from datetime import timedelta

    from pipeline.services import publicity_closing

    first, second = site.ids[0], site.ids[1]
    for app in (first, second):
        reviews.decide(site.ctx, app, "pass", reviewer="t")
    pid = publicity.open_publicity(site.ctx, DESIGN, site.ctx.today(), 5, "张三", "13800000000",
                                   [first, second])
    end = publicity.publicity_view(site.ctx, pid)["end_date"]
    from datetime import date as day

    publicity_closing.close_due(site.ctx, day.fromisoformat(end) + timedelta(days=1), force=True,
                                reason="测试：公示期已满")
    publicity_closing.confirm(site.ctx, pid, by="设计院经办")
    none = post_form(site.client, "/recommend", "/recommend", {"year": "2026", "confirm": "1"})
    assert none.status_code == 422 and "请勾选要推荐上报的人员" in none.text
    ok = post_form(site.client, "/recommend", "/recommend",
                   {"year": "2026", "confirm": "1", "ids": str(second)})
    assert ok.status_code == 303 and "已推荐上报1人" in site.client.get(ok.headers["location"]).text
    assert state(site.ctx, first) == "publicity_passed" and state(site.ctx, second) != "publicity_passed"
