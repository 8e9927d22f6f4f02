"""The root command: its options, the table of its commands, and the one place errors become exit
codes (common.Root).

The commands are loaded lazily (Click's LazyGroup pattern): the table names the module and the
attribute of each, and the short help `zhicheng --help` shows, so that the root's help loads no
command and a command loads only its own module (tests/unit/test_cli_lazy.py keeps the table
and the commands in step).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from zhicheng.cli.common import Obj, Root, exit_codes_epilog

# name -> ("module:attribute", the first paragraph of the command's help)
COMMANDS: dict[str, tuple[str, str]] = {
    "apps": ("zhicheng.cli.apps:apps", "查看申报。"),
    "demo": ("zhicheng.cli.demo:demo", "生成一个逼真的样例批次，在内嵌模式下走完所有阶段，并说明结果在哪里。"),
    "init": ("zhicheng.cli.operations:init", "创建或升级数据库。"),
    "intake": ("zhicheng.cli.intake:intake", "批量导入申报。"),
    "jobs": ("zhicheng.cli.jobs:jobs", "定时任务：关闭到期公示、自动推荐上报、重新发送停滞的处理。"),
    "publicity": ("zhicheng.cli.publicity:publicity", "所在单位申报公示：开始公示、登记与处理异议、关闭到期公示。"),
    "recheck": ("zhicheng.cli.intake:recheck",
                "单位注册或评审规则修正后，重新检查被自动检查退回的申报（已识别的文字不再重新识别）。"),
    "recommend": ("zhicheng.cli.recommend:recommend", "单位推荐上报：把公示通过的申报报送上级（主管单位或中心）。"),
    "report": ("zhicheng.cli.report:report", "生成审核包、公示名单、推荐上报名单与待审核清单（PDF/XLSX）。"),
    "retry": ("zhicheng.cli.operations:retry", "排除故障后，重新处理技术故障（failed）的申报。"),
    "review": ("zhicheng.cli.review:review", "审核队列与审核决定（所在单位初审、主管单位审核、中心形式审查）。"),
    "scheduler": ("zhicheng.cli.jobs:scheduler",
                  "运行定时任务：关闭到期公示、按规则集自动推荐上报、重新发送停滞的自动处理。"),
    "serve": ("zhicheng.cli.serve:serve", "运行工作台（网页）与 HTTP 接口：/api/v1（批次与单份申报的上传、"
              "回执与状态查询）、/healthz、/openapi.json。"),
    "status": ("zhicheng.cli.operations:status", "各状态数量、队列积压与需要处理的问题；给出批次号时显示该批次回执。"),
    "units": ("zhicheng.cli.units:units", "单位注册、审核与上下级关系。"),
    "users": ("zhicheng.cli.users:users", "工作台账号：建立、列出、停用、重置密码（第一个中心管理员在这里建立）。"),
    "worker": ("zhicheng.cli.operations:worker", "运行队列处理进程（Redis 模式）；内嵌模式下处理完所有待处理的申报后退出。"),
}


class LazyRoot(Root):
    """The root group whose commands are imported when they are invoked (or asked for)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}:{attribute} is not a Click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `zhicheng --help`, from the table: no command is imported."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [(name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
                for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyRoot, context_settings={"help_option_names": ["-h", "--help"]},
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
