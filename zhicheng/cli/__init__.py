"""The `zhicheng` command: the operator's one tool (CONTRACTS §5)."""

from __future__ import annotations

import click


def build() -> click.Group:
    """The root command with every command group registered on it."""
    from zhicheng.cli import (apps, demo, intake, jobs, publicity, recommend,  # noqa: F401
                              report, review, serve, units, users)  # (modules register commands)
    from zhicheng.cli.root import cli

    return cli


def main() -> None:
    build()(prog_name="zhicheng")
