"""Where the time goes: CPU milliseconds per application of intake and of each stage, run in
chunks one after the other in this process (no queue, no worker threads), on SQLite or PostgreSQL;
beside each stage, the CPU its helper processes spent meanwhile (normalize: the file inspection
processes; extract: the PDF text readers).

    python bench/stage_costs.py --applicants 100
    python bench/stage_costs.py --applicants 100 --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

from intake.bulk import open_batch
from pipeline.services.intake import submit_batch
from pipeline.services.units import import_units
from pipeline.settings import Settings
from pipeline.stages import STAGES
from pipeline.stages.runner import run_chunk
from pipeline.storage.db import migrate
from zhicheng.bootstrap import bootstrap
from zhicheng.sample import sample_units

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import _helpers_cpu, batch_for, fresh_database  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--applicants", type=int, default=100)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = p.parse_args()
    batch = batch_for(args.applicants, args.seed)
    data_dir = Path(tempfile.mkdtemp(prefix="zhicheng-costs-"))
    with fresh_database(args.database, data_dir.name[-8:].replace("-", "_")) as url:
        try:
            _run(batch, data_dir, url)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


def _run(batch: Path, data_dir: Path, database_url: str | None) -> None:
    """Import the batch, then run every stage on each application, timing each part."""
    rt = bootstrap(Settings(data_dir=data_dir, database_url=database_url, ocr_engine="null"))
    migrate.upgrade(rt.ctx.db.engine)
    import_units(rt.ctx, [(i + 2, asdict(u)) for i, u in enumerate(sample_units())])
    _start_helpers(rt)
    ids: list[int] = []
    t = time.process_time()
    with open_batch(batch, rt.settings) as intake:
        submit_batch(rt.ctx, intake, lambda _, sent: ids.extend(sent))
    costs: dict[str, float] = defaultdict(float)
    helpers: dict[str, float] = defaultdict(float)
    costs["intake"] = time.process_time() - t
    size = rt.settings.stage_chunk
    todo: dict[str, list[int]] = {STAGES.first.name: ids}
    while todo:
        stage = next(iter(todo))
        waiting = todo.pop(stage)
        for i in range(0, len(waiting), size):
            t, h = time.process_time(), _helpers_cpu()
            outcome = run_chunk(rt.ctx, STAGES, stage, waiting[i:i + size])
            costs[stage] += time.process_time() - t
            helpers[stage] += _helpers_cpu() - h
            for name, following in outcome.next.items():
                todo.setdefault(name, []).extend(following)
    total = sum(costs.values())
    print(f"{len(ids)} applications, {rt.ctx.db.engine.dialect.name}: "
          f"{1000 * total / len(ids):.1f} ms of CPU per application in all "
          "(a stage also lists the stages that share its queue and ran in its message)")
    for name, seconds in costs.items():
        print(f"  {name:<10} {1000 * seconds / len(ids):6.1f} ms  ({100 * seconds / total:4.1f} %)"
              + (f"   + helper processes {1000 * helpers[name] / len(ids):5.1f} ms" if helpers[name] else ""))
    rt.close()


def _start_helpers(rt) -> None:  # type: ignore[no-untyped-def]
    """Start the inspection processes and a text reader before the clock: their start-up (an
    interpreter, and this script imported as the main module) is not the stages' work."""
    from pipeline.documents.pdf_text import read_text
    from pipeline.stages import normalize

    pool = normalize._pool(rt.ctx)
    if pool is not None:
        list(pool.map(normalize.inspect_stored, [(__file__, "a.py", 1 << 20, 1 << 20)] * 4))
    read_text(Path(__file__))


if __name__ == "__main__":
    main()
