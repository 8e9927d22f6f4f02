"""The root command loads its commands lazily (zhicheng.cli.root.COMMANDS): the table and the
commands stay in step, `zhicheng --help` imports no command, and a command imports only its own."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

import click

import zhicheng.cli
from zhicheng.cli.root import COMMANDS, cli


def test_the_table_names_each_command_with_its_own_help() -> None:
    ctx = click.Context(cli, info_name="zhicheng")
    for name, (_, short) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name, name
        assert inspect.cleandoc(command.help or "").split("\n\n")[0] == short, name
    assert cli.get_command(ctx, "no-such-command") is None


def test_every_top_level_command_of_the_cli_modules_is_in_the_table() -> None:
    defined: set[click.Command] = set()
    for info in pkgutil.iter_modules(zhicheng.cli.__path__):
        module = importlib.import_module(f"zhicheng.cli.{info.name}")
        defined |= {v for v in vars(module).values() if isinstance(v, click.Command) and v is not cli}
    nested = {c for g in defined if isinstance(g, click.Group) for c in g.commands.values()}
    ctx = click.Context(cli)
    assert defined - nested == {cli.get_command(ctx, name) for name in COMMANDS}


def loaded_by(*args: str) -> list[str]:
    """The product modules a child `zhicheng ARGS` has imported when it exits."""
    code = ("import sys, json\nfrom zhicheng.cli import main\nsys.argv = ['zhicheng', *json.loads(sys.argv[1])]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True,
                          check=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_the_root_help_imports_no_command_and_no_database() -> None:
    modules = loaded_by("--help")
    assert not [m for m in modules if m.split(".")[0] in ("sqlalchemy", "dramatiq", "alembic", "reports",
                                                          "console", "workers", "intake")]
    assert [m for m in modules if m.startswith("zhicheng.cli.")] == [
        "zhicheng.cli.common", "zhicheng.cli.root", "zhicheng.cli.terminal"]


def test_a_command_imports_its_own_module_only() -> None:
    modules = loaded_by("units", "--help")
    assert "zhicheng.cli.units" in modules
    assert not {"zhicheng.cli.report", "zhicheng.cli.serve", "zhicheng.cli.demo", "reports.packet",
                "console.web"} & set(modules)
