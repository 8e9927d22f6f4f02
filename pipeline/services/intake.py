"""Submitting a batch: files to the store, then the new applications of each chunk in one
transaction (the others one by one), then enqueue.

The database is written first and committed, and only then is the application's first stage
sent to the queue (docs/architecture.md). A crash mid-import leaves each application whole or absent;
importing the same batch again recognises what is there and creates nothing new.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from itertools import islice
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.identity import mask_id_number
from pipeline.domain.intake_value import ApplicationIntake, BatchIntake, IncomingFile, TooLarge
from pipeline.domain.problems import Problem, collapse
from pipeline.domain.states import LABELS, RESUBMITTABLE, State
from pipeline.domain.text import strip_unsafe
from pipeline.domain.vocabulary import CHANGE_LABELS  # one word for each change (替换)
from pipeline.roster.columns import COLUMNS
from pipeline.roster.record import TYPED, RosterRecord
from pipeline.services import orphans
from pipeline.services.intake_guards import record_of, return_if_blocked, safe_files
from pipeline.services.intake_rows import Prepared, StoredFile, insert_new, material_row, text
from pipeline.stages import STAGES, Stages
from pipeline.storage.blobstore import StoredBlob
from pipeline.storage.db.models import Applicant, Application, BatchItem, BatchProblem, ImportBatch, Material
from pipeline.storage.faults import StoreFault, is_store_fault
from pipeline.storage.transitions import log_event, move

log = logging.getLogger(__name__)

T = TypeVar("T")
PREPARING = 4   # threads storing files (hashing and copying release the GIL)
Start = Callable[[int], None]
Send = Callable[[str, Sequence[int]], None]
# The check stage's name: findings written at intake for batch-level blockers carry it, so the
# stage's next run (after a fix and `zhicheng recheck`) replaces them.
CHECK_STAGE = "check"


def _jsonable(value: object) -> object:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def submit_batch(ctx: Context, batch: BatchIntake, start: Start, *, send: Send | None = None,
                 stages: Stages = STAGES) -> int:
    """Import a batch; return its id. Each application is committed, then `start` is called.

    An application already waiting at an automatic stage (a crash before its message reached
    the queue, or its worker died) is sent again to the stage it actually waits for, on that
    stage's queue (`send`; without it, only new work is sent)."""
    now = ctx.clock.now()
    today = ctx.today()  # one date for the whole batch: every row is parsed against it
    with ctx.db.uow() as s:
        row = ImportBatch(source=batch.source, source_kind=batch.source_kind, digest=batch.digest,
                          status="rejected" if batch.fatal else "importing",
                          submitted_by=batch.submitted_by, created_at=now,
                          finished_at=now if batch.fatal else None, owner=orphans.current())
        row.problems = [BatchProblem(code=p.code, message=p.message, path=p.path)
                        for p in collapse(batch.problems)]
        s.add(row)
        log_event(s, now=now, subject="batch", subject_id="-", action="batch.received",
                  actor=batch.submitted_by, reason=batch.source)
        s.commit()
        batch_id = row.id
    if batch.fatal:
        return batch_id
    size = max(1, ctx.settings.stage_chunk)
    with ThreadPoolExecutor(max_workers=PREPARING, thread_name_prefix="intake") as pool:
        rows = iter(batch.applications)
        while chunk := list(islice(rows, size)):
            try:
                submitted = _submit_chunk(ctx, batch_id, chunk, pool, today)
            except StoreFault as exc:
                # Our storage failed (full disk, store not mounted...): no applicant is blamed and
                # the batch stops here; importing it again once the store is fixed goes on from here.
                _interrupt(ctx, batch_id, chunk[0].line, chunk[0].folder, exc)
                raise
            for app_id, outcome, state in submitted:
                waiting = stages.waiting_in(state)
                if outcome in ("created", "resubmitted"):
                    if waiting is stages.first:  # not when returned at intake (unit blocked)
                        start(app_id)
                elif waiting is not None:
                    # An existing application still waiting at an automatic stage may have lost
                    # its message: send it again where it waits (a worker holding it makes
                    # this a no-op); without `send`, only those that wait for the first stage.
                    if send is not None:
                        send(waiting.name, [app_id])
                    elif waiting is stages.first:
                        start(app_id)
    with ctx.db.uow() as s:
        finished = s.get(ImportBatch, batch_id)
        assert finished is not None
        finished.status, finished.finished_at = "imported", ctx.clock.now()
        s.commit()
    return batch_id


def _submit_chunk(ctx: Context, batch_id: int, chunk: list[ApplicationIntake],
                  pool: ThreadPoolExecutor, today: date) -> list[tuple[int, str, str]]:
    """Store and parse a chunk's applicants in threads, then commit the new ones together
    (Core inserts, one transaction) and the others one by one; a fault stays with its applicant.
    A new application whose unit cannot file is returned at once, before any OCR is spent."""
    prepared: list[Prepared] = []
    for intake, done in zip(chunk, pool.map(lambda i: _attempt(prepare, ctx, i, today), chunk)):
        if isinstance(done, Exception):
            _intake_failed(ctx, batch_id, intake, done)
        else:
            prepared.append(done)
            for problem in done.problems:
                _add_problem(ctx, batch_id, problem)
    try:
        created, rest = insert_new(ctx, batch_id, prepared)
    except Exception:  # a concurrent import, a fault: each applicant on its own below
        log.warning("chunk insert failed; committing one by one", exc_info=True)
        created, rest = [], prepared
    out = [(app_id, "created", _block_if_unit_cannot_file(ctx, app_id, p.record))
           for app_id, p in created]
    for p in rest:
        committed = _attempt(commit_one, ctx, batch_id, p)
        if isinstance(committed, Exception):
            _intake_failed(ctx, batch_id, p.intake, committed)
        else:
            out.append(committed)
    return out


def _block_if_unit_cannot_file(ctx: Context, app_id: int, record: RosterRecord) -> str:
    """Return a just-created application at once when its unit cannot file it; its state."""
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        assert app is not None
        return_if_blocked(s, app, record, ctx.clock.now())
        s.commit()
        return app.state


def _attempt(fn: Callable[..., T], *args: object) -> T | Exception:
    try:
        return fn(*args)
    except StoreFault:
        raise  # our storage, not the applicant: the batch stops (submit_batch)
    except Exception as exc:  # one applicant's technical fault must not stop the batch
        return exc


def _intake_failed(ctx: Context, batch_id: int, intake: ApplicationIntake, exc: Exception) -> None:
    log.error("intake of roster line %s failed", intake.line, exc_info=exc)
    _add_problem(ctx, batch_id, Problem(
        "application.intake_failed",
        f"第{intake.line}行的申报导入时发生技术故障（{_brief(exc)}），"
        "其余申报不受影响；请联系运维人员处理后重新导入本批次", intake.folder))


def _interrupt(ctx: Context, batch_id: int, line: int | None, folder: str | None,
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
        if isinstance(exc, OSError) and is_store_fault(exc):
            raise StoreFault("读取批次中的文件", f.relpath, exc) from exc
        return StoredFile(f, StoredBlob(None, f.size), "unreadable", f"{type(exc).__name__}: {exc}")
    if not blob.kept:
        return StoredFile(f, StoredBlob(None, max(blob.size, f.size)), "too_large")
    return StoredFile(f, blob)


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def prepare(ctx: Context, intake: ApplicationIntake, today: date | None = None) -> Prepared:
    """Store one applicant's files and parse its row once (slow I/O, outside any transaction)."""
    files, name_problems = safe_files(list(intake.files))
    stored = [_store(ctx, f) for f in files]
    record = record_of(intake, today or ctx.today())
    raw = {k: _jsonable(v) for k, v in intake.raw.items()}
    return Prepared(intake, stored, record, raw, _digest({"raw": raw, "extra": intake.extra}),
                    _digest(sorted((sf.file.relpath, sf.blob.sha256 or f"x{sf.blob.size}")
                                   for sf in stored)), name_problems)


def submit_application(ctx: Context, batch_id: int, intake: ApplicationIntake,
                       today: date | None = None) -> tuple[int, str, str]:
    """Store one applicant's files and commit its application; return (id, outcome, state)."""
    prepared = prepare(ctx, intake, today)
    for problem in prepared.problems:
        _add_problem(ctx, batch_id, problem)
    return commit_one(ctx, batch_id, prepared)


def commit_one(ctx: Context, batch_id: int, p: Prepared) -> tuple[int, str, str]:
    """Commit one prepared application (new, unchanged, or resubmitted); (id, outcome, state)."""
    for attempt in range(2):
        try:
            return _commit_application(ctx, batch_id, p.intake, p.stored, p.record, p.raw,
                                       p.roster_digest, p.materials_digest)
        except IntegrityError:
            # Another import created the same application at the same moment: on the second
            # try it is found and recognised as existing.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _commit_application(ctx: Context, batch_id: int, intake: ApplicationIntake,
                        stored: list[StoredFile], record: RosterRecord,
                        raw: dict[str, object], roster_digest: str,
                        materials_digest: str) -> tuple[int, str, str]:
    now = ctx.clock.now()
    values, key = record.values, record.key()
    with ctx.db.uow() as s:
        applicant = s.get(Applicant, key["id_number"])
        if applicant is None:
            applicant = Applicant(id_number=key["id_number"], created_at=now)
            s.add(applicant)
        applicant.name = strip_unsafe(text(values.get("name") or intake.raw.get("name")))
        app = s.scalars(select(Application).filter_by(**key)).one_or_none()
        if app is None:
            app = Application(**key, state=str(State.RECEIVED), state_changed_at=now,
                              created_at=now, updated_at=now, attempts=0)
            _fill(app, record, raw, intake, roster_digest, materials_digest)
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
            _fill(app, record, raw, intake, roster_digest, materials_digest)
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
        if outcome in ("created", "resubmitted"):
            return_if_blocked(s, app, record, now)
        s.add(BatchItem(batch_id=batch_id, application_id=app.id, outcome=outcome,
                        roster_line=intake.line))
        state = app.state
        s.commit()
        return app.id, outcome, state


def _fill(app: Application, record: RosterRecord, raw: dict[str, object],
          intake: ApplicationIntake, roster_digest: str, materials_digest: str) -> None:
    values = record.values
    for name in TYPED:
        value = values.get(name)
        setattr(app, name, value if value is not None or name != "path" else "正常")
    app.name = strip_unsafe(text(values.get("name") or raw.get("name")))
    app.roster = {"raw": raw, "extra": intake.extra, "line": intake.line, "folder": intake.folder,
                  "problems": record.stored_problems()}
    app.roster_digest, app.materials_digest = roster_digest, materials_digest


def _material(sf: StoredFile, now: datetime) -> Material:
    return Material(**material_row(sf, now))


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
