"""Benchmark: import and process (no OCR) a generated batch; applications per second and peak memory.

    python bench/bench_intake.py --applicants 500                          # SQLite, embedded
    python bench/bench_intake.py --applicants 500 --database postgresql --broker redis --processes 2
    python bench/bench_intake.py --applicants 200 --data-parent /dev/shm   # the store on tmpfs

The batch (light certificates, ~7 files per applicant, no deliberate flaws) is generated once into
bench/out/ and reused. Beside the pipeline's figure it prints the bare work on the same files in
the same run: read each file, SHA-256 it and inspect it as the normalize stage does (sniff, image
header and decode, PDF pages and text-layer look), in one process, one file after the other,
with no database and no queue: the pipeline's target is at least a third of that rate. The measured run happens in a fresh child process, on a fresh database, so
its peak RSS is the pipeline's alone; with Redis the worker processes' peaks are read as well.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN = os.environ.get("ZHICHENG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ZHICHENG_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def batch_for(applicants: int, seed: int) -> Path:
    """The generated batch folder (made once)."""
    from zhicheng.sample import make_batch

    target = OUT / f"batch-{applicants}-{seed}"
    done = target / ".complete"
    if not done.exists():
        import shutil

        shutil.rmtree(target, ignore_errors=True)
        t = time.perf_counter()
        batch = make_batch(target, applicants=applicants, seed=seed, light=True, flaws=False)
        (target / ".complete").write_text(str(batch.path))
        print(f"generated {applicants} applicants in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    return Path(done.read_text())


@contextlib.contextmanager
def fresh_database(kind: str, run_id: str) -> Iterator[str | None]:
    """A new, empty PostgreSQL database for one run (dropped after), or None for SQLite."""
    if kind != "postgresql":
        yield None
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"zhicheng_bench_{run_id}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def peak_rss_kb(pid: int) -> int:
    """VmHWM (peak resident set) of a live process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    kids = [int(x) for x in out.stdout.split()]
    return kids + [g for k in kids for g in descendants(k)]


def bare_work(batch: Path) -> dict[str, float]:
    """The bare work on the batch's files, in this process: seconds, CPU seconds, applicants."""
    import hashlib

    from pipeline.documents.preflight import inspect_file

    folders = [d for d in sorted(batch.iterdir()) if d.is_dir()]
    files = 0
    start, cpu = time.perf_counter(), _cpu()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files += 1
                hashlib.sha256(path.read_bytes()).hexdigest()
                inspect_file(path, path.name, max_bytes=10 * 1024 * 1024, max_pixels=80_000_000)
    return {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "applicants": len(folders),
            "files": files}


def child(args: argparse.Namespace) -> None:
    """The measured run: fresh schema, units, then import and process the batch."""
    from pipeline.services import queries
    from pipeline.services.units import import_units
    from pipeline.settings import Settings
    from pipeline.storage.db import migrate
    from zhicheng.app import import_batch
    from zhicheng.bootstrap import bootstrap
    from zhicheng.sample import sample_units

    settings = Settings.from_env(os.environ)
    rt = bootstrap(settings)
    migrate.upgrade(rt.ctx.db.engine)
    import_units(rt.ctx, [(i + 2, asdict(u)) for i, u in enumerate(sample_units())])
    before = bare_work(Path(args.batch))
    start, cpu, helpers = time.perf_counter(), _cpu(), _helpers_cpu()
    batch_id = import_batch(rt, Path(args.batch), wait=True, timeout=3600)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    helpers = _helpers_cpu() - helpers
    receipt = queries.batch_receipt(rt.ctx, batch_id)
    rt.close()
    # before and after the run, the faster of the two: the same page cache as the pipeline had
    bare = min(before, bare_work(Path(args.batch)), key=lambda b: b["seconds"])
    print(json.dumps({"bare": bare, "seconds": seconds, "applications": len(receipt["applications"]),
                      "states": receipt["states"], "peak_rss_kb": peak_rss_kb(os.getpid()), "cpu": cpu,
                      "helpers_cpu": helpers}))


def _helpers_cpu() -> float:
    """CPU seconds of this process's live child processes (inspection processes, text readers)."""
    return _cpu_of(descendants(os.getpid()))


def _cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + system) of these live processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _cpu() -> float:
    """CPU seconds of this process (all threads) and its finished children."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _measure(args: argparse.Namespace, batch: Path, env: dict[str, str]) -> tuple[dict, list[int]]:  # type: ignore[type-arg]
    """Start the workers (Redis), run the measured child, read the workers' peaks, stop them."""
    worker = None
    try:
        if args.broker == "redis":
            # the schema must exist before workers start; the child's upgrade is then a no-op
            subprocess.run([sys.executable, "-m", "zhicheng", "init"], env=env, check=True,
                           capture_output=True)
            worker = subprocess.Popen([sys.executable, "-m", "zhicheng", "worker", "--processes",
                                       str(args.processes), "--threads", str(args.threads)],
                                      env=env, start_new_session=True, stderr=subprocess.DEVNULL)
            time.sleep(3)  # let the worker processes boot before the clock starts
            workers_cpu = _cpu_of([worker.pid, *descendants(worker.pid)])
        out = subprocess.run([sys.executable, __file__, "--child", "--batch", str(batch)], env=env,
                             capture_output=True, text=True)
        if out.returncode:
            sys.exit(out.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        peaks = [peak_rss_kb(pid) for pid in descendants(worker.pid)] if worker else []
        if worker:
            result["workers_cpu"] = _cpu_of([worker.pid, *descendants(worker.pid)]) - workers_cpu
        return result, peaks
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)


def file_creation_cost(folder: Path, files: int = 300) -> float:
    """CPU milliseconds to create (and close) one empty file in `folder`'s filesystem: the
    store creates one file per stored content, and some virtual disks make that costly."""
    probe = folder / f"probe-{uuid.uuid4().hex[:8]}"
    probe.mkdir(parents=True)
    try:
        start = time.process_time()
        for i in range(files):
            os.close(os.open(probe / str(i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444))
        return 1000 * (time.process_time() - start) / files
    finally:
        import shutil

        shutil.rmtree(probe, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--applicants", type=int, default=500)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--broker", choices=["embedded", "redis"], default="embedded")
    p.add_argument("--processes", type=int, default=2, help="worker processes (redis)")
    p.add_argument("--threads", type=int, default=2, help="threads per worker process")
    p.add_argument("--data-parent", type=Path, default=OUT,
                   help="where the run's data dir is made (e.g. /dev/shm: the store's filesystem "
                        "out of the measurement)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--batch", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    batch = batch_for(args.applicants, args.seed)
    run_id = uuid.uuid4().hex[:8]
    data_dir = args.data_parent / f"zhicheng-bench-{run_id}"
    env = {**os.environ, "ZHICHENG_DATA_DIR": str(data_dir), "ZHICHENG_LOG_LEVEL": "WARNING",
           "ZHICHENG_OCR_ENGINE": "null",  # without OCR: bench_ocr.py measures OCR
           "ZHICHENG_WORKER_THREADS": str(args.threads)}
    with fresh_database(args.database, run_id) as database_url:
        if database_url:
            env["ZHICHENG_DATABASE_URL"] = database_url
        if args.broker == "redis":
            env["ZHICHENG_BROKER_URL"] = REDIS
            env["ZHICHENG_QUEUE_NAMESPACE"] = f"zhicheng-bench-{run_id}"
        try:
            result, worker_peaks = _measure(args, batch, env)
        finally:
            import shutil

            shutil.rmtree(data_dir, ignore_errors=True)
    n = result["applications"]
    redis = args.broker == "redis"
    print(f"mode: {args.database} + {args.broker}" + (f" ({args.processes} worker processes × "
          f"{args.threads} threads)" if redis else f" ({args.threads} threads in-process)"))
    print(f"applications: {n} ({args.applicants} generated), states: {result['states']}")
    print(f"wall time: {result['seconds']:.2f} s   throughput: {n / result['seconds']:.1f} applications/s")
    bare = result["bare"]
    bare_rate = bare["applicants"] / bare["seconds"]
    rate = n / result["seconds"]
    print(f"bare work (read, SHA-256, inspect; one process, no database): {bare['seconds']:.2f} s   "
          f"{bare_rate:.1f} applications/s ({1000 * bare['cpu'] / bare['applicants']:.1f} ms CPU each)")
    print(f"pipeline / bare work: {rate / bare_rate:.2f}")
    print(f"CPU, importing process: {result['cpu']:.1f} s ({1000 * result['cpu'] / n:.1f} ms per application)")
    helpers = result["helpers_cpu"]
    if not redis:
        print(f"CPU, its helper processes (file inspection, PDF text readers): {helpers:.1f} s "
              f"({1000 * helpers / n:.1f} ms per application)")
    else:
        workers = result["workers_cpu"]
        print(f"CPU, worker processes and their text readers: {workers:.1f} s "
              f"({1000 * workers / n:.1f} ms per application)")
    print(f"peak RSS, importing process: {result['peak_rss_kb'] / 1024:.0f} MiB")
    print(f"creating one file in the data dir's filesystem: {file_creation_cost(args.data_parent):.3f} ms of CPU "
          f"(the store creates one per content: {bare['files']} files here)")
    if worker_peaks:
        print("peak RSS, worker processes: " + ", ".join(f"{k / 1024:.0f} MiB" for k in worker_peaks))


if __name__ == "__main__":
    main()
