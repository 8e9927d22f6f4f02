"""Our own environment's faults, really provoked: a Chinese message and the kind's exit code, never
a traceback (docs/errors.md).

- a SQLite database locked by another process past the busy timeout (ZHICHENG_DB_BUSY_SECONDS);
- a data directory mounted read-only (a bind mount in a private mount namespace: root ignores
  permission bits, so chmod alone would prove nothing);
- a full disk (a small tmpfs, filled up).
The mounts need root and `unshare`; without them these tests skip locally and fail in CI.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli_support import ZHICHENG, Run, environment, zhicheng
from tests.conftest import unavailable


def assert_clean(result: Run, code: int, *words: str) -> None:
    assert result.code == code, result
    assert "Traceback" not in result.err and "Logging error" not in result.err, result.err
    assert result.err.startswith("错误："), result.err
    for word in words:
        assert word in result.err, result.err


def in_namespace(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace (its mounts vanish with it)."""
    return subprocess.run(["unshare", "-m", "sh", "-ec", script], env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def mounts() -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        unavailable("root and unshare (for read-only and full mounts)", "not root")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        unavailable("mount namespaces", probe.stderr)


def test_a_database_locked_past_the_busy_timeout_is_a_transient_fault(tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = environment(data, ZHICHENG_DB_BUSY_SECONDS="0.3")
    assert zhicheng("init", env=env).code == 0
    holder = sqlite3.connect(data / "zhicheng.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock and does not let go
    try:
        for args in (["status"], ["units", "register", "--code", "91430100MA4L00011",
                                  "--name", "测试单位", "--kind", "事业单位"]):
            assert_clean(zhicheng(*args, env=env), 7, "锁定", "稍后重试")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert zhicheng("status", env=env).code == 0  # the lock gone, the same command works


def test_a_read_only_data_dir_is_a_configuration_error_for_every_command(tmp_path: Path,
                                                                          mounts: None) -> None:
    data = tmp_path / "var"
    env = environment(data)
    assert zhicheng("init", env=env).code == 0
    commands = [["status"], ["units", "list", "--json"], ["init"], ["apps", "list"]]
    script = f"mount --bind {data} {data}; mount -o remount,bind,ro {data}\n" + "\n".join(
        f"{shlex.join([*ZHICHENG, *args])} 2>{tmp_path}/err{i} || echo $? >{tmp_path}/code{i}"
        for i, args in enumerate(commands))
    done = in_namespace(script, env)
    assert done.returncode == 0, done.stderr
    for i, args in enumerate(commands):
        err = (tmp_path / f"err{i}").read_text(encoding="utf-8")
        code = (tmp_path / f"code{i}").read_text().strip()
        result = Run(tuple(args), int(code), "", err, 0.0)
        assert_clean(result, 5, "只读", "可写")


def test_a_full_disk_is_a_transient_fault_and_changes_nothing(tmp_path: Path, mounts: None) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    data = disk / "var"
    env = environment(data)
    register = shlex.join([*ZHICHENG, "units", "register", "--code", "91430100MA4L00011",
                           "--name", "测试单位", "--kind", "事业单位"])
    script = (f"mount -t tmpfs -o size=3m tmpfs {disk}\n"
              f"{shlex.join([*ZHICHENG, 'init'])} 2>/dev/null\n"
              f"dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null || true\n"
              f"{register} 2>{tmp_path}/err || echo $? >{tmp_path}/code\n"
              f"rm {disk}/filler\n"
              f"{shlex.join([*ZHICHENG, 'units', 'list', '--json'])} >{tmp_path}/units\n")
    done = in_namespace(script, env)
    assert done.returncode == 0, done.stderr
    err = (tmp_path / "err").read_text(encoding="utf-8")
    code = int((tmp_path / "code").read_text())
    assert_clean(Run(("units", "register"), code, "", err, 0.0), 7, "磁盘空间已满", "清理磁盘")
    assert "91430100MA4L00011" not in (tmp_path / "units").read_text(encoding="utf-8")


def test_a_malformed_setting_is_a_configuration_error(tmp_path: Path) -> None:
    result = zhicheng("status", env=environment(tmp_path / "var", ZHICHENG_DB_BUSY_SECONDS="soon"))
    assert_clean(result, 5, "ZHICHENG_", "环境变量")


def test_the_exit_codes_are_listed_in_the_help() -> None:
    shown = zhicheng("--help", env=dict(os.environ)).out
    for code in "1234567":
        assert f"\n    {code}  " in shown, shown
    assert "docs/errors.md" in shown
