"""Benchmark: OCR rate with one OCR worker host vs two, each host pinned to one core.

    python bench/bench_scale_out.py --applicants 8 [--engine tesseract] [--processes]

Each "host" is a network namespace linked to this machine by a veth pair (`--processes`: plain
processes), running `zhicheng worker --processes 1` under `taskset -c <its core>` with its own
local directory (so its OCR slots are its own: one per core it may use), against one PostgreSQL
(through a relay), one Redis and one shared data path. The batch is imported on host 1 and timed
until every application has left the automatic stages; the rate is certificates read by OCR per
second. Runs 1 host, then 2 hosts, each on a fresh database, and prints the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from pipeline.context import Context  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.storage.db.models import Extraction  # noqa: E402
from tests.e2e import machines as m  # noqa: E402
from tests.helpers import register_sample_units  # noqa: E402


def run(hosts: int, batch: Path, root: Path, engine: str, isolate: bool) -> tuple[float, int]:
    """Seconds to process the batch with `hosts` OCR worker hosts, and certificates OCR'd."""
    shared = root / "shared"
    with m.machines(hosts, root, isolate=isolate, cpus=sorted(os.sched_getaffinity(0))[:hosts]) as boxes, \
            m.postgres_database() as db:
        addresses = [b.address for b in boxes]
        pg_port = m.free_port()
        with m.relay(addresses, pg_port, ("127.0.0.1", 5432)), m.redis_server(addresses, root) as rport:
            def env(b: m.Machine) -> dict[str, str]:
                return m.base_env(ZHICHENG_DATA_DIR=str(shared), ZHICHENG_LOCAL_DIR=str(b.local_dir),
                                  ZHICHENG_DATABASE_URL=m.pg_url(b.address, pg_port, db),
                                  ZHICHENG_BROKER_URL=f"redis://{b.address}:{rport}/0",
                                  ZHICHENG_OCR_ENGINE=engine, ZHICHENG_LOG_LEVEL="WARNING")

            assert m.start(boxes[0], m.zhicheng_argv("init"), env(boxes[0]), root / "init.log").wait(120) == 0
            ctx = Context.from_settings(Settings(data_dir=shared, ocr_engine=engine,
                                                 database_url=m.pg_url("127.0.0.1", 5432, db)))
            register_sample_units(ctx)
            for b in boxes:
                m.start(b, m.zhicheng_argv("worker", "--processes", "1", "--threads", "2"), env(b),
                        root / f"{b.name}.log")
            time.sleep(8)  # the workers load their OCR models before the clock starts
            started = time.perf_counter()
            imp = m.start(boxes[0], m.zhicheng_argv("intake", "import", str(batch), "--wait",
                                                    "--timeout", "3000"), env(boxes[0]), root / "import.log")
            assert imp.wait(3600) == 0, (root / "import.log").read_text()
            seconds = time.perf_counter() - started
            with ctx.db.uow() as s:
                read = s.scalar(select(func.count()).select_from(Extraction)
                                .where(Extraction.method != "pdf-text")) or 0
            ctx.db.dispose()
    return seconds, read


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--applicants", type=int, default=8)
    p.add_argument("--engine", default="tesseract")
    p.add_argument("--processes", action="store_true", help="plain processes instead of namespaces")
    args = p.parse_args()
    from zhicheng.sample import make_batch

    isolate = not args.processes and m.namespaces_work()
    with tempfile.TemporaryDirectory(prefix="zhicheng-scale-") as tmp:
        root = Path(tmp)
        batch = Path(make_batch(root / "batch", applicants=args.applicants, seed=5, light=True,
                                flaws=False).path)
        rates = {}
        for hosts in (1, 2):
            seconds, read = run(hosts, batch, root / f"hosts-{hosts}", args.engine, isolate)
            rates[hosts] = read / seconds
            print(f"{hosts} OCR host(s), 1 core each ({'namespaces' if isolate else 'processes'}): "
                  f"{read} certificates in {seconds:.1f} s = {rates[hosts]:.2f} per second")
        print(f"two hosts / one host: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
