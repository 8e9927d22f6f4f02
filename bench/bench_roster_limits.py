"""Roster limits: a 1,000,000-row CSV roster and a workbook with a column dragged to the last row.

Each case runs in a fresh child process that reads the roster and reports its wall time and peak
RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`). `--impl old` reads with the roster reader of
a given commit (default `main`, loaded from git) for the before/after comparison; `--impl new`
with this tree's reader, and also through `intake.bulk.open_batch` (the whole intake read: rows
matched to folders, problems collapsed).

    python bench/bench_roster_limits.py                       # both cases, old and new
    python bench/bench_roster_limits.py --cases csv --impls new
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

XLSX_ROWS = 1_048_576  # Excel's last row


def make_csv(folder: Path) -> Path:
    """The standard header, then 1,000,000 rows of one letter (2 MB): each a name, no ID number."""
    from pipeline.roster.columns import COLUMNS

    batch = folder / "csv-batch"
    batch.mkdir(parents=True, exist_ok=True)
    path = batch / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(c.header for c in COLUMNS) + "\n")
        fh.write("a\n" * 1_000_000)
    return path


def make_xlsx(folder: Path) -> Path:
    """A roster of one applicant whose 序号 formula column was dragged down to row 1,048,576."""
    from openpyxl import Workbook

    from pipeline.roster.columns import COLUMNS

    batch = folder / "xlsx-batch"
    batch.mkdir(parents=True, exist_ok=True)
    path = batch / "roster.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["序号"] + [c.header for c in COLUMNS])
    sheet.append([1, "张三", "430102199001011238"] + [None] * (len(COLUMNS) - 2))
    for row in range(3, XLSX_ROWS + 1):
        sheet.append([f'=IF(B{row}="","",ROW()-1)'])
    book.save(path)
    return path


def _old_reader(commit: str) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{commit}:intake/roster.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("old_roster")
    sys.modules["old_roster"] = module
    exec(compile(source, "old_roster.py", "exec"), module.__dict__)  # noqa: S102 - our own file
    return module


def child(case: str, impl: str, path: Path, commit: str) -> None:
    """Read one roster and print one JSON line: seconds, peak RSS, rows and problems."""
    started = time.perf_counter()
    if impl == "old":
        with path.open("rb") as fh:
            roster = _old_reader(commit).read_roster(fh, path.name)
        rows, problems = len(roster.rows), len(roster.problems)
    elif impl == "new":
        from intake.roster import read_roster

        with path.open("rb") as fh:
            roster = read_roster(fh, path.name)
        rows, problems = len(roster.rows), len(roster.problems)
    else:  # the whole intake read, as `zhicheng intake import` does before anything is stored
        from intake.bulk import open_batch
        from pipeline.settings import Settings

        with open_batch(path.parent, Settings(data_dir=path.parent / "var")) as batch:
            rows, problems = len(list(batch.applications)), len(batch.problems)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"case": case, "impl": impl, "seconds": round(seconds, 2), "peak_mib": peak,
                      "rows": rows, "problems": problems}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", nargs="+", default=["csv", "xlsx"])
    parser.add_argument("--impls", nargs="+", default=["old", "new", "bulk"])
    parser.add_argument("--commit", default="main")
    parser.add_argument("--child", nargs=3, metavar=("CASE", "IMPL", "PATH"))
    parser.add_argument("--keep", type=Path, default=None,
                        help="make the rosters in this folder and reuse them if already there")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]), args.commit)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        for case in args.cases:
            t0 = time.perf_counter()
            kept = folder / f"{case}-batch" / f"roster.{case}"
            path = kept if args.keep and kept.exists() else (
                make_csv(folder) if case == "csv" else make_xlsx(folder))
            print(f"# {case}: {path.stat().st_size / 1e6:.1f} MB, made in "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
            for impl in args.impls:
                out = subprocess.run([sys.executable, __file__, "--commit", args.commit,
                                      "--child", case, impl, str(path)],
                                     capture_output=True, text=True)
                print(out.stdout.strip() or out.stderr.strip()[-500:], flush=True)


if __name__ == "__main__":
    main()
