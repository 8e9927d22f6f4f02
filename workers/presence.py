"""Which workers are running: each worker process leaves a mark that disappears when it ends.

- Redis mode: a heartbeat in Redis (`<namespace>:zhicheng:workers`, a sorted set of worker ->
  last beat), written every few seconds by a thread of each worker process; a worker whose last
  beat is older than STALE is gone (killed, or its machine is down).
- Embedded mode: the process that runs the stages holds an `flock` on a file in this machine's
  own directory, one folder per database; the lock goes with the process, even on SIGKILL.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.settings import Settings

BEAT = 5.0      # seconds between heartbeats
STALE = 30.0    # a worker silent for longer is counted as gone


def worker_id() -> str:
    """This process, as operators know it: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _key(settings: Settings) -> str:
    return f"{settings.queue_namespace}:zhicheng:workers"


def _folder(settings: Settings) -> Path:
    db = hashlib.sha256(settings.resolved_database_url.encode()).hexdigest()[:16]
    return settings.machine_dir / "workers" / db


@contextmanager
def present(settings: Settings, queues: list[str]) -> Iterator[None]:
    """Mark this process as a running worker while the block runs."""
    if settings.embedded:
        folder = _folder(settings)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{os.getpid()}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            path.unlink(missing_ok=True)
        return
    stop = threading.Event()
    thread = threading.Thread(target=beat, args=(settings, queues, stop), daemon=True,
                              name="zhicheng-heartbeat")
    thread.start()
    try:
        yield
    finally:
        stop.set()


def beat(settings: Settings, queues: list[str], stop: threading.Event) -> None:
    """Write this worker's heartbeat until `stop` is set (a lost Redis is retried quietly)."""
    import redis

    client = redis.Redis.from_url(settings.broker_url or "", socket_timeout=5)
    me = f"{worker_id()}:{','.join(queues)}"
    while not stop.is_set():
        try:
            client.zadd(_key(settings), {me: time.time()})
        except redis.RedisError:
            pass  # the broker is away: the worker cannot work either; the mark goes stale
        stop.wait(BEAT)
    try:
        client.zrem(_key(settings), me)
    except redis.RedisError:
        pass
    client.close()


def running(settings: Settings) -> list[dict[str, Any]]:
    """The workers running now: [{"worker": "host:pid", "queues": [...]}]. Raises on a broker error."""
    if settings.embedded:
        out = []
        folder = _folder(settings)
        for path in sorted(folder.glob("*.lock")) if folder.is_dir() else []:
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # held: that worker is alive
                out.append({"worker": f"{socket.gethostname()}:{path.stem}", "queues": ["*"]})
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
                path.unlink(missing_ok=True)  # left by a process that is gone
            finally:
                os.close(fd)
        return out
    import redis

    client = redis.Redis.from_url(settings.broker_url or "", socket_timeout=5,
                                  socket_connect_timeout=5)
    try:
        now = time.time()
        client.zremrangebyscore(_key(settings), 0, now - STALE)
        marks = client.zrangebyscore(_key(settings), now - STALE, "+inf")
    finally:
        client.close()
    out = []
    for raw in marks:
        mark = raw.decode() if isinstance(raw, bytes) else str(raw)
        host, pid, queues = mark.rsplit(":", 2)
        out.append({"worker": f"{host}:{pid}", "queues": queues.split(",") if queues else ["*"]})
    return out
