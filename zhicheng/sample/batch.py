"""A whole sample batch (docs/reference.md §1): the folders, the roster, optionally a zip, and the findings
to expect."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .flaws import plan_flaws
from .materials import folder_name, write_materials
from .people import Person, SampleApplicant, make_person
from .roster import write_csv_roster, write_xlsx_roster
from .units import UNREGISTERED_UNIT, SampleUnit, applicant_weights, choose_units, sample_units


@dataclass
class SampleBatch:
    """What `make_batch` wrote: the folder (or zip), the rows, and the findings to expect."""

    path: Path
    applicants: list[SampleApplicant]
    expected: dict[str, list[str]]
    extra_folders: list[str] = field(default_factory=list)
    rows_without_folder: list[str] = field(default_factory=list)
    units: list[SampleUnit] = field(default_factory=list)
    roster_name: str = "roster.xlsx"

    def applicant(self, id_number: str) -> SampleApplicant:
        return next(a for a in self.applicants if a.id_number == id_number)


def _prepare_dir(target: Path) -> None:
    if target.exists():
        if target.is_dir() and (not any(target.iterdir()) or any(
                (target / r).exists() for r in ("roster.xlsx", "roster.csv"))):
            shutil.rmtree(target)  # an earlier sample batch
        else:
            raise FileExistsError(f"{target} exists and is not a sample batch; choose another --out")


def _zip_tree(root: Path, target: Path, year: int) -> None:
    stamp = (year, 3, 1, 9, 0, 0)
    tmp = target.with_name(target.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_dir():
                zf.writestr(zipfile.ZipInfo(rel + "/", stamp), b"")
            else:
                zf.writestr(zipfile.ZipInfo(rel, stamp), path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    os.replace(tmp, target)


def make_batch(
    out_dir: Path,
    *,
    applicants: int = 12,
    seed: int = 2026,
    year: int = 2026,
    units: list[SampleUnit] | None = None,
    roster_format: Literal["xlsx", "csv", "csv-gbk"] = "xlsx",
    flaws: bool | Sequence[str] = True,
    light: bool = False,
    zip: bool = False,  # noqa: A002 - the name the callers use
    name: str | None = None,
) -> SampleBatch:
    """Write a sample batch (docs/reference.md §1) under `out_dir` and say what it holds.

    `flaws=True` puts one deliberate flaw on every third applicant (cycling through
    DEFAULT_FLAWS) plus a roster row without a folder and a folder without a row; a list of codes
    from ALL_FLAWS and BATCH_FLAWS asks for exactly those, each once. The batch folder is
    `<out_dir>/<name>` (default `职称申报-<year>-<seed>`); with `zip=True` only
    `<out_dir>/<name>.zip` is left, holding the same tree at its root with UTF-8 names.
    """
    if roster_format not in ("xlsx", "csv", "csv-gbk"):
        raise ValueError(f"roster_format is xlsx, csv or csv-gbk, not {roster_format!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    units = list(units) if units is not None else sample_units()
    working, pending = choose_units(units)
    if not working:
        raise ValueError("no approved unit with a configured superior to put applicants in")
    plan, row_without_folder, folder_without_row = plan_flaws(applicants, flaws, bool(pending))
    name = name or f"职称申报-{year}-{seed}"

    if zip:
        build_root = Path(tempfile.mkdtemp(prefix=".sample-", dir=out_dir))
        root = build_root / name
    else:
        build_root = None
        root = out_dir / name
        _prepare_dir(root)
    root.mkdir(parents=True)

    unit_weights = applicant_weights(working)
    registered = {u.code for u in units}
    used_ids: set[str] = set()
    people: list[Person] = []
    for i in range(applicants):
        rng = random.Random(f"{seed}:applicant:{i}")
        flaw = plan.get(i)
        if flaw == "unit.not_approved":
            u = pending[0]
            unit = (u.code, u.name, u.kind)
        elif flaw == "unit.unregistered" and UNREGISTERED_UNIT[1] not in registered:
            unit = (UNREGISTERED_UNIT[1], UNREGISTERED_UNIT[0], "非公企业")
        else:
            u = rng.choices(working, weights=unit_weights)[0]
            unit = (u.code, u.name, u.kind)
        people.append(make_person(rng, i, year, unit, used_ids, flaw))

    missing_folder: int | None = None
    if row_without_folder:
        candidates = [i for i in range(1, applicants) if i not in plan]
        missing_folder = candidates[-1]
        people[missing_folder].applicant.flaws = ["material.missing"]
    exif_index = next((i for i in range(applicants) if i not in plan and i != missing_folder), None)

    for i, p in enumerate(people):
        a = p.applicant
        if i == missing_folder:
            continue
        a.folder = folder_name(a, i)
        a.files = write_materials(root / a.folder, p, plan.get(i), light, seed,
                                  exif_photo=i == exif_index, second_achievement=i % 3 == 0)

    extra_folders: list[str] = []
    if folder_without_row:
        rng = random.Random(f"{seed}:unlisted")
        u = rng.choices(working, weights=unit_weights)[0]
        extra = make_person(rng, applicants, year, (u.code, u.name, u.kind), used_ids, None)
        folder = f"{extra.applicant.id_number}_{extra.applicant.name}"
        write_materials(root / folder, extra, None, light, seed, exif_photo=False,
                        second_achievement=False)
        extra_folders.append(folder)

    rows = [p.applicant for p in people]
    if roster_format == "xlsx":
        roster_name = "roster.xlsx"
        write_xlsx_roster(root / roster_name, rows)
    else:
        roster_name = "roster.csv"
        write_csv_roster(root / roster_name, rows, seed, "utf-8-sig" if roster_format == "csv" else "gbk")

    path = root
    if zip:
        path = out_dir / f"{name}.zip"
        _zip_tree(root, path, year)
        assert build_root is not None  # a zip is built in its own scratch folder
        shutil.rmtree(build_root)

    return SampleBatch(
        path=path,
        applicants=rows,
        expected={a.id_number: list(a.flaws) for a in rows},
        extra_folders=extra_folders,
        rows_without_folder=[rows[missing_folder].id_number] if missing_folder is not None else [],
        units=units,
        roster_name=roster_name,
    )
