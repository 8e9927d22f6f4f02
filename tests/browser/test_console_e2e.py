"""The whole seed process in a real browser, against a real `zhicheng serve` on PostgreSQL.

设计院's 经办人 uploads a batch, sees the returned applicant and why, passes three in 初审, opens a
publicity, records and dismisses an objection, recommends; 交通厅 (its 主管单位) passes them; the
center records the offline review and passes the 形式审查. Every page visited is checked for
accessibility, and the main pages are saved as screenshots (test-output/screenshots/).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from pipeline.storage.db.models import Application
from tests.browser.support import VIEWPORT, browser, check_accessible, cli, env_for, served, shot
from tests.conftest import migrated_database
from tests.console_support import DESIGN, MINISTRY, sample_zip

PASSWORD = "browser-pass-1"


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path):
    from zhicheng.sample import sample_units, write_units_file

    url = migrated_database(request, "postgresql", tmp_path)
    env = env_for(tmp_path / "var", url)
    units = write_units_file(tmp_path / "units.xlsx", sample_units())
    cli(env, "units", "import", str(units))
    for user, name, role, unit in (("admin", "王中心", "center_admin", None),
                                   ("sjy.li", "李经办", "unit_clerk", DESIGN),
                                   ("jtt.zhao", "赵主管", "unit_clerk", MINISTRY)):
        cli(env, "users", "add", user, "--name", name, "--role", role, "--password", PASSWORD,
            *(["--unit", unit] if unit else []))
    batch = sample_zip(tmp_path / "sample", applicants=4, flaws=["material.missing"], seed=7)
    with served(env, tmp_path / "serve.log") as base:
        yield base, batch, url, env


def login(page: Any, base: str, user: str) -> None:
    """Log in with the keyboard only: Tab between the fields, Enter to submit."""
    page.goto(base + "/login")
    check_accessible(page)
    page.focus("#username")
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url, page.content()


def logout(page: Any) -> None:
    page.click("form.logout button")
    page.wait_for_url(re.compile(r"/login"))


def visit(page: Any, url: str, name: str | None = None) -> None:
    page.goto(url)
    check_accessible(page)
    if name:
        shot(page, name)


def flash(page: Any) -> str:
    return str(page.inner_text(".flash"))


def states(db_url: str) -> dict[str, str]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = dict(conn.execute(select(Application.name, Application.state)).all())
    engine.dispose()
    return out


def test_the_seed_process_from_upload_to_the_centers_formal_review(site) -> None:
    base, batch_zip, db_url, env = site
    with browser() as b:
        page = b.new_page(viewport=VIEWPORT, locale="zh-CN")
        # --- 设计院's 经办人 -------------------------------------------------------------------
        login(page, base, "sjy.li")
        check_accessible(page)
        visit(page, base + "/upload", "upload")
        page.set_input_files("#zip", str(batch_zip))
        page.click("#upload-form button[type=submit]")
        page.wait_for_url(re.compile(r"/batches/\d+$"))
        page.wait_for_selector("text=自动审核已完成", timeout=120_000)
        check_accessible(page)
        shot(page, "batch-receipt")
        returned = page.locator("tbody tr", has_text="退回")
        assert returned.count() == 1
        assert "缺少必备材料" in returned.inner_text()       # who was returned, and why
        visit(page, base + "/", "dashboard")
        assert "所在单位初审待审核" in page.content()

        visit(page, base + "/applications?state=unit_review&mine=1", "applications")
        boxes = page.locator("input[name=ids]")
        assert boxes.count() == 3
        for i in range(3):
            boxes.nth(i).check()
        page.select_option("#b-decision", "pass")
        page.click("fieldset.bulk button[type=submit]:not([formaction])")
        assert "已对3份申报作出“审核通过”决定" in flash(page)
        page.go_back()                                   # the back button never posts again
        page.reload()
        assert page.url.endswith("mine=1")

        visit(page, base + "/applications?state=unit_passed")
        page.click("tbody tr >> nth=0 >> a")
        check_accessible(page)
        shot(page, "application")

        visit(page, base + "/publicities/new")
        page.fill("#contact", "李经办")
        page.fill("#phone", "0731-84561234")
        page.fill("#days", "5")
        page.click("button[value=preview]")
        assert "公示截止日（最后一个工作日）" in page.inner_text("#last-day")
        shot(page, "publicity-new")
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/publicities/\d+$"))
        assert "公示已开始" in flash(page)
        publicity_id = int(page.url.rsplit("/", 1)[1])
        check_accessible(page)

        page.select_option("#applicant", index=1)
        page.fill("#reason", "反映其业绩材料与实际不符")
        page.click("form.card button[type=submit]")
        assert "异议已登记" in flash(page)
        page.fill("input[id^=note-]", "经核实，业绩材料真实")
        page.select_option("select[id^=res-]", "dismissed")
        page.focus("form.inline button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")                 # an action done with the keyboard
        assert "异议不成立" in flash(page)
        check_accessible(page)
        shot(page, "publicity")

        # The publicity period ends: the scheduler's closing job proposes the results.
        from datetime import date

        from pipeline.context import Context
        from pipeline.services import publicity
        from pipeline.services.publicity_closing import close_due
        from pipeline.settings import Settings

        ctx = Context.from_settings(Settings(data_dir=Path(env["ZHICHENG_DATA_DIR"]),
                                             database_url=db_url, ocr_engine="null"))
        end = date.fromisoformat(publicity.publicity_view(ctx, publicity_id)["end_date"])
        close_due(ctx, end + timedelta(days=1), by="定时任务", force=True,
                  reason="测试：模拟公示期满")
        ctx.db.dispose()

        visit(page, f"{base}/publicities/{publicity_id}")
        assert "拟通过" in page.content()
        page.click("#confirm-form button[type=submit]")
        assert "公示结果已确认：公示通过3人" in flash(page)
        check_accessible(page)

        visit(page, base + "/recommend")
        assert "湖南省交通运输厅" in page.content()       # the superior it goes to
        page.check("#confirm")
        page.click("form.card button[type=submit]")
        page.wait_for_url(re.compile(r"/recommendations/\d+$"))
        assert "已推荐上报3人" in flash(page)
        check_accessible(page)
        shot(page, "recommendation")
        for link, media in (("roster.xlsx", "spreadsheetml"), ("roster.zip", "zip"),
                            ("roster.pdf", "pdf")):
            got = page.request.get(page.url + "/" + link, timeout=300_000)  # packets: written once
            assert got.ok and media in got.headers["content-type"], link
        notice = page.request.get(f"{base}/publicities/{publicity_id}/notice.pdf", timeout=120_000)
        assert notice.ok and notice.body().startswith(b"%PDF")
        logout(page)

        # --- 交通厅, the 主管单位 -------------------------------------------------------------
        login(page, base, "jtt.zhao")
        visit(page, base + "/applications?state=supervisor_review&mine=1")
        boxes = page.locator("input[name=ids]")
        assert boxes.count() == 3
        for i in range(3):
            boxes.nth(i).check()
        page.select_option("#b-decision", "pass")
        page.click("fieldset.bulk button[type=submit]:not([formaction])")
        assert "已对3份申报" in flash(page)
        logout(page)

        # --- the center ---------------------------------------------------------------------
        login(page, base, "admin")
        visit(page, base + "/center", "center-overview")
        visit(page, base + "/applications?state=center_review", "center-queue")
        boxes = page.locator("input[name=ids]")
        assert boxes.count() == 3
        for i in range(3):
            boxes.nth(i).check()
        page.select_option("#b-result", "通过")
        page.click("button[formaction='/center/offline']")
        assert "已登记3份申报的线下形式审查结果：通过" in flash(page)
        boxes = page.locator("input[name=ids]")
        for i in range(3):
            boxes.nth(i).check()
        page.select_option("#b-decision", "pass")
        page.click("fieldset.bulk button[type=submit]:not([formaction])")
        assert "已对3份申报作出“审核通过”决定" in flash(page)
        for path, name in (("/center/units", "units"), ("/center/accounts", "accounts"),
                           ("/publicities", None), ("/applications", None)):
            visit(page, base + path, name)

        # --- a forged form is refused: CSRF -----------------------------------------------------
        visit(page, base + "/center/accounts")
        page.evaluate("() => document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'forged')")
        page.fill("#a-username", "intruder")
        page.fill("#a-name", "入侵者")
        page.fill("#a-password", "whatever-123")
        page.click("form.card button[type=submit]")
        assert "CSRF" in page.content()
        b.close()

    final = states(db_url)
    assert sorted(final.values()).count("center_passed") == 3, final
    assert list(final.values()).count("returned") == 1, final
    assert "intruder" not in cli(env, "users", "list")
