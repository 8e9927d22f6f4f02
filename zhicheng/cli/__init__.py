"""The `zhicheng` command: the operator's one tool (CONTRACTS §5)."""

from zhicheng.cli.root import main

__all__ = ["main"]
