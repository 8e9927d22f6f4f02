"""The bulk import (批量导入): a folder or zip with a roster, read into one intake value.

Roster rows and applicant folders are matched by ID number. A row without a folder becomes an
application with its materials missing; a folder without a row is reported on the batch. Nothing
is extracted to disk: files are streamed from the folder or zip into the content store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from intake.entries import ApplicantFolder, Entry
from intake.roster import Roster, RosterRow, read_roster
from intake.source import BatchSource
from pipeline.domain.identity import mask_id_number
from pipeline.domain.intake_value import ApplicationIntake, BatchIntake, IncomingFile
from pipeline.domain.problems import Problem
from pipeline.settings import Settings
from pipeline.storage.blobstore import CHUNK
from pipeline.storage.space import space_problem

# A roster without a required column would return every applicant for the same reason: the
# batch is refused as a whole, with one message naming the columns.
# A roster that could not be read to its end, or one past the row cap, is refused as a whole too.
FATAL_ROSTER_PROBLEMS = {"roster.missing_columns", "roster.unreadable", "roster.too_many_rows"}
FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")


def _id_key(value: object) -> str:
    return "" if value is None else str(value).strip().translate(FULL_WIDTH).upper()


def _incoming(entry: Entry) -> IncomingFile:
    return IncomingFile(relpath=entry.relpath, name=entry.name, size=entry.size, open=entry.open)


@contextmanager
def open_batch(path: Path, settings: Settings, submitted_by: str = "系统") -> Iterator[BatchIntake]:
    """Open a batch folder or zip as an intake value; the files stream while the block runs."""
    path = Path(path)
    # The content store stops at the size limit itself; the source's cap is a second fence
    # against zip members that lie about their size.
    with BatchSource.open(path, max_member_bytes=settings.max_file_bytes + 2 * CHUNK,
                          max_total_bytes=settings.max_batch_bytes) as source:
        kind = "folder" if path.is_dir() else "zip"
        intake = BatchIntake(source=str(path.resolve()), source_kind=kind,
                             problems=list(source.problems), fatal=source.fatal,
                             submitted_by=submitted_by)
        if not source.fatal:  # before a byte is unpacked: a full disk mid-batch helps no one
            no_space = space_problem(settings.data_dir, source.total_bytes,
                                     settings.free_space_margin)
            if no_space is not None:
                intake.problems.append(no_space)
                intake.fatal = True
        if not intake.fatal and source.roster is not None:
            roster = _read(source.roster)
            intake.problems.extend(roster.problems)
            if (not roster.rows and roster.problems) or any(
                    p.code in FATAL_ROSTER_PROBLEMS for p in roster.problems):
                intake.fatal = True
            else:
                intake.applications = list(_match(roster, source.applicants, intake.problems))
        elif not intake.fatal:
            intake.fatal = True
        if not intake.fatal:
            intake.digest = source.source_digest()
        yield intake


def _read(entry: Entry) -> Roster:
    with entry.open() as stream:
        return read_roster(stream, entry.name)


def _match(roster: Roster, folders: list[ApplicantFolder], problems: list[Problem]
           ) -> Iterator[ApplicationIntake]:
    by_id = {f.id_number: f for f in folders if f.id_number}
    used: set[str] = set()
    seen: dict[str, int] = {}
    for row in roster.rows:
        key = _id_key(row.values.get("id_number"))
        name = str(row.values.get("name") or "").strip()
        if not key:
            problems.append(Problem(
                "roster.invalid", f"花名册第{row.line}行（{name or '姓名空'}）缺少身份证号，无法建立申报；"
                "请补充身份证号后重新提交该批次", f"第{row.line}行"))
            continue
        if key in seen:
            problems.append(Problem(
                "roster.duplicate_row", f"花名册第{row.line}行与第{seen[key]}行的身份证号相同"
                f"（{mask_id_number(key)}），只按第{seen[key]}行受理；如为不同申报，请分批提交",
                f"第{row.line}行"))
            continue
        seen[key] = row.line
        folder = by_id.get(key)
        if folder is None:
            problems.append(Problem(
                "batch.row_without_folder", f"花名册第{row.line}行（{name}）没有对应的材料文件夹，"
                "已按“材料缺失”受理；请以“身份证号_姓名”命名其文件夹后补交材料", f"第{row.line}行"))
        else:
            used.add(key)
        yield _intake(row, folder)
    for folder in folders:
        if folder.id_number and folder.id_number not in used:
            problems.append(Problem(
                "batch.folder_without_row", f"文件夹“{folder.name}”在花名册中没有对应的行"
                f"（身份证号{mask_id_number(folder.id_number)}），未受理；"
                "请在花名册中补充该申报人后重新提交", folder.name))


def _intake(row: RosterRow, folder: ApplicantFolder | None) -> ApplicationIntake:
    return ApplicationIntake(
        raw=dict(row.values), extra=dict(row.extra), line=row.line,
        folder=folder.name if folder else None,
        files=[_incoming(e) for e in folder.files] if folder else [])
