"""Recovery over Redis with real worker processes: a worker killed with SIGKILL in the middle of a
batch, and Redis flushed in the middle of another. Every application still reaches its state,
and nothing happens twice (no duplicated findings, transitions or batch entries)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.domain.states import AUTOMATIC, State
from pipeline.services import queries
from pipeline.services.jobs import run_job
from pipeline.settings import Settings
from pipeline.storage.db.models import BatchItem, Event, FindingRow
from tests.conftest import unavailable
from tests.e2e.test_redis_workers import start_worker, stop_worker
from tests.helpers import register_sample_units
from zhicheng.app import import_batch
from zhicheng.bootstrap import Runtime, bootstrap
from zhicheng.sample import make_batch

# Short timings so that recovery acts within the test: a stage is leased for 8 s, and work that
# has not moved for 3 s (with its lease run out) is sent again.
# Chunks of two applications: with work counted as stuck after 3 s, a message must not hold
# 25 applications' work (the others of a deep queue would be resent and counted meanwhile).
# Each resend of stuck work counts an attempt, so on a loaded machine, where the restarted worker
# takes several 3-second rounds to come up, the cap is set above the rounds it may take.
FAST = dict(stage_lease_seconds=8, stuck_after_seconds=3, worker_threads=2, stage_chunk=2,
            stage_attempt_cap=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis server of this test's own (so that flushing it disturbs nobody), nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server", "the redis-server binary is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        proc.kill()
        unavailable("redis-server", "did not start")
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    proc.terminate()
    proc.wait(10)


def runtime_on(settings: Settings, broker_url: str) -> Runtime:
    return bootstrap(settings.with_(broker_url=broker_url,
                                    queue_namespace=f"zhicheng-test-{uuid.uuid4().hex[:8]}", **FAST))


def wait_for_progress(rt: Runtime, batch_id: int, total: int, done_at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if total - queries.batch_pending(rt.ctx, batch_id) >= done_at_least:
            return
        time.sleep(0.05)
    raise AssertionError("the batch did not start moving")


def recover_until_done(rt: Runtime, batch_id: int, timeout: float = 240) -> None:
    """What the scheduler does: run the recovery sweep until nothing waits."""
    deadline = time.monotonic() + timeout
    while queries.batch_pending(rt.ctx, batch_id):
        assert time.monotonic() < deadline, queries.overview(rt.ctx)["stuck"]
        run_job(rt.ctx, "recover-stuck", rt.queue.send)
        time.sleep(1)


def assert_each_once(rt: Runtime, batch_id: int, total: int) -> None:
    apps = queries.list_applications(rt.ctx, batch=batch_id)
    assert len(apps) == total
    assert not [(a["id"], a["state"], a["last_error"]) for a in apps
                if a["state"] in AUTOMATIC or a["state"] == State.FAILED]
    ids = [a["id"] for a in apps]
    with rt.ctx.db.uow() as s:
        duplicated_findings = s.execute(
            select(FindingRow.application_id, FindingRow.stage, FindingRow.rule,
                   FindingRow.material, FindingRow.message, func.count())
            .where(FindingRow.application_id.in_(ids))
            .group_by(FindingRow.application_id, FindingRow.stage, FindingRow.rule,
                      FindingRow.material, FindingRow.message)
            .having(func.count() > 1)).all()
        assert duplicated_findings == []
        transitions = s.execute(
            select(Event.application_id, Event.to_state, func.count())
            .where(Event.application_id.in_(ids), Event.to_state.is_not(None))
            .group_by(Event.application_id, Event.to_state)).all()
        assert [t for t in transitions if t[2] != 1] == []  # each state entered once
        entered = {(a, st) for a, st, _ in transitions}
        # An applicant whose unit cannot file is returned at intake, before any stage runs.
        blocked = set(s.scalars(select(Event.application_id).where(
            Event.application_id.in_(ids), Event.action == "intake.blocked")))
        assert len(blocked) < total
        for app_id in ids:
            stages = (State.RECEIVED, State.RETURNED) if app_id in blocked else (
                State.RECEIVED, State.NORMALIZED, State.EXTRACTED, State.CHECKED)
            for state in stages:
                assert (app_id, str(state)) in entered
        items = s.scalar(select(func.count()).select_from(BatchItem).where(BatchItem.batch_id == batch_id))
        assert items == total


Disrupt = Callable[[subprocess.Popen[bytes], Runtime], subprocess.Popen[bytes]]


def disrupted_batch(settings: Settings, broker_url: str, tmp_path: Path, seed: int,
                    disrupt: Disrupt) -> None:
    """A 40-applicant batch through a real worker; `disrupt(worker, runtime)` strikes once some
    of it is done (and returns the worker to go on with); recovery then brings every application
    to its state, and nothing happens twice."""
    rt = runtime_on(settings, broker_url)
    try:
        register_sample_units(rt.ctx)
        sample = make_batch(tmp_path / "in", applicants=40, seed=seed, light=True)
        total = len(sample.applicants)
        worker = start_worker(rt.settings)
        try:
            batch_id = import_batch(rt, sample.path, wait=False)
            wait_for_progress(rt, batch_id, total, done_at_least=3)
            worker = disrupt(worker, rt)
            assert queries.batch_pending(rt.ctx, batch_id) > 0, "the batch finished before the strike"
            recover_until_done(rt, batch_id)
        finally:
            stop_worker(worker)
        assert_each_once(rt, batch_id, total)
    finally:
        rt.close()


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(settings: Settings,
                                                                     redis_url: str,
                                                                     tmp_path: Path) -> None:
    def kill(worker: subprocess.Popen[bytes], rt: Runtime) -> subprocess.Popen[bytes]:
        os.killpg(worker.pid, signal.SIGKILL)  # no goodbye: leases held, messages unacked
        worker.wait()
        return start_worker(rt.settings)

    disrupted_batch(settings, redis_url, tmp_path, 21, kill)


def test_redis_flushed_mid_batch_loses_nothing_and_repeats_nothing(settings: Settings,
                                                                   private_redis: str,
                                                                   tmp_path: Path) -> None:
    import redis

    def flush(worker: subprocess.Popen[bytes], rt: Runtime) -> subprocess.Popen[bytes]:
        client = redis.Redis.from_url(private_redis)
        client.flushall()  # as a Redis restarted without its data: every queue is gone
        client.close()
        return worker

    disrupted_batch(settings, private_redis, tmp_path, 22, flush)
