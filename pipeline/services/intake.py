"""Submitting a batch: files to the store, then one transaction per application, then enqueue.

The database is written first and committed, and only then is the application's first stage
sent to the queue (DESIGN lesson 1). A crash mid-import leaves each application whole or absent;
importing the same batch again recognises what is there and creates nothing new.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.storage.blobstore import StoredBlob
from pipeline.storage.faults import StoreFault, is_store_fault
from pipeline.context import Context
from pipeline.storage.db.models import (Applicant, Application, BatchItem, BatchProblem, ImportBatch,
                                Material)
from pipeline.roster.fields import parse_fields
from pipeline.domain.identity import mask_id_number
from pipeline.domain.intake_value import ApplicationIntake, BatchIntake, IncomingFile, TooLarge
from pipeline.domain.materials import classify
from pipeline.domain.problems import Problem
from pipeline.roster.columns import COLUMNS
from pipeline.services.history import log_event, move
from pipeline.domain.states import AUTOMATIC, LABELS, State

log = logging.getLogger(__name__)

Start = Callable[[int], None]
RESUBMITTABLE = {State.RETURNED, State.FAILED}
AUTOMATIC_STATES = {str(s) for s in AUTOMATIC}
TYPED = ("name", "gender", "phone", "unit_name", "series", "specialty", "level", "current_title",
         "current_title_date", "education", "degree", "school", "graduation_date",
         "work_start_date", "ce_hours", "ce_public_hours", "ce_professional_hours", "path",
         "offline_review")


@dataclass(frozen=True)
class StoredFile:
    file: IncomingFile
    blob: StoredBlob
    problem: str | None = None         # "too_large" | "unreadable"
    detail: str | None = None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _jsonable(value: object) -> object:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def submit_batch(ctx: Context, batch: BatchIntake, start: Start) -> int:
    """Import a batch; return its id. Each application is committed, then `start` is called."""
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        row = ImportBatch(source=batch.source, source_kind=batch.source_kind, digest=batch.digest,
                          status="rejected" if batch.fatal else "importing",
                          submitted_by=batch.submitted_by, created_at=now,
                          finished_at=now if batch.fatal else None)
        row.problems = [BatchProblem(code=p.code, message=p.message, path=p.path)
                        for p in batch.problems]
        s.add(row)
        log_event(s, now=now, subject="batch", subject_id="-", action="batch.received",
                  actor=batch.submitted_by, reason=batch.source)
        s.commit()
        batch_id = row.id
    if batch.fatal:
        return batch_id
    for intake in batch.applications:
        try:
            app_id, outcome, waiting = submit_application(ctx, batch_id, intake)
        except StoreFault as exc:
            # Our storage failed (full disk, store not mounted...): no applicant is blamed and
            # the batch stops here; importing it again once the store is fixed goes on from here.
            _interrupt(ctx, batch_id, intake.line, intake.folder, exc)
            raise
        except Exception as exc:  # one applicant's technical fault must not stop the batch
            log.exception("intake of roster line %s failed", intake.line)
            _add_problem(ctx, batch_id, Problem(
                "application.intake_failed",
                f"第{intake.line}行的申报导入时发生技术故障（{_brief(exc)}），"
                "其余申报不受影响；请联系运维人员处理后重新导入本批次", intake.folder))
            continue
        if outcome in ("created", "resubmitted") or waiting:
            # An existing application still waiting at an automatic stage lost its message
            # (a crash before the queue took it): send it again; stages are idempotent.
            start(app_id)
    with ctx.db.uow() as s:
        row = s.get(ImportBatch, batch_id)
        assert row is not None
        row.status, row.finished_at = "imported", ctx.clock.now()
        s.commit()
    return batch_id


def _interrupt(ctx: Context, batch_id: int, line: int, folder: str | None,
               fault: StoreFault) -> None:
    """Record why the import stopped and mark the batch interrupted (best effort: the database
    may sit on the same failed disk)."""
    try:
        with ctx.db.uow() as s:
            s.add(BatchProblem(batch_id=batch_id, code="batch.store_failed", path=folder,
                               message=f"导入在第{line}行的申报处中断：{fault}。已导入的申报不受影响；"
                                       "请运维人员排除存储故障后重新导入本批次（已导入的不会重复）"))
            row = s.get(ImportBatch, batch_id)
            if row is not None:
                row.status, row.finished_at = "interrupted", ctx.clock.now()
            s.commit()
    except Exception:  # noqa: BLE001 - the fault itself is what the operator must see
        log.exception("could not record the interruption of batch %s", batch_id)


def _add_problem(ctx: Context, batch_id: int, problem: Problem) -> None:
    with ctx.db.uow() as s:
        s.add(BatchProblem(batch_id=batch_id, code=problem.code, message=problem.message,
                           path=problem.path))
        s.commit()


def _store(ctx: Context, f: IncomingFile) -> StoredFile:
    """Copy one file into the store, stopping at the size limit; never raises for bad bytes.

    Raises StoreFault when our side fails: the store cannot be written, or the batch's own file
    cannot be read for a reason of the operating system (an errno), not of its content.
    """
    limit = ctx.settings.max_file_bytes
    if f.size > limit:
        return StoredFile(f, StoredBlob(None, f.size), "too_large")
    try:
        with f.open() as stream:
            blob = ctx.blobs.put_stream(stream, limit=limit)
    except TooLarge:
        return StoredFile(f, StoredBlob(None, f.size), "too_large")
    except StoreFault:
        raise
    except (OSError, ValueError, EOFError) as exc:  # CRC error, truncated member
        if is_store_fault(exc):
            raise StoreFault("读取批次中的文件", f.relpath, exc) from exc
        return StoredFile(f, StoredBlob(None, f.size), "unreadable", f"{type(exc).__name__}: {exc}")
    if not blob.kept:
        return StoredFile(f, StoredBlob(None, max(blob.size, f.size)), "too_large")
    return StoredFile(f, blob)


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def submit_application(ctx: Context, batch_id: int, intake: ApplicationIntake
                       ) -> tuple[int, str, bool]:
    """Store one applicant's files and commit its application.

    Returns (id, outcome, waiting): waiting is True when the application is at an automatic stage.
    """
    stored = [_store(ctx, f) for f in intake.files]  # slow I/O outside the transaction
    parsed = parse_fields(intake.raw, ctx.today())
    values = parsed.values
    raw = {k: _jsonable(v) for k, v in intake.raw.items()}
    key_id = _text(values.get("id_number") or intake.raw.get("id_number")).upper()
    key = dict(
        id_number=key_id,
        year=values.get("year") or 0,
        unit_code=_text(values.get("unit_code") or intake.raw.get("unit_code")).upper(),
        title_name=_text(values.get("title_name") or intake.raw.get("title_name")),
    )
    roster_digest = _digest({"raw": raw, "extra": intake.extra})
    materials_digest = _digest(sorted((sf.file.relpath, sf.blob.sha256 or f"x{sf.blob.size}")
                                      for sf in stored))
    for attempt in range(2):
        try:
            return _commit_application(ctx, batch_id, intake, stored, values, raw, key,
                                       roster_digest, materials_digest)
        except IntegrityError:
            # Another import created the same application at the same moment: on the second
            # try it is found and recognised as existing.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _commit_application(ctx: Context, batch_id: int, intake: ApplicationIntake,
                        stored: list[StoredFile], values: dict[str, object],
                        raw: dict[str, object], key: dict[str, object], roster_digest: str,
                        materials_digest: str) -> tuple[int, str, bool]:
    now = ctx.clock.now()
    with ctx.db.uow() as s:
        applicant = s.get(Applicant, key["id_number"])
        if applicant is None:
            applicant = Applicant(id_number=key["id_number"], created_at=now)
            s.add(applicant)
        applicant.name = _text(values.get("name") or intake.raw.get("name"))
        app = s.scalars(select(Application).filter_by(**key)).one_or_none()
        if app is None:
            app = Application(**key, state=str(State.RECEIVED), state_changed_at=now,
                              created_at=now, updated_at=now, attempts=0)
            _fill(app, values, raw, intake, roster_digest, materials_digest)
            app.materials = [_material(sf, now) for sf in stored]
            s.add(app)
            s.flush()
            log_event(s, now=now, subject="application", subject_id=app.id, action="received",
                      application_id=app.id, to_state=str(State.RECEIVED),
                      reason=f"批次{batch_id}第{intake.line}行")
            outcome = "created"
        elif app.roster_digest == roster_digest and app.materials_digest == materials_digest:
            outcome = "existing"
        elif State(app.state) in RESUBMITTABLE:
            before = _snapshot(app)
            _fill(app, values, raw, intake, roster_digest, materials_digest)
            _replace_materials(s, app, stored, now)
            changes = _changes(before, _snapshot(app), app.state, now)
            move(s, app.id, app.state, State.RECEIVED, now=now, action="resubmitted",
                 reason=f"批次{batch_id}重新提交：{describe_changes(changes)}", attempts=0,
                 last_error=None, lease_until=None, changes=changes)
            outcome = "resubmitted"
        else:
            outcome = "existing"
            s.add(BatchProblem(
                batch_id=batch_id, code="application.in_progress", path=intake.folder,
                message=f"{app.name}（{mask_id_number(app.id_number)}）{app.year}年度的申报"
                        f"正处于“{LABELS[State(app.state)]}”，本批次对其信息或材料的修改未生效；"
                        "如需修改，请先由审核人员退回后再重新提交"))
        s.add(BatchItem(batch_id=batch_id, application_id=app.id, outcome=outcome,
                        roster_line=intake.line))
        waiting = app.state in AUTOMATIC_STATES
        s.commit()
        return app.id, outcome, waiting


def _fill(app: Application, values: dict[str, object], raw: dict[str, object],
          intake: ApplicationIntake, roster_digest: str, materials_digest: str) -> None:
    for name in TYPED:
        value = values.get(name)
        setattr(app, name, value if value is not None or name != "path" else "正常")
    app.name = _text(values.get("name") or raw.get("name"))
    app.roster = {"raw": raw, "extra": intake.extra, "line": intake.line, "folder": intake.folder}
    app.roster_digest, app.materials_digest = roster_digest, materials_digest


def _material(sf: StoredFile, now) -> Material:  # type: ignore[no-untyped-def]
    c = classify(sf.file.name)
    return Material(relpath=sf.file.relpath, original_name=sf.file.name, kind=str(c.kind),
                    part=c.part, recognized=c.recognized, size=sf.blob.size,
                    sha256=sf.blob.sha256, intake_problem=sf.problem, intake_detail=sf.detail,
                    created_at=now)


def _replace_materials(s: Session, app: Application, stored: list[StoredFile], now) -> None:  # type: ignore[no-untyped-def]
    """A resubmission's files replace the old ones (the blobs stay in the store)."""
    app.materials.clear()
    s.flush()
    app.materials.extend(_material(sf, now) for sf in stored)


def _snapshot(app: Application) -> dict[str, object]:
    return {
        "fields": {name: _jsonable(getattr(app, name)) for name in TYPED},
        "materials": {m.relpath: (m.kind, m.original_name, m.sha256 or f"x{m.size}")
                      for m in app.materials},
    }


def _changes(before: dict, after: dict, state: str, now) -> dict[str, object]:  # type: ignore[type-arg, no-untyped-def]
    """What a resubmission changed since the return: materials and roster fields."""
    old, new = before["materials"], after["materials"]
    materials = []
    for relpath in sorted(set(old) | set(new)):
        if relpath not in old:
            change = "added"
        elif relpath not in new:
            change = "removed"
        elif old[relpath][2] != new[relpath][2]:
            change = "replaced"
        else:
            continue
        kind, name, _ = new.get(relpath) or old[relpath]
        materials.append({"kind": kind, "name": name, "file": relpath, "change": change})
    fields = [{"field": name, "label": HEADERS.get(name, name), "before": before["fields"][name],
               "after": after["fields"][name]}
              for name in TYPED if before["fields"][name] != after["fields"][name]]
    return {"after": state, "at": now.isoformat(timespec="seconds"), "materials": materials,
            "fields": fields}


CHANGE_LABELS = {"added": "新增", "replaced": "更换", "removed": "删除"}
HEADERS = {c.field: c.header for c in COLUMNS}


def describe_changes(changes: dict) -> str:  # type: ignore[type-arg]
    """The changes of a resubmission in one Chinese sentence (event log, CLI)."""
    parts = [f"{CHANGE_LABELS[m['change']]}{m['kind']}（{m['name']}）" for m in changes["materials"]]
    parts += [f"{f['label']}由“{f['before'] or '空'}”改为“{f['after'] or '空'}”" for f in changes["fields"]]
    return "；".join(parts) if parts else "材料与信息均未变化"


def _brief(exc: BaseException) -> str:
    """The first line of an error, short enough for an operator's receipt."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:200]}"
