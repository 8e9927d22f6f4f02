"""Benchmark: 50 concurrent clients uploading 5 MB applications to `zhicheng serve` on loopback.

    python bench/bench_http.py                          # 50 clients x 2 uploads, SQLite + Redis
    python bench/bench_http.py --database postgresql --uploads-per-client 4

The server is the real command (`zhicheng serve`) in a child process with a Redis broker in a
namespace of its own and no workers, so what is measured is the upload path alone: streaming to
disk, the content store, one transaction per application, the message sent. Each upload is one
application of five 1 MB files with unique content (so every byte reaches the disk). At the end
the database is checked: every upload made exactly one batch and one application, none twice.
Reports uploads/s, MB/s, p50/p99 latency, and the server's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("ZHICHENG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ZHICHENG_BENCH_REDIS", "redis://127.0.0.1:6379/0")
MB = 1024 * 1024


def database(kind: str, data: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{data / 'zhicheng.db'}"
    from sqlalchemy import create_engine, text

    name = f"zhicheng_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--uploads-per-client", type=int, default=2)
    ap.add_argument("--files", type=int, default=5, help="files per application, 1 MB each")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = ap.parse_args()

    import httpx
    from sqlalchemy import func, select

    from pipeline.context import Context
    from pipeline.domain.identity import make_id_number
    from pipeline.services import tokens
    from pipeline.services.units import UnitData, register
    from pipeline.settings import Settings
    from pipeline.storage.db import migrate
    from pipeline.storage.db.models import Application, ImportBatch

    data = Path(tempfile.mkdtemp(prefix="bench-http-"))
    url = database(args.database, data)
    settings = Settings(data_dir=data, database_url=url, ocr_engine="null")
    ctx = Context.from_settings(settings)
    migrate.upgrade(ctx.db.engine)
    unit = "91430000183765427C"
    register(ctx, UnitData(unit, "湖南省交通规划勘察设计院有限公司", "省本级", "国有企业", status="已审核"))
    token = tokens.issue(ctx, unit, "bench")[1]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ZHICHENG_DATA_DIR": str(data), "ZHICHENG_DATABASE_URL": url,
           "ZHICHENG_BROKER_URL": REDIS, "ZHICHENG_QUEUE_NAMESPACE": namespace,
           "ZHICHENG_OCR_ENGINE": "null"}
    server = subprocess.Popen([sys.executable, "-c", "from zhicheng.cli import main; main()",
                               "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    pool = os.urandom(MB)
    latencies: list[float] = []
    failures: list[str] = []
    batch_ids: list[int] = []
    lock = threading.Lock()
    gate = threading.Barrier(args.clients)

    def client(c: int) -> None:
        with httpx.Client(base_url=base, timeout=600,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            gate.wait()
            for k in range(args.uploads_per_client):
                n = c * args.uploads_per_client + k
                fields = {"姓名": f"压测{n}", "身份证号": make_id_number(f"43010219800101{n:03d}"[:17]),
                          "手机号码": "13800000000", "单位统一社会信用代码": unit, "申报年度": "2026",
                          "申报系列": "工程", "申报专业": "计算机", "申报级别": "初级",
                          "申报资格名称": "助理工程师", "最高学历": "大学本科",
                          "毕业时间": "2010-07-01", "参加工作时间": "2010-08-01", "继续教育学时": "96"}
                files = [("files", (f"业绩材料-{i + 1}.pdf", f"{n}:{i}:".encode().ljust(32) + pool[32:]))
                         for i in range(args.files)]
                t0 = time.perf_counter()
                r = http.post("/api/v1/applications", data=fields, files=files)
                took = time.perf_counter() - t0
                with lock:
                    latencies.append(took)
                    if r.status_code != 201:
                        failures.append(f"{n}: {r.status_code} {r.text[:200]}")
                    else:
                        batch_ids.append(r.json()["id"])

    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    with open(f"/proc/{server.pid}/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    server.terminate()
    server.wait(timeout=30)

    total = args.clients * args.uploads_per_client
    with ctx.db.uow() as s:
        n_apps = s.scalar(select(func.count()).select_from(Application))
        n_batches = s.scalar(select(func.count()).select_from(ImportBatch))
    import redis

    r = redis.Redis.from_url(REDIS)
    for key in r.scan_iter(f"{namespace}*"):
        r.delete(key)
    lat = sorted(latencies)
    result = {
        "database": args.database, "clients": args.clients, "uploads": total,
        "mb_per_upload": args.files, "ok": len(batch_ids), "failed": len(failures),
        "distinct_batches": len(set(batch_ids)), "applications_in_db": n_apps,
        "batches_in_db": n_batches, "wall_s": round(wall, 2),
        "uploads_per_s": round(total / wall, 2), "mb_per_s": round(total * args.files / wall, 1),
        "p50_s": round(statistics.median(lat), 2), "p99_s": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2),
        "server_peak_rss_mb": round(peak, 1), "load_average": os.getloadavg(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if failures:
        print("\n".join(failures[:10]), file=sys.stderr)
    lost_or_duplicated = not (len(batch_ids) == total == n_apps == n_batches == len(set(batch_ids)))
    ctx.db.dispose()
    import shutil

    shutil.rmtree(data, ignore_errors=True)
    if args.database == "postgresql":
        from sqlalchemy import create_engine, text

        with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    sys.exit(1 if lost_or_duplicated else 0)


if __name__ == "__main__":
    main()
