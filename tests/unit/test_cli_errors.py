"""The CLI's one error handler (zhicheng.cli.common.Root): every kind of the error tree a command
lets out becomes `错误：…` on stderr and the kind's exit code; a bug stays a traceback (exit 1)."""

from __future__ import annotations

import errno
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.errors import KINDS, ZhichengError
from tests.cli_support import invoke
from zhicheng.cli.common import Fail, Root


def group_raising(exc: BaseException) -> click.Group:
    @click.group(cls=Root)
    def root() -> None:
        pass

    @root.command()
    def act() -> None:
        raise exc

    return root


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_the_tree_exits_with_its_code_and_a_chinese_message(kind: type[ZhichengError]) -> None:
    result = CliRunner().invoke(group_raising(kind("出了问题")), ["act"])
    assert result.exit_code == kind.exit_code, result.output
    assert result.output == "错误：出了问题\n"


def test_an_environment_fault_is_classified_and_a_missing_file_is_not_found(tmp_path: Path) -> None:
    full = CliRunner().invoke(group_raising(OSError(errno.ENOSPC, "No space", str(tmp_path / "x"))), ["act"])
    assert full.exit_code == 7 and full.output.startswith("错误：") and str(tmp_path / "x") in full.output
    missing = CliRunner().invoke(group_raising(FileNotFoundError(2, "No such file", "批次.zip")), ["act"])
    assert (missing.exit_code, missing.output) == (4, "错误：找不到文件或文件夹“批次.zip”\n")


def test_fail_is_a_refusal_and_a_bug_is_not_hidden() -> None:
    refused = CliRunner().invoke(group_raising(Fail("不行")), ["act"])
    assert (refused.exit_code, refused.output) == (3, "错误：不行\n")
    bug = CliRunner().invoke(group_raising(KeyError("x")), ["act"])
    assert bug.exit_code == 1 and isinstance(bug.exception, KeyError)


def test_a_real_command_lets_its_not_found_reach_the_handler(tmp_path: Path) -> None:
    assert invoke(tmp_path / "var", None, "init").exit_code == 0
    shown = invoke(tmp_path / "var", None, "apps", "show", "999")
    assert shown.exit_code == 4 and shown.output.startswith("错误：") and "999" in shown.output, shown.output
