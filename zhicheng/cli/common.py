"""What every command shares: settings from options and environment, the runtime, output, errors."""

from __future__ import annotations

import json
import os
import sys
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import click

from pipeline.settings import Settings
from zhicheng.bootstrap import Runtime, bootstrap


class Obj:
    """The click context object: options given to the root command, the runtime made lazily."""

    def __init__(self, data_dir: Path | None, database_url: str | None, broker_url: str | None,
                 rules_path: Path | None = None):
        self.settings = Settings.from_env(os.environ, data_dir=data_dir, database_url=database_url,
                                          broker_url=broker_url, rules_path=rules_path)
        self._runtime: Runtime | None = None

    def runtime(self, *, schema: bool = True) -> Runtime:
        if self._runtime is None:
            from zhicheng.logs import configure

            configure(self.settings.data_dir)
            self._runtime = bootstrap(self.settings)
        if schema:
            from zhicheng.app import ensure_schema

            ensure_schema(self._runtime)
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


def expected_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a message on stderr and exit code 1, no traceback."""
    from pipeline.rules.ruleset import RuleSetError
    from pipeline.services.queries import NotFound
    from pipeline.services.errors import WorkflowError
    from pipeline.services.jobs import UnknownJob
    from pipeline.services.units import UnitError
    from pipeline.domain.states import InvalidTransition
    from pipeline.domain.workdays import CalendarFileError, CalendarUnknown
    from pipeline.storage.faults import StoreFault
    from zhicheng.app import SchemaNotReady

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (NotFound, UnitError, InvalidTransition, SchemaNotReady, TimeoutError,
                RuleSetError, WorkflowError, CalendarUnknown, CalendarFileError,
                UnknownJob, StoreFault) as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(1)
        except FileNotFoundError as exc:
            click.echo(f"错误：找不到文件或文件夹“{exc.filename}”", err=True)
            sys.exit(1)

    return wrapper


class Fail(click.ClickException):
    """An operator's mistake: `错误：…` on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)
