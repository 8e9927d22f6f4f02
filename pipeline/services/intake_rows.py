"""The rows of an import: prepared applicants, and the new ones of a chunk inserted together
(Core inserts, one transaction: applicants, applications, materials, events, batch items)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, tuple_, update

from pipeline.context import Context
from pipeline.domain.intake_value import ApplicationIntake, IncomingFile
from pipeline.domain.materials import classify
from pipeline.domain.problems import Problem
from pipeline.domain.states import State
from pipeline.domain.text import strip_unsafe
from pipeline.roster.record import TYPED, RosterRecord
from pipeline.services.intake_guards import return_blocked
from pipeline.storage.blobstore import StoredBlob
from pipeline.storage.db.models import Applicant, Application, BatchItem, Event, Material


@dataclass(frozen=True)
class StoredFile:
    file: IncomingFile
    blob: StoredBlob
    problem: str | None = None         # "too_large" | "unreadable"
    detail: str | None = None


@dataclass(frozen=True)
class Prepared:
    """One applicant with its files stored and its row parsed: ready to be committed."""

    intake: ApplicationIntake
    stored: list[StoredFile]
    record: RosterRecord               # the row, parsed once
    raw: dict[str, object]
    roster_digest: str
    materials_digest: str
    problems: list[Problem] = field(default_factory=list)   # for the batch (unsafe file names)

    @property
    def values(self) -> dict[str, object]:
        return self.record.values

    @property
    def key(self) -> dict[str, object]:
        return self.record.key()

    def name(self) -> str:
        return strip_unsafe(text(self.values.get("name") or self.raw.get("name")))


def jsonable(value: object) -> object:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def text(value: object) -> str:
    return "" if value is None else str(value).strip()


def material_row(sf: StoredFile, now: datetime) -> dict[str, object]:
    """A material's columns as intake stores them."""
    c = classify(sf.file.name)
    return dict(relpath=sf.file.relpath, original_name=sf.file.name, kind=str(c.kind),
                part=c.part, recognized=c.recognized, size=sf.blob.size, sha256=sf.blob.sha256,
                intake_problem=sf.problem, intake_detail=sf.detail, created_at=now,
                encrypted=False, inspected=False)


def application_row(p: Prepared, now: datetime) -> dict[str, object]:
    """A new application's columns (state received)."""
    row: dict[str, object] = dict(p.key)
    for name in TYPED:
        value = p.values.get(name)
        row[name] = value if value is not None or name != "path" else "正常"
    row.update(name=p.name(), roster={"raw": p.raw, "extra": p.intake.extra,
                                      "line": p.intake.line, "folder": p.intake.folder,
                                      "problems": p.record.stored_problems()},
               roster_digest=p.roster_digest, materials_digest=p.materials_digest,
               state=str(State.RECEIVED), state_changed_at=now, created_at=now, updated_at=now,
               attempts=0)
    return row


def insert_new(ctx: Context, batch_id: int, prepared: list[Prepared]
               ) -> tuple[list[tuple[int, str]], list[Prepared]]:
    """Insert the applicants of a chunk that have no application yet, in one transaction, and
    return at once those whose unit cannot file (`return_blocked`); return (new id, its state)
    pairs and the applicants left for one-by-one handling (existing ones, and a second row of
    the same key in the chunk)."""
    now = ctx.clock.now()
    keys = [tuple(p.key[k] for k in ("id_number", "year", "unit_code", "title_name")) for p in prepared]
    with ctx.db.uow() as s:
        found = {tuple(r) for r in s.execute(select(Application.id_number, Application.year, Application.unit_code,
                                     Application.title_name)
                              .where(tuple_(Application.id_number, Application.year,
                                            Application.unit_code, Application.title_name)
                                     .in_(keys)))} if keys else set()
        new: list[Prepared] = []
        rest: list[Prepared] = []
        seen: set[tuple[object, ...]] = set()
        for p, key in zip(prepared, keys):
            (rest if key in found or key in seen else new).append(p)
            seen.add(key)
        if not new:
            return [], rest
        people = {str(p.key["id_number"]): p.name() for p in new}
        known = set(s.scalars(select(Applicant.id_number).where(Applicant.id_number.in_(people))))
        if len(known) < len(people):
            s.execute(insert(Applicant), [dict(id_number=i, name=n, created_at=now)
                                          for i, n in people.items() if i not in known])
        if known:
            s.execute(update(Applicant), [dict(id_number=i, name=people[i]) for i in known])
        ids = list(s.scalars(insert(Application).returning(Application.id, sort_by_parameter_order=True),
                             [application_row(p, now) for p in new]))
        materials = [dict(application_id=i, **material_row(sf, now))
                     for i, p in zip(ids, new) for sf in p.stored]
        if materials:
            s.execute(insert(Material), materials)
        s.execute(insert(Event), [
            dict(application_id=i, subject="application", subject_id=str(i), action="received",
                 actor="系统", to_state=str(State.RECEIVED), created_at=now,
                 reason=f"批次{batch_id}第{p.intake.line}行") for i, p in zip(ids, new)])
        s.execute(insert(BatchItem), [dict(batch_id=batch_id, application_id=i, outcome="created",
                                           roster_line=p.intake.line) for i, p in zip(ids, new)])
        returned = return_blocked(s, [(i, p.record) for i, p in zip(ids, new)], now)
        s.commit()
    return [(i, str(State.RETURNED if i in returned else State.RECEIVED)) for i in ids], rest
