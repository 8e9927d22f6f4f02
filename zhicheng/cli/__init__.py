"""The `zhicheng` command: the operator's one tool (docs/reference.md §5)."""

from __future__ import annotations

import click

from zhicheng.cli.root import cli
from zhicheng.cli.terminal import install


def build() -> click.Group:
    """The root command (its commands load when they are used)."""
    return cli


def main() -> None:
    install()  # nothing a unit typed can act on the operator's terminal
    build()(prog_name="zhicheng")
