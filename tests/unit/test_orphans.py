"""Owners of claims: a live process, a killed one, a reused pid, another host."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import datetime, timedelta

from pipeline.services import orphans

NOW = datetime(2026, 12, 2, 9, 0)


def test_this_process_is_alive_and_a_killed_one_is_not() -> None:
    assert orphans.alive(orphans.current(), NOW, NOW)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host, boot, _, _ = orphans.current().split("|")
    owner = f"{host}|{boot}|{child.pid}|{orphans._start_time(child.pid)}"
    assert orphans.alive(owner, NOW, NOW)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not orphans.alive(owner, NOW, NOW)


def test_a_reused_pid_or_another_boot_is_dead() -> None:
    host, boot, pid, started = orphans.current().split("|")
    assert not orphans.alive(f"{host}|{boot}|{pid}|{int(started) - 1}", NOW, NOW)
    assert not orphans.alive(f"{host}|another-boot|{pid}|{started}", NOW, NOW)


def test_another_host_or_an_old_row_is_judged_by_age() -> None:
    elsewhere = "other-host[1]|b|1|1"
    assert orphans.alive(elsewhere, NOW - timedelta(minutes=29), NOW)
    assert not orphans.alive(elsewhere, NOW - timedelta(minutes=31), NOW)
    assert orphans.alive(None, NOW - timedelta(minutes=1), NOW)       # a row from before owners
    assert not orphans.alive(None, NOW - timedelta(hours=1), NOW)
