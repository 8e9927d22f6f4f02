"""The intake value: what every intake source (bulk import, inbox, HTTP) builds and submits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from pipeline.domain.problems import Problem
from pipeline.errors import Refused


class TooLarge(Refused):
    """Raised by an IncomingFile stream that was read past the size it may have."""

    http_status, code = 413, "too_large"


@dataclass(frozen=True)
class IncomingFile:
    """One file of an applicant: where it was, how big it says it is, how to read it."""

    relpath: str                       # as shown to operators, e.g. 4301…_张三/学历证书.jpg
    name: str                          # the file name alone
    size: int                          # declared size
    open: Callable[[], BinaryIO]


@dataclass
class ApplicationIntake:
    """One applicant of a batch: the roster row's raw values and the applicant's files."""

    raw: dict[str, object]             # canonical field → raw cell value
    extra: dict[str, str] = field(default_factory=dict)
    line: int | None = None            # the roster row, as a person sees it in Excel
    folder: str | None = None          # the applicant's folder, None when it has none
    files: list[IncomingFile] = field(default_factory=list)
    # The typed roster record, parsed once (pipeline.services.intake.record_of) and the date it
    # was parsed against; the HTTP adapter authorizes on the same record the import files.
    record: object = None
    record_date: date | None = None


@dataclass
class BatchIntake:
    """One batch: its source, what is wrong with it as a whole, and its applicants (streamed)."""

    source: str
    source_kind: str                   # folder | zip | upload
    digest: str | None = None
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False                # nothing can be imported (no roster, zip bomb, …)
    applications: Iterable[ApplicationIntake] = ()
    submitted_by: str = "系统"
