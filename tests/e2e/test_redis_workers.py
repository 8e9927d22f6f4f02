"""The broker mode: a batch imported here is processed by real worker processes over Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.domain.states import AUTOMATIC, State
from pipeline.services import queries
from pipeline.settings import Settings
from tests.helpers import register_sample_units, rules_of
from zhicheng.app import import_batch
from zhicheng.bootstrap import Runtime, bootstrap
from zhicheng.sample import make_batch


@pytest.fixture
def redis_settings(settings: Settings, redis_url: str) -> Iterator[Settings]:
    namespace = f"zhicheng-test-{uuid.uuid4().hex[:8]}"
    yield settings.with_(broker_url=redis_url, queue_namespace=namespace)
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_runtime(redis_settings: Settings) -> Iterator[Runtime]:
    rt = bootstrap(redis_settings)
    yield rt
    rt.close()


def start_worker(settings: Settings, processes: int = 1) -> subprocess.Popen[bytes]:
    """`zhicheng worker` as a real child process with these settings."""
    env = {**os.environ, **settings.as_env(), "ZHICHENG_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "zhicheng", "worker", "--processes", str(processes),
         "--threads", "2"], env=env, start_new_session=True)


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_batch_is_processed_by_worker_processes_over_redis(redis_runtime: Runtime,
                                                             tmp_path: Path) -> None:
    register_sample_units(redis_runtime.ctx)
    sample = make_batch(tmp_path / "in", applicants=10, seed=11, light=True)
    worker = start_worker(redis_runtime.settings, processes=2)
    try:
        batch_id = import_batch(redis_runtime, sample.path, wait=True, timeout=180)
    finally:
        stop_worker(worker)
    apps = {a["id_number"]: a for a in queries.list_applications(redis_runtime.ctx, batch=batch_id)}
    assert len(apps) == len(sample.applicants)
    for id_number, expected in sample.expected.items():
        assert apps[id_number]["state"] not in AUTOMATIC
        assert set(expected) <= rules_of(apps[id_number])
        if not expected:
            assert apps[id_number]["state"] == State.UNIT_REVIEW


def test_work_sent_while_no_worker_runs_waits_in_redis_until_one_starts(redis_runtime: Runtime,
                                                                        tmp_path: Path) -> None:
    register_sample_units(redis_runtime.ctx)
    sample = make_batch(tmp_path / "in", applicants=4, seed=12, light=True, flaws=False)
    batch_id = import_batch(redis_runtime, sample.path, wait=False)
    assert queries.batch_pending(redis_runtime.ctx, batch_id) == 4  # nobody has processed it
    worker = start_worker(redis_runtime.settings)
    try:
        from zhicheng.app import wait_for_batch

        wait_for_batch(redis_runtime, batch_id, timeout=180)
    finally:
        stop_worker(worker)
    states = {a["state"] for a in queries.list_applications(redis_runtime.ctx, batch=batch_id)}
    assert states == {State.UNIT_REVIEW}
