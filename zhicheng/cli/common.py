"""What every command shares: settings from options and environment, the runtime, output, errors."""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.errors import ConfigError, NotFound, PermanentFault, Refused, TransientFault, ZhichengError, classify
from pipeline.settings import Settings

if TYPE_CHECKING:
    from zhicheng.bootstrap import Runtime


class Obj:
    """The click context object: options given to the root command, the runtime made lazily."""

    def __init__(self, data_dir: Path | None, database_url: str | None, broker_url: str | None,
                 rules_path: Path | None = None):
        try:
            self.settings = Settings.from_env(os.environ, data_dir=data_dir, database_url=database_url,
                                              broker_url=broker_url, rules_path=rules_path)
        except ValueError as exc:  # a ZHICHENG_* number that is not one
            raise ConfigError(f"ZHICHENG_* 环境变量设置有误（{exc}）；请改正后重试") from None
        self._runtime: Runtime | None = None

    def runtime(self, *, schema: bool = True) -> Runtime:
        """The wired runtime, made at the first call (with the schema checked unless told not to)."""
        # The CLI's one deferred import: the root group and `--help` must not load the database,
        # the broker and the stages; the first command that asks for the runtime does.
        from zhicheng import app

        if self._runtime is None:
            self._runtime = app.open_runtime(self.settings)
        if schema:
            app.ready(self._runtime, notice=say)
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


def emit_json(data: Any) -> None:
    """One JSON document on stdout, nothing else there."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def say(message: str = "") -> None:
    """A line for the person at the terminal (stderr, so stdout stays for ids and JSON)."""
    click.echo(message, err=True)


EXIT_CODES = (
    (0, "成功"),
    (1, "程序内部错误（意外异常，详情见日志）"),
    (2, "命令用法错误（未知选项、缺少参数）"),
    (Refused.exit_code, "请求未执行：不符合规则或流程（如审核顺序不对、输入有误）"),
    (NotFound.exit_code, "要找的批次、申报、单位、任务或文件不存在"),
    (ConfigError.exit_code, "配置错误：规则集、日历、设置有误，或数据目录不可写"),
    (PermanentFault.exit_code, "技术故障，重试也无法解决"),
    (TransientFault.exit_code, "暂时的技术故障（数据库被锁定或无法连接、磁盘已满、存储不可达），可稍后重试"),
)


def exit_codes_epilog() -> str:
    """The exit codes as shown at the end of `zhicheng --help`."""
    lines = ["退出码："] + [f"  {code}  {text}" for code, text in EXIT_CODES]
    return "\b\n" + "\n".join(lines) + "\n\n（详见 docs/errors.md）"


def as_known_error(exc: BaseException, data_dir: Path | None = None) -> ZhichengError | None:
    """The error tree's class for an exception a command let out, or None for a bug."""
    known = classify(exc, data_dir)
    if known is not None:
        return known
    if isinstance(exc, FileNotFoundError):
        return NotFound(f"找不到文件或文件夹“{exc.filename}”")
    if isinstance(exc, TimeoutError):
        return TransientFault(str(exc))
    return None


class Root(click.Group):
    """The root group: the one place where an error becomes a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            obj = ctx.find_object(Obj)
            known = as_known_error(exc, obj.settings.data_dir if obj else None)
            if known is None:
                raise  # a bug: Python's traceback, exit 1
            logging.getLogger("zhicheng.cli").info("%s: %s", type(known).__name__, known,
                                                   exc_info=exc is not known)
            click.echo(f"错误：{known}", err=True)
            ctx.exit(known.exit_code)


class Fail(click.ClickException):
    """An operator's request that cannot be done: `错误：…` on stderr, exit code 3."""

    exit_code = Refused.exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


# Generic from Click 8.2 on; written bare so that the Click 8.1 the project allows still runs it.
class DateType(click.ParamType):  # type: ignore[type-arg]
    """A date written 2026-10-08, refused in Chinese otherwise."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"日期“{value}”无效，请写作 2026-10-08", param, ctx)


DATE = DateType()
