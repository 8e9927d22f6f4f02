"""Several "machines" on this one: network namespaces joined to the host by veth pairs (or, where
namespaces are refused, plain processes), each with its own local directory and CPU, against one
PostgreSQL (reached through a relay on the host side of each link), one Redis and one shared
data path. Used by tests/e2e/test_scale_out.py and bench/bench_scale_out.py."""

from __future__ import annotations

import os
import random
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("ZHICHENG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Machine:
    name: str
    address: str                   # how it reaches the services (the host side of its link)
    own_address: str               # how the host reaches it (its metrics port)
    local_dir: Path
    cpu: int | None
    netns: str | None = None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def argv(self, argv: list[str]) -> list[str]:
        pinned = ["taskset", "-c", str(self.cpu)] if self.cpu is not None else []
        return (["ip", "netns", "exec", self.netns] if self.netns else []) + pinned + argv


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def namespaces_work() -> bool:
    """Whether this machine lets us make network namespaces (root, iproute2, no seccomp ban)."""
    name = f"zc-probe-{uuid.uuid4().hex[:6]}"
    try:
        _run("ip", "netns", "add", name)
    except (OSError, subprocess.CalledProcessError):
        return False
    subprocess.run(["ip", "netns", "delete", name], capture_output=True)
    return True


@contextmanager
def machines(count: int, root: Path, *, isolate: bool, cpus: list[int | None]) -> Iterator[list[Machine]]:
    """`count` machines: namespaces with a veth link each (isolate), else processes."""
    made: list[Machine] = []
    tag = uuid.uuid4().hex[:5]
    try:
        for i in range(count):
            local = root / f"machine-{i + 1}-local"
            local.mkdir(parents=True)
            if not isolate:
                made.append(Machine(f"m{i + 1}", "127.0.0.1", "127.0.0.1", local, cpus[i]))
                continue
            ns, host_if, ns_if = f"zc-{tag}-{i + 1}", f"zc{tag}h{i + 1}", f"zc{tag}n{i + 1}"
            a, b = random.randint(64, 127), random.randint(0, 63) * 4
            host_ip, ns_ip = f"10.{a}.{i + 1}.{b + 1}", f"10.{a}.{i + 1}.{b + 2}"
            _run("ip", "netns", "add", ns)
            made.append(Machine(f"m{i + 1}", host_ip, ns_ip, local, cpus[i], ns))
            _run("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
            _run("ip", "link", "set", ns_if, "netns", ns)
            _run("ip", "addr", "add", f"{host_ip}/30", "dev", host_if)
            _run("ip", "link", "set", host_if, "up")
            _run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{ns_ip}/30", "dev", ns_if)
            _run("ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "up")
            _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        yield made
    finally:
        for m in made:
            for p in m.procs:
                stop(p)
            if m.netns:
                subprocess.run(["ip", "netns", "delete", m.netns], capture_output=True)
        for i in range(count):
            subprocess.run(["ip", "link", "delete", f"zc{tag}h{i + 1}"], capture_output=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def relay(hosts: list[str], port: int, target: tuple[str, int]) -> Iterator[None]:
    """Forward TCP from each host:port to target (PostgreSQL listens on loopback only)."""
    listeners = []
    for host in set(hosts):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((host, port))
        srv.listen(64)
        srv.setblocking(False)
        listeners.append(srv)
    sel = selectors.DefaultSelector()
    for srv in listeners:
        sel.register(srv, selectors.EVENT_READ, None)
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            for key, _ in sel.select(timeout=0.2):
                if key.data is None:
                    client, _ = key.fileobj.accept()
                    upstream = socket.create_connection(target)
                    for a, b in ((client, upstream), (upstream, client)):
                        a.setblocking(False)
                        sel.register(a, selectors.EVENT_READ, b)
                    continue
                src, dst = key.fileobj, key.data
                try:
                    data = src.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:  # reset by the other side
                    data = b""
                if not data:
                    for s in (src, dst):
                        try:
                            sel.unregister(s)
                        except (KeyError, ValueError):
                            pass
                        s.close()
                    continue
                try:
                    dst.setblocking(True)
                    dst.sendall(data)
                    dst.setblocking(False)
                except OSError:
                    pass  # the other side is gone: its own read sees it

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        thread.join(5)
        for key in list(sel.get_map().values()):
            key.fileobj.close()


@contextmanager
def redis_server(hosts: list[str], root: Path) -> Iterator[int]:
    """A Redis of our own listening on the given addresses; yields its port."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (scripts/setup installs it)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", *sorted(set(hosts)),
                             "--save", "", "--appendonly", "no", "--dir", str(root),
                             "--protected-mode", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import redis

    client = redis.Redis(host=hosts[0], port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()
    try:
        yield port
    finally:
        stop(proc)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the test server; yields its name."""
    name = f"zhicheng_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_url(host: str, port: int, name: str) -> str:
    return f"postgresql+psycopg://postgres@{host}:{port}/{name}"


def base_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHENG_")}
    env.update(values)
    return env


def start(machine: Machine, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Run a command on the machine (its namespace, its core), in its own process group."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(machine.argv(argv), env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    machine.procs.append(proc)
    return proc


def zhicheng_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "zhicheng", *args]
