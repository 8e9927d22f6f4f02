"""The `zhicheng` command: the operator's one tool (docs/reference.md §5)."""

from __future__ import annotations

import click


def build() -> click.Group:
    """The root command with every command group registered on it."""
    from zhicheng.cli import (  # noqa: F401
        apps,
        demo,
        intake,
        jobs,
        operations,
        publicity,
        recommend,
        report,  # (modules register commands)
        review,
        serve,
        units,
        users,
    )
    from zhicheng.cli.root import cli

    return cli


def main() -> None:
    from zhicheng.cli.terminal import install

    install()  # nothing a unit typed can act on the operator's terminal
    build()(prog_name="zhicheng")
