"""Benchmark: application packets. Seconds per packet and peak memory for a packet with 40 pages of
materials (and the same with 400, to show memory does not follow material size), then a queue of
200 packets in 2 processes, with each process's peak RSS after its first and its last packet.

    python bench/bench_reports.py                       # 40 and 400 pages, queue of 200 on 2 processes
    python bench/bench_reports.py --queue 50 --processes 1

A realistic sample batch (full-size certificate images and multi-page PDFs, no OCR) is imported
into a fresh SQLite database under bench/out/; two applicants get their 业绩材料 lengthened so
that their materials have 40 and 400 pages in all. Each measurement runs in fresh spawned
processes, so peak RSS is the report code's alone (the interpreter, WeasyPrint, fonts included).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "reports"
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def _lengthen(folder: Path, total_pages: int) -> None:
    """Make the applicant's materials `total_pages` pages long by repeating pages of its own
    业绩材料 and 述职报告 in a longer 业绩材料.pdf (images count one page each)."""
    from pypdf import PdfReader, PdfWriter

    files = sorted(p for p in folder.iterdir() if p.is_file())
    pages = sum(_pdf_pages(p) if p.suffix.lower() == ".pdf" else 1 for p in files)
    target = folder / "业绩材料.pdf"
    extra = total_pages - pages
    if extra <= 0:
        return
    writer = PdfWriter(clone_from=PdfReader(target))
    sources = [PdfReader(target), PdfReader(folder / "述职报告.pdf")]
    i = 0
    while extra > 0:
        src = sources[i % 2]
        writer.add_page(src.pages[i % len(src.pages)])
        extra -= 1
        i += 1
    with open(target, "wb") as fh:
        writer.write(fh)


def prepare(applicants: int) -> tuple[Path, int, int, list[int]]:
    """Import the batch once; return (data dir, the 40-page app, the 400-page app, all app ids)."""
    from pipeline.services import queries
    from pipeline.services.units import import_units
    from pipeline.settings import Settings
    from pipeline.storage.db import migrate
    from zhicheng.app import import_batch
    from zhicheng.bootstrap import bootstrap
    from zhicheng.sample import make_batch, sample_units

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    batch = make_batch(OUT / "in", applicants=applicants, seed=5, flaws=False, light=False)
    big40, big400 = batch.applicants[0], batch.applicants[1]
    _lengthen(Path(batch.path) / big40.folder, 40)
    _lengthen(Path(batch.path) / big400.folder, 400)
    settings = Settings(data_dir=OUT / "var", ocr_engine="null")
    rt = bootstrap(settings)
    try:
        migrate.upgrade(rt.ctx.db.engine)
        import_units(rt.ctx, [(i + 2, asdict(u)) for i, u in enumerate(sample_units())])
        batch_id = import_batch(rt, batch.path, wait=True, timeout=600)
        apps = {a["id_number"]: a["id"] for a in queries.list_applications(rt.ctx, batch=batch_id)}
    finally:
        rt.close()
    return settings.data_dir, apps[big40.id_number], apps[big400.id_number], sorted(apps.values())


_ctx = None


def _worker_init(data_dir: str) -> None:
    global _ctx
    from pipeline.context import Context
    from pipeline.settings import Settings

    _ctx = Context.from_settings(Settings(data_dir=Path(data_dir), ocr_engine="null"))


def _one(app_id: int) -> tuple[int, float, float, int]:
    """Write one packet; (pid, seconds, peak RSS MB so far, pages)."""
    from reports.packet import write_packet

    t = time.perf_counter()
    pdf = write_packet(_ctx, app_id, OUT / "packets" / str(os.getpid()))[0]
    seconds = time.perf_counter() - t
    return os.getpid(), seconds, _rss_mb(), _pdf_pages(pdf)


def single(data_dir: Path, app_id: int, repeat: int) -> dict[str, float]:
    """One process: a warm-up packet, then `repeat` timed ones."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1, initializer=_worker_init, initargs=(str(data_dir),)) as pool:
        first = pool.apply(_one, (app_id,))
        runs = [pool.apply(_one, (app_id,)) for _ in range(repeat)]
    times = sorted(r[1] for r in runs)
    return {"first_s": first[1], "median_s": times[len(times) // 2], "best_s": times[0],
            "rss_after_first_mb": first[2], "rss_peak_mb": max(r[2] for r in runs),
            "pages": first[3]}


def queue(data_dir: Path, app_ids: list[int], n: int, processes: int) -> dict[str, object]:
    jobs = [app_ids[i % len(app_ids)] for i in range(n)]
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes, initializer=_worker_init, initargs=(str(data_dir),)) as pool:
        pool.map(_worker_init, [str(data_dir)] * processes)  # start and warm every process
        t = time.perf_counter()
        results = pool.map(_one, jobs, chunksize=1)
        wall = time.perf_counter() - t
    by_pid: dict[int, list[tuple[int, float, float, int]]] = {}
    for r in results:
        by_pid.setdefault(r[0], []).append(r)
    per = sorted(r[1] for r in results)
    return {"packets": n, "processes": processes, "wall_s": wall, "packets_per_s": n / wall,
            "median_s": per[len(per) // 2], "pages": sum(r[3] for r in results),
            "rss": {pid: (rs[0][2], rs[len(rs) // 2][2], rs[-1][2], len(rs))
                    for pid, rs in by_pid.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--applicants", type=int, default=20)
    ap.add_argument("--queue", type=int, default=200)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only-queue", action="store_true",
                    help="only the product's queue (write_packets), so that its peak RSS is its own")
    args = ap.parse_args()
    t = time.perf_counter()
    data_dir, app40, app400, ids = prepare(args.applicants)
    print(f"prepared {len(ids)} applications in {time.perf_counter() - t:.1f}s "
          f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f})")
    for label, app in (() if args.only_queue else (("40 pages", app40), ("400 pages", app400))):
        r = single(data_dir, app, args.repeat)
        print(f"packet, {label} of materials ({r['pages']} pages in all): first {r['first_s']:.2f}s, "
              f"median {r['median_s']:.2f}s, best {r['best_s']:.2f}s; peak RSS "
              f"{r['rss_after_first_mb']:.0f} MB after the first, {r['rss_peak_mb']:.0f} MB after "
              f"{args.repeat + 1}")
    if args.only_queue:
        product_queue(args, data_dir, ids)
        return
    q = queue(data_dir, ids, args.queue, args.processes)
    print(f"queue: {q['packets']} packets ({q['pages']} pages) in {q['processes']} processes: "
          f"{q['wall_s']:.1f}s wall, {q['packets_per_s']:.2f} packets/s, median "
          f"{q['median_s']:.2f}s per packet in a process (load {os.getloadavg()[0]:.1f})")
    for pid, (first, middle, last, n) in q["rss"].items():  # type: ignore[union-attr]
        print(f"  process {pid}: {n} packets, peak RSS {first:.0f} MB after the first, "
              f"{middle:.0f} MB at the middle, {last:.0f} MB after the last")
    product_queue(args, data_dir, ids)


def product_queue(args: argparse.Namespace, data_dir: Path, ids: list[int]) -> None:
    """The product's own queue (reports.queue.write_packets: `report packet` with many ids, the
    roster's zip): processes recycled after PER_PROCESS packets, so memory stays bounded."""
    from pipeline.settings import Settings
    from reports.queue import PER_PROCESS, write_packets

    jobs = [ids[i % len(ids)] for i in range(args.queue)]
    t = time.perf_counter()
    write_packets(Settings(data_dir=data_dir, ocr_engine="null"), jobs, OUT / "packets-queue",
                  processes=args.processes)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"write_packets: {args.queue} packets in {args.processes} processes recycled every "
          f"{PER_PROCESS}: {wall:.1f}s wall (process start-up included), "
          f"{args.queue / wall:.2f} packets/s; the largest peak RSS of any process so far: "
          f"{peak:.0f} MB (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
