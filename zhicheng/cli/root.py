"""The root command: its options, and the one place errors become exit codes (common.Root)."""

from __future__ import annotations

from pathlib import Path

import click

from zhicheng.cli.common import Obj, Root, exit_codes_epilog


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=exit_codes_epilog())
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="数据目录（默认 ZHICHENG_DATA_DIR 或 ./var）")
@click.option("--database-url", default=None, help="数据库地址（默认 ZHICHENG_DATABASE_URL 或数据目录下的 SQLite）")
@click.option("--broker-url", default=None, help="队列地址 redis://…（默认 ZHICHENG_BROKER_URL；不设则在本进程内处理）")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), default=None,
              help="年度评审规则集文件（默认 ZHICHENG_RULES 或随软件提供的当年规则）")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, database_url: str | None,
        broker_url: str | None, rules_path: Path | None) -> None:
    """zhicheng：职称申报材料批量审核流水线。"""
    obj = Obj(data_dir, database_url, broker_url, rules_path)
    ctx.obj = obj
    ctx.call_on_close(obj.close)
