"""Console accounts on both databases: roles, hashing, disabling, throttled logins, one-time tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pipeline.services import accounts
from pipeline.services.unit_records import UnitData
from pipeline.services.units import register
from pipeline.storage.db.models import Event, User
from tests.cli_support import invoke

UNIT = "91430000183765427C"


@pytest.fixture
def unit(ctx):
    register(ctx, UnitData(UNIT, "设计院", status="已审核"))
    return UNIT


def test_an_account_is_stored_with_a_password_hash_and_logs_in(ctx, unit) -> None:
    accounts.add_user(ctx, "li.jb", "李经办", "s3cret-pass", "unit_clerk", unit.lower(), actor="命令行")
    with ctx.db.uow() as s:
        row = s.scalars(select(User)).one()
        assert row.unit_code == UNIT and row.password_hash.startswith("$argon2id$")
        assert "s3cret-pass" not in row.password_hash
        assert s.scalars(select(Event.action).where(Event.subject == "user")).all() == ["user.added"]
    acct = accounts.login(ctx, "li.jb", "s3cret-pass", "10.0.0.1")
    assert acct is not None and acct.actor == "李经办（li.jb）" and acct.role_label == "单位经办人"
    assert accounts.login(ctx, "li.jb", "wrong-pass", "10.0.0.1") is None
    assert accounts.login(ctx, "nobody", "s3cret-pass", "10.0.0.1") is None


@pytest.mark.parametrize("args, message", [
    (("ab", "名", "long-enough", "unit_clerk", UNIT), "用户名"),
    (("clerk", "", "long-enough", "unit_clerk", UNIT), "姓名"),
    (("clerk", "名", "short", "unit_clerk", UNIT), "密码至少8个字符"),
    (("clerk", "名", "long-enough", "boss", UNIT), "角色"),
    (("clerk", "名", "long-enough", "unit_clerk", None), "单位经办人须指定所属单位"),
    (("clerk", "名", "long-enough", "center_admin", UNIT), "中心的账号不属于任何单位"),
    (("clerk", "名", "long-enough", "unit_clerk", "91430111MA4PQ7R264"), "未注册"),
])
def test_a_bad_account_is_refused_with_a_reason_and_nothing_is_stored(ctx, unit, args, message) -> None:
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add_user(ctx, *args)
    assert accounts.list_users(ctx) == []


def test_a_user_name_is_taken_once(ctx, unit) -> None:
    accounts.add_user(ctx, "admin", "王", "long-enough", "center_admin")
    with pytest.raises(accounts.AccountError, match="已被使用"):
        accounts.add_user(ctx, "admin", "赵", "long-enough", "center_reviewer")
    assert [u["display_name"] for u in accounts.list_users(ctx)] == ["王"]


def test_disabling_and_resetting_end_the_sessions(ctx, unit) -> None:
    uid = accounts.add_user(ctx, "admin", "王", "long-enough", "center_admin")
    accounts.set_disabled(ctx, "admin", True)
    assert accounts.account(ctx, uid) is None
    assert accounts.login(ctx, "admin", "long-enough", "c") is None
    accounts.set_disabled(ctx, "admin", False)
    accounts.reset_password(ctx, "admin", "another-one")
    assert accounts.login(ctx, "admin", "long-enough", "c") is None
    assert accounts.login(ctx, "admin", "another-one", "c") is not None
    with pytest.raises(accounts.AccountError, match="不存在"):
        accounts.reset_password(ctx, "ghost", "another-one")


def test_logins_are_throttled_per_user_name_and_per_client(ctx, unit) -> None:
    accounts.add_user(ctx, "admin", "王", "long-enough", "center_admin")
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        assert accounts.login(ctx, "admin", "guess", f"10.0.0.{_}") is None
    with pytest.raises(accounts.Throttled):
        accounts.login(ctx, "admin", "long-enough", "10.9.9.9")   # even the right password
    for n in range(accounts.MAX_FAILURES_PER_CLIENT):
        accounts.login(ctx, f"guess{n}", "x", "10.1.1.1")
    with pytest.raises(accounts.Throttled):
        accounts.login(ctx, "someone-else", "x", "10.1.1.1")


def test_a_one_time_form_token_is_accepted_once(ctx) -> None:
    assert accounts.use_form_token(ctx, "a" * 32, 1) is True
    assert accounts.use_form_token(ctx, "a" * 32, 1) is False
    assert accounts.use_form_token(ctx, "", 1) is False


def test_the_users_commands(settings, unit) -> None:
    import json

    def run(*args: str, input: str | None = None):
        return invoke(settings.data_dir, settings.resolved_database_url, *args, input=input)

    first = run("users", "add", "admin", "--name", "王明", "--role", "center_admin",
                input="long-enough\nlong-enough\n")            # prompted twice, never echoed
    assert first.exit_code == 0, first.output
    clerk = run("users", "add", "li.jb", "--name", "李", "--role", "unit_clerk", "--unit", UNIT,
                "--password", "long-enough", "--json")
    assert clerk.exit_code == 0 and json.loads(clerk.stdout)["unit_code"] == UNIT
    refused = run("users", "add", "x123", "--name", "某", "--role", "unit_clerk", "--password", "long-enough")
    assert refused.exit_code == 3 and "单位经办人须指定所属单位" in refused.output  # refused: exit 3
    assert run("users", "disable", "li.jb").exit_code == 0
    listed = json.loads(run("users", "list", "--json").stdout)
    assert [(u["username"], u["disabled"]) for u in listed] == [("admin", False), ("li.jb", True)]
    assert run("users", "reset-password", "admin", "--password", "another-one").exit_code == 0
    assert run("users", "disable", "ghost").exit_code != 0
