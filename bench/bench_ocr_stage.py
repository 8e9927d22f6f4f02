"""Benchmark: the pipeline's OCR stage against the engines run directly (issue 3).

    python bench/bench_ocr_stage.py                 # cascade (the default engine), 48 images
    python bench/bench_ocr_stage.py --engine rapidocr --repeat 2

The stage: PostgreSQL and Redis, two `zhicheng worker -Q ocr --threads 1` processes (the
deployment's OCR workers), one application per certificate of bench/ocr_set.py's 48 images,
normalised beforehand; the clock runs from sending the 48 extract messages until all 48
applications are `extracted` (queue, claim, preprocessing, OCR, field extraction, the cache row,
the state's compare-and-set). Two warm-up applications go first so the engines are loaded.

Two practical limits, each in a pool of 2 processes with nothing else (bench/bench_ocr.py):
- engine: the same engine object with the same settings, its preprocessing included, called
  directly on the same image files (bench_ocr.run_pipeline): what the issue calls running the
  same engine(s) directly with the same settings;
- bare: the engine binaries alone on images preprocessed beforehand (bench_ocr.run_direct), a
  stricter bound that leaves the preprocessing (≈0.1 s CPU per certificate) out.

Then the same 48 contents are imported again as new applications: the cache (SHA-256 and
method) means no OCR at all; the time of that pass is printed too.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_ocr import Config, run_direct, run_pipeline  # noqa: E402
from bench.ocr_set import DEFAULT_OUT, build, load  # noqa: E402

PG_ADMIN = os.environ.get("ZHICHENG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ZHICHENG_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def seed(ctx, items, folder: Path, tag: str, mutate: bool = False) -> list[int]:  # type: ignore[no-untyped-def]
    """One application in `received` per image, its material in the store; then normalise it."""
    from pipeline.stages import STAGES
    from pipeline.stages.runner import run_chunk
    from pipeline.storage.db.models import Applicant, Application, Material

    now = ctx.clock.now()
    ids = []
    with ctx.db.uow() as s:
        for n, item in enumerate(items):
            data = (folder / item.file).read_bytes()
            if mutate:  # other bytes, same picture: a warm-up that the cache cannot answer
                data += b"\0" * (n + 1)
            blob = ctx.blobs.put_stream(io.BytesIO(data), limit=ctx.settings.max_file_bytes)
            id_number = str(item.declared.get("id_number") or f"{tag}{n:012d}")[:18]
            key = f"{id_number}-{tag}"
            if s.get(Applicant, id_number) is None:
                s.add(Applicant(id_number=id_number, name=item.name, created_at=now))
                s.flush()
            app = Application(id_number=id_number, year=2026, unit_code=key[:18], title_name=tag,
                              name=str(item.declared.get("name") or item.name), state="received",
                              state_changed_at=now, attempts=0, roster={}, created_at=now,
                              updated_at=now)
            app.materials = [Material(relpath=f"{item.kind}{Path(item.file).suffix}",
                                      original_name=f"{item.kind}{Path(item.file).suffix}",
                                      kind=item.kind, size=len(data), sha256=blob.sha256,
                                      created_at=now)]
            s.add(app)
            s.flush()
            ids.append(app.id)
        s.commit()
    run_chunk(ctx, STAGES, "normalize", ids)
    return ids


def wait_extracted(ctx, ids: list[int], timeout: float = 900) -> None:  # type: ignore[no-untyped-def]
    from pipeline.storage.db.models import Application

    deadline = time.monotonic() + timeout
    while True:
        with ctx.db.uow() as s:
            left = s.scalar(select(func.count()).select_from(Application)
                            .where(Application.id.in_(ids), Application.state == "normalized"))
        if not left:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{left} applications still wait for OCR")
        time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="cascade", choices=["cascade", "rapidocr", "tesseract"])
    ap.add_argument("--repeat", type=int, default=1, help="alternate stage and direct runs; keep the best")
    ap.add_argument("--set", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()

    from pipeline.documents.ocr import TESSERACT_PSM
    from pipeline.settings import Settings
    from pipeline.storage.db import migrate
    from zhicheng.bootstrap import bootstrap

    items = load(args.set) if (args.set / "truth.json").exists() else build(args.set)
    # the cascade as the extract stage runs it: RapidOCR when a field the rules need is missing,
    # unsure or differs from the roster (the `fields` confirm)
    config = Config(args.engine, args.engine, psm=TESSERACT_PSM, confirm="fields")
    run_id = uuid.uuid4().hex[:8]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    stage_runs, engine_runs, direct_runs, cached_runs = [], [], [], []
    for r in range(args.repeat):
        name = f"zhicheng_bench_{run_id}_{r}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        data_dir = ROOT / "bench" / "out" / f"ocr-stage-{run_id}-{r}"
        settings = Settings(data_dir=data_dir, database_url=PG_ADMIN.rsplit("/", 1)[0] + "/" + name,
                            broker_url=REDIS, queue_namespace=f"zhicheng-bench-{run_id}-{r}",
                            ocr_engine=args.engine, worker_threads=1)
        rt = bootstrap(settings)
        worker = None
        try:
            migrate.upgrade(rt.ctx.db.engine)
            warm = seed(rt.ctx, items[:2], args.set, "warm", mutate=True)
            measured = seed(rt.ctx, items, args.set, "run")
            again = seed(rt.ctx, items, args.set, "again")
            env = {**os.environ, **settings.as_env(), "ZHICHENG_LOG_LEVEL": "WARNING"}
            worker = subprocess.Popen([sys.executable, "-m", "zhicheng", "worker", "--processes", "2",
                                       "--threads", "1", "-Q", "ocr"], env=env,
                                      start_new_session=True, stderr=subprocess.DEVNULL)
            for app_id in warm:
                rt.queue.send("extract", app_id)
            wait_extracted(rt.ctx, warm)
            load_before = os.getloadavg()[0]
            start = time.perf_counter()
            for app_id in measured:
                rt.queue.send("extract", app_id)
            wait_extracted(rt.ctx, measured)
            stage_runs.append((time.perf_counter() - start, load_before, os.getloadavg()[0]))
            start = time.perf_counter()
            for app_id in again:
                rt.queue.send("extract", app_id)
            wait_extracted(rt.ctx, again)
            cached_runs.append(time.perf_counter() - start)
            with rt.ctx.db.uow() as s:
                from pipeline.storage.db.models import Extraction

                reads = s.scalar(select(func.count()).select_from(Extraction))
            assert reads == len(items) + len(warm), reads  # the second pass read nothing new
        finally:
            if worker is not None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
            rt.close()
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        load_before = os.getloadavg()[0]
        engine_runs.append((run_pipeline(config, items, args.set)[1], load_before, os.getloadavg()[0]))
        load_before = os.getloadavg()[0]
        direct_runs.append((run_direct(config, items, args.set), load_before, os.getloadavg()[0]))
    n = len(items)
    stage, engine, direct = min(stage_runs), min(engine_runs), min(direct_runs)
    print(f"engine: {args.engine}; {n} certificates; 2 OCR processes; best of {args.repeat}")
    for label, (wall, before, after) in (("stage ", stage), ("engine", engine), ("bare  ", direct)):
        print(f"  {label}: {wall:6.1f} s  {wall / n:5.2f} s/certificate  {60 * n / wall:6.1f} /min"
              f"  (load {before:.1f} → {after:.1f})")
    print(f"  stage / engine throughput: {engine[0] / stage[0]:.2f}; "
          f"stage / bare: {direct[0] / stage[0]:.2f}")
    print("  every run (s): stage " + ", ".join(f"{w:.1f}" for w, _, _ in stage_runs)
          + "; engine " + ", ".join(f"{w:.1f}" for w, _, _ in engine_runs)
          + "; bare " + ", ".join(f"{w:.1f}" for w, _, _ in direct_runs))
    print(f"  the same {n} contents again (cache): {min(cached_runs):.1f} s, no OCR")


if __name__ == "__main__":
    main()
