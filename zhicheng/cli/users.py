"""`zhicheng users add|list|disable|enable|reset-password`: accounts of the web console."""

from __future__ import annotations

from typing import Any

import click

from pipeline.services import accounts
from zhicheng.cli.common import Obj, emit_json, say

ROLES = click.Choice(list(accounts.ROLES))
PASSWORD: dict[str, Any] = dict(prompt="密码", hide_input=True, confirmation_prompt="再次输入密码",
                help="密码（至少8个字符；不给出时在终端提示输入）")


@click.group()
def users() -> None:
    """工作台账号：建立、列出、停用、重置密码（第一个中心管理员在这里建立）。"""


@users.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名（显示在处理记录中）")
@click.option("--role", type=ROLES, required=True,
              help="unit_clerk 单位经办人 / center_reviewer 中心审核人员 / center_admin 中心管理员")
@click.option("--unit", default=None, help="单位经办人所属单位的统一社会信用代码")
@click.option("--password", **PASSWORD)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def add(obj: Obj, username: str, display_name: str, role: str, unit: str | None, password: str,
        as_json: bool) -> None:
    """建立一个账号。"""
    user_id = accounts.add_user(obj.runtime().ctx, username, display_name, password, role, unit,
                                actor="命令行")
    if as_json:
        emit_json({"id": user_id, "username": username, "role": role, "unit_code": unit})
    else:
        say(f"已建立账号 {username}（{display_name}，{accounts.ROLES[role]}）")


@users.command("list")
@click.option("--unit", default=None, help="只列出该单位的账号")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def list_(obj: Obj, unit: str | None, as_json: bool) -> None:
    """列出账号（不含密码）。"""
    rows = accounts.list_users(obj.runtime().ctx, unit)
    if as_json:
        emit_json(rows)
        return
    for u in rows:
        click.echo(f"{u['username']}\t{u['display_name']}\t{u['role_label']}\t"
                   f"{u['unit_code'] or '中心'}\t{'已停用' if u['disabled'] else '正常'}")
    say(f"共 {len(rows)} 个账号")


@users.command("disable")
@click.argument("username")
@click.pass_obj
def disable(obj: Obj, username: str) -> None:
    """停用账号：其登录会话立即失效。"""
    accounts.set_disabled(obj.runtime().ctx, username, True, actor="命令行")
    say(f"账号 {username} 已停用")


@users.command("enable")
@click.argument("username")
@click.pass_obj
def enable(obj: Obj, username: str) -> None:
    """重新启用已停用的账号。"""
    accounts.set_disabled(obj.runtime().ctx, username, False, actor="命令行")
    say(f"账号 {username} 已启用")


@users.command("reset-password")
@click.argument("username")
@click.option("--password", **PASSWORD)
@click.pass_obj
def reset_password(obj: Obj, username: str, password: str) -> None:
    """重置密码：该账号的所有登录会话立即失效。"""
    accounts.reset_password(obj.runtime().ctx, username, password, actor="命令行")
    say(f"账号 {username} 的密码已重置")
