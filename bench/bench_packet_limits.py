"""Benchmark: one packet made from a hostile material, before and after the packet limits, with
seconds and the packet process's peak RSS.

    python bench/bench_packet_limits.py                    # the 8,940×8,940 PNG and the 20,000-page PDF
    python bench/bench_packet_limits.py --before-timeout 1200

One applicant of the sample batch gets, in turn, a 学位证书 that is an 8,940×8,940 PNG (under the
80-megapixel cap) and a 业绩材料 of 20,000 pages in ~3 MB; the batch is imported once per case
with the current code. The packet is then written in a fresh child process, by the current code
("after") and by the code of the base commit ("before", exported with `git archive` and put first
on PYTHONPATH). Peak RSS is the child's ru_maxrss.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "packet-limits"
BASE = "3008356"  # the commit before the packet limits
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from pipeline.context import Context
from pipeline.settings import Settings
from reports.packet import write_packet
import reports.packet
ctx = Context.from_settings(Settings(data_dir=Path(sys.argv[1]), ocr_engine="null"))
t = time.perf_counter()
pdf = write_packet(ctx, int(sys.argv[2]), Path(sys.argv[3]))[0]
seconds = time.perf_counter() - t
print(json.dumps({"seconds": round(seconds, 1), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "packet_mb": round(pdf.stat().st_size / 2**20, 1), "code": reports.packet.__file__}))
"""


def before_source() -> Path:
    target = OUT / "before-src"
    if not (target / "reports").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASE, "pipeline", "reports"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def prepare(case: str) -> tuple[Path, int]:
    """Import a one-applicant batch whose material is the hostile one; (data dir, app id)."""
    from pipeline.services import queries
    from pipeline.services.units import import_units
    from pipeline.settings import Settings
    from pipeline.storage.db import migrate
    from tests.files.hostile import huge_png, many_pages_pdf
    from zhicheng.app import import_batch
    from zhicheng.bootstrap import bootstrap
    from zhicheng.sample import make_batch, sample_units

    home = OUT / case
    shutil.rmtree(home, ignore_errors=True)
    batch = make_batch(home / "in", applicants=1, seed=5, flaws=False, light=False)
    folder = Path(batch.path) / batch.applicants[0].folder
    if case == "png":
        for old in folder.glob("学位证书*"):
            old.unlink()
        (folder / "学位证书.png").write_bytes(huge_png(8_940, 8_940))
    else:
        for old in folder.glob("业绩材料*"):
            old.unlink()
        (folder / "业绩材料.pdf").write_bytes(many_pages_pdf(20_000))
    settings = Settings(data_dir=home / "var", ocr_engine="null")
    rt = bootstrap(settings)
    try:
        migrate.upgrade(rt.ctx.db.engine)
        import_units(rt.ctx, [(i + 2, asdict(u)) for i, u in enumerate(sample_units())])
        batch_id = import_batch(rt, batch.path, wait=True, timeout=1200)
        (app,) = queries.list_applications(rt.ctx, batch=batch_id)
    finally:
        rt.close()
    return settings.data_dir, app["id"]


def run(code: str, data_dir: Path, app_id: int, timeout: float) -> dict[str, object] | str:
    env = dict(os.environ)
    if code == "before":
        env["PYTHONPATH"] = str(before_source())
    out = OUT / "packets" / code
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(data_dir), str(app_id), str(out)],
                              env=env, capture_output=True, text=True, timeout=timeout, cwd=OUT)
    except subprocess.TimeoutExpired:
        return f"still running after {time.perf_counter() - start:.0f} s (stopped by the benchmark)"
    if done.returncode:
        return f"exit {done.returncode}: {done.stderr.strip()[-400:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=["png", "pages"])
    parser.add_argument("--before-timeout", type=float, default=1200)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for case in args.cases:
        data_dir, app_id = prepare(case)
        for code in ("after", "before"):
            print(case, code, json.dumps(run(code, data_dir, app_id, args.before_timeout),
                                         ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
