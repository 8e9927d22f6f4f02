"""Running the `zhicheng` command in tests: in a child process, as an operator's shell would
(`zhicheng`, with `environment`), or in this process on the same Click tree (`invoke`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

ZHICHENG = [sys.executable, "-m", "zhicheng"]   # as a shell runs it (shlex.join for scripts)
TIMEOUT = 180


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float

    def __str__(self) -> str:
        return (f"zhicheng {' '.join(self.args)} → {self.code} in {self.seconds:.1f} s\n"
                f"stdout:\n{self.out}\nstderr:\n{self.err}")


def environment(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without any ZHICHENG_* setting, then the data directory, the
    database (when given) and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHENG_")}
    env["ZHICHENG_DATA_DIR"] = str(data_dir)
    if database_url:
        env["ZHICHENG_DATABASE_URL"] = database_url
    return {**env, **extra}


def zhicheng(*args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = TIMEOUT) -> Run:
    """One call of the real command in a child process."""
    started = time.monotonic()
    proc = subprocess.run([*ZHICHENG, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout)
    return Run(args, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def invoke(data_dir: Path, database_url: str | None, *args: str, input: str | None = None) -> Result:
    """One call of the command in this process (Click's runner), on this data directory and database."""
    from zhicheng.cli import build

    base = ["--data-dir", str(data_dir)] + (["--database-url", database_url] if database_url else [])
    return CliRunner().invoke(build(), [*base, *args], input=input, prog_name="zhicheng")
