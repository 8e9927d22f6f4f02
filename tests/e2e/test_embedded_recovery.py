"""The embedded mode after a crash: a real `zhicheng intake import` killed with SIGKILL in the
middle of a batch leaves work leased by a dead process, and work waiting on the OCR queue.
`status` says what waits and which command moves it; `zhicheng worker` (and a re-import with
`--wait`) sends each application again to the stage it actually waits for, once the dead
process's lease runs out, and ends when nothing is left; a wait past its bound says so in
Chinese instead of hanging."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.context import Context
from pipeline.domain.states import WAITING, State
from pipeline.settings import Settings
from pipeline.storage.db.models import Application, Event
from tests.helpers import register_sample_units
from zhicheng.sample import make_batch


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(make_batch(tmp_path_factory.mktemp("batch"), applicants=40, seed=11, light=True,
                           flaws=False).path)


def env_for(data: Path, lease: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHENG_")}
    env.update(ZHICHENG_DATA_DIR=str(data), ZHICHENG_OCR_ENGINE="null",
               ZHICHENG_LOCAL_DIR=str(data.parent / "local"),
               ZHICHENG_STAGE_LEASE_SECONDS=str(lease), ZHICHENG_STAGE_CHUNK="1",
               ZHICHENG_LOG_LEVEL="WARNING")
    return env


def zhicheng(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhicheng", *args], env=env, text=True,
                          capture_output=True, timeout=timeout)


def killed_mid_batch(tmp_path: Path, batch: Path, lease: int) -> tuple[dict[str, str], Context]:
    """Init, register units, start an import and SIGKILL it while it holds a lease."""
    data = tmp_path / "var"
    env = env_for(data, lease)
    assert zhicheng(env, "init").returncode == 0
    ctx = Context.from_settings(Settings(data_dir=data, ocr_engine="null"))
    register_sample_units(ctx)
    proc = subprocess.Popen([sys.executable, "-m", "zhicheng", "intake", "import", str(batch)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            with ctx.db.uow() as s:
                leased = s.scalar(select(func.count()).where(
                    Application.state.in_(WAITING), Application.lease_until.is_not(None)))
                moved = s.scalar(select(func.count()).where(Application.state != "received"))
            if leased and moved >= 3:
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the import never held a lease")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return env, ctx


def states(ctx: Context) -> dict[str, int]:
    with ctx.db.uow() as s:
        return dict(s.execute(select(Application.state, func.count()).group_by(Application.state)).all())


def test_after_a_kill_status_says_what_waits_and_worker_finishes_it(tmp_path: Path, batch: Path) -> None:
    env, ctx = killed_mid_batch(tmp_path, batch, lease=5)
    created = sum(states(ctx).values())
    waiting = {k: v for k, v in states(ctx).items() if k in WAITING}
    assert sum(waiting.values()) > 0, "killed too late: nothing left waiting"

    status = zhicheng(env, "status")
    assert status.returncode == 0, status.stderr
    assert "没有运行中的处理进程" in status.stdout and "zhicheng worker" in status.stdout, status.stdout
    assert "没有停滞或故障的申报" not in status.stdout
    health = json.loads(zhicheng(env, "status", "--json").stdout)["health"]
    assert health["workers"]["count"] == 0 and health["waiting"] == sum(waiting.values())
    assert "zhicheng worker" in health["hint"]

    worker = zhicheng(env, "worker", timeout=120)
    assert worker.returncode == 0, worker.stderr
    final = states(ctx)
    assert not set(final) & set(WAITING), final
    assert final == {State.UNIT_REVIEW: created}, final  # the kill came during the import
    with ctx.db.uow() as s:
        twice = s.execute(select(Event.application_id, Event.to_state, func.count())
                          .where(Event.to_state.is_not(None))
                          .group_by(Event.application_id, Event.to_state)
                          .having(func.count() > 1)).all()
        resent = s.scalars(select(Event.reason).where(Event.action == "recovery.resent")).all()
    assert twice == []  # nothing was done twice
    assert any("租约已到期" in r for r in resent), resent  # the dead process's leases
    after = zhicheng(env, "status")
    assert "没有停滞或故障的申报" in after.stdout, after.stdout
    ctx.db.dispose()


def test_a_reimport_sends_each_application_where_it_waits(tmp_path: Path, batch: Path) -> None:
    env, ctx = killed_mid_batch(tmp_path, batch, lease=5)
    again = zhicheng(env, "intake", "import", str(batch), "--wait", "--timeout", "120")
    assert again.returncode == 0, again.stderr
    final = states(ctx)
    assert final == {"unit_review": 40}, final
    ctx.db.dispose()


def test_a_wait_on_a_lease_held_elsewhere_ends_at_its_bound_with_a_message(tmp_path: Path, batch: Path) -> None:
    env, ctx = killed_mid_batch(tmp_path, batch, lease=600)  # the lease outlives the test
    # the unleased work is processed here first; then only the held work is left, and the wait
    # says who holds it, and ends at its bound
    run = zhicheng(env, "intake", "import", str(batch), "--wait", "--timeout", "150", timeout=400)
    assert run.returncode == 7, run.stderr  # a transient fault: the wait ended, the work is safe
    assert "另一个处理进程持有" in run.stderr and "等待超时" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    left = states(ctx)
    assert sum(v for k, v in left.items() if k in WAITING) > 0  # the held ones: left alone
    ctx.db.dispose()
