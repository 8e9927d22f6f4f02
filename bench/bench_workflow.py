"""Benchmark: the workflow sweeps at scale, on PostgreSQL (issue 4).

    python bench/bench_workflow.py --applications 20000 --units 20
    python bench/bench_workflow.py --applications 20000 --units 1 --database sqlite

Seeds N applications in 单位初审通过 spread over U units (Core bulk inserts, not timed), opens
one publicity per unit through the service (timed, for information), then times:
1. `publicity_closing.close_due`: closing every publicity at once (N entries, 1 % with an upheld
   objection), in one sweep that proposes the results;
2. `publicity_closing.confirm` for every publicity (the unit saves the results);
3. `recommend.build` for every unit (N applications into U batches).
Each sweep's figures are checked afterwards (every application moved once, events written).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("ZHICHENG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = date(2026, 11, 2)   # a Monday; 5 working days end on 2026-11-06
AFTER = date(2026, 11, 9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--applications", type=int, default=20000)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = ap.parse_args()

    from pipeline.context import Context, FixedClock
    from pipeline.domain.identity import make_uscc
    from pipeline.domain.states import State
    from pipeline.services import publicity, publicity_closing, recommend
    from pipeline.settings import Settings
    from pipeline.storage.db import migrate
    from pipeline.storage.db.models import (
        Applicant,
        Application,
        Event,
        Objection,
        PublicityEntry,
        RecommendationEntry,
        Unit,
    )

    run_id = uuid.uuid4().hex[:8]
    tmp = ROOT / "bench" / "out" / f"workflow-{run_id}"
    tmp.mkdir(parents=True)
    admin = None
    if args.database == "postgresql":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"zhicheng_bench_{run_id}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    try:
        ctx = Context.from_settings(Settings(data_dir=tmp / "var", database_url=url, ocr_engine="null"),
                                    FixedClock(datetime(2026, 11, 9, 1, 0)))
        migrate.upgrade(ctx.db.engine)
        now = ctx.clock.now()
        units = [make_uscc(f"9143010{i:03d}MA4X000") for i in range(args.units)]
        per_unit = args.applications // args.units
        t = time.perf_counter()
        with ctx.db.engine.begin() as conn:
            conn.execute(insert(Unit), [dict(code=u, name=f"单位{i}", region="长沙市本级", kind="国有企业",
                                             approver="主管机构", status="已审核", created_at=now,
                                             updated_at=now) for i, u in enumerate(units)])
            people = [f"43010219{n:010d}" for n in range(per_unit * args.units)]
            conn.execute(insert(Applicant), [dict(id_number=p, name=f"申报人{n}", created_at=now)
                                             for n, p in enumerate(people)])
            conn.execute(insert(Application), [dict(
                id_number=p, year=2026, unit_code=units[n // per_unit], title_name="高级工程师",
                name=f"申报人{n}", series="工程", level="副高级", path="正常", offline_review="通过",
                state=str(State.UNIT_PASSED), state_changed_at=now, attempts=0, roster={},
                created_at=now, updated_at=now) for n, p in enumerate(people)])
        seeded = time.perf_counter() - t
        t = time.perf_counter()
        pubs = [publicity.open_publicity(ctx, u, START, 5, "王", "0731-88889999", force=True,
                                         reason="基准测试：补登") for u in units]
        opened = time.perf_counter() - t
        with ctx.db.uow() as s:  # 1 % of the applicants get an upheld objection
            objected = s.execute(select(PublicityEntry.publicity_id, PublicityEntry.application_id)
                                 .where(PublicityEntry.application_id % 100 == 0)).all()
            s.execute(insert(Objection), [dict(publicity_id=p, application_id=a, reason="异议",
                                               raised_by="bench", created_at=now, resolution="upheld",
                                               resolution_note="成立", resolved_by="bench",
                                               resolved_at=now) for p, a in objected])
            s.commit()

        t = time.perf_counter()
        closing = publicity_closing.close_due(ctx, AFTER)
        close_s = time.perf_counter() - t
        assert sorted(closing.publicities) == sorted(pubs)
        assert closing.passed + closing.failed == per_unit * args.units
        assert closing.failed == len(objected)

        t = time.perf_counter()
        confirmed = [publicity_closing.confirm(ctx, p, by="基准") for p in pubs]
        confirm_s = time.perf_counter() - t
        assert sum(len(c.passed) for c in confirmed) == closing.passed

        t = time.perf_counter()
        built = [recommend.build(ctx, u, 2026) for u in units]
        build_s = time.perf_counter() - t
        with ctx.db.uow() as s:
            entries = s.scalar(select(func.count()).select_from(RecommendationEntry))
            events = s.scalar(select(func.count()).select_from(Event).where(Event.action == "recommend"))
            in_center = s.scalar(select(func.count()).select_from(Application)
                                 .where(Application.state == str(State.CENTER_REVIEW)))
        assert entries == events == in_center == closing.passed == sum(b.count for b in built)
        total = per_unit * args.units
        print(f"database: {args.database}; {total} applications in {args.units} units "
              f"(seeded in {seeded:.1f} s; {args.units} publicities opened in {opened:.1f} s)")
        print(f"close_due: {len(closing.publicities)} publicities, {total} entries "
              f"({closing.passed} proposed passed, {closing.failed} failed) in {close_s:.2f} s")
        print(f"confirm: {args.units} publicities in {confirm_s:.2f} s")
        print(f"recommend.build: {args.units} batches, {entries} applications in {build_s:.2f} s")
        ctx.db.dispose()
    finally:
        if admin is not None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "zhicheng_bench_{run_id}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
