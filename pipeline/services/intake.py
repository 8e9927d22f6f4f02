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
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import islice
from typing import TypeVar

from pipeline.context import Context
from pipeline.domain.intake_value import ApplicationIntake, BatchIntake, IncomingFile, TooLarge
from pipeline.domain.problems import Problem, collapse
from pipeline.domain.vocabulary import BatchStatus
from pipeline.services import orphans
from pipeline.services.intake_commit import commit_one
from pipeline.services.intake_guards import record_of, safe_files
from pipeline.services.intake_rows import Prepared, StoredFile, insert_new, jsonable
from pipeline.stages import STAGES, Send, Stages
from pipeline.storage.blobstore import StoredBlob
from pipeline.storage.db.models import BatchProblem, ImportBatch
from pipeline.storage.faults import StoreFault, is_store_fault
from pipeline.storage.transitions import log_event

log = logging.getLogger(__name__)

T = TypeVar("T")
PREPARING = 8   # threads storing files (hashing, copying and fsync release the GIL)


def submit_batch(ctx: Context, batch: BatchIntake, send: Send, *, stages: Stages = STAGES) -> int:
    """Import a batch; return its id. Each chunk of applications is committed, then sent on:
    `send(stage name, ids)` for the stage each waits for (the queue's `send`)."""
    now = ctx.clock.now()
    today = ctx.today()  # one date for the whole batch: every row is parsed against it
    with ctx.db.uow() as s:
        row = ImportBatch(source=batch.source, source_kind=batch.source_kind, digest=batch.digest,
                          status=BatchStatus.REJECTED if batch.fatal else BatchStatus.IMPORTING,
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
            # New and resubmitted work waits for the first stage (not when returned at intake:
            # its unit cannot file). An existing application still waiting at an automatic stage
            # may have lost its message (a crash before it reached the queue, or its worker
            # died): it is sent again where it waits (a worker holding it makes this a no-op).
            waiting: dict[str, list[int]] = defaultdict(list)
            for app_id, _, state in submitted:
                stage = stages.waiting_in(state)
                if stage is not None:
                    waiting[stage.name].append(app_id)
            for name, ids in waiting.items():  # the chunk is committed: one message per stage
                send(name, ids)
    with ctx.db.uow() as s:
        finished = s.get(ImportBatch, batch_id)
        assert finished is not None
        finished.status, finished.finished_at = BatchStatus.IMPORTED, ctx.clock.now()
        s.commit()
    return batch_id


def _submit_chunk(ctx: Context, batch_id: int, chunk: list[ApplicationIntake],
                  pool: ThreadPoolExecutor, today: date) -> list[tuple[int, str, str]]:
    """Store and parse a chunk's applicants in threads, then commit the new ones together
    (Core inserts, one transaction) and the others one by one; a fault stays with its applicant.
    A new application whose unit cannot file is returned at once, before any OCR is spent."""
    prepared: list[Prepared] = []
    results = list(pool.map(lambda i: _attempt(prepare, ctx, i, today), chunk))
    ctx.blobs.sync()  # the chunk's files are durable before any row names them (StoreFault)
    for intake, done in zip(chunk, results):
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
    out = [(app_id, "created", state) for app_id, state in created]
    for p in rest:
        committed = _attempt(commit_one, ctx, batch_id, p)
        if isinstance(committed, Exception):
            _intake_failed(ctx, batch_id, p.intake, committed)
        else:
            out.append(committed)
    return out


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
                row.status, row.finished_at = BatchStatus.INTERRUPTED, ctx.clock.now()
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
            blob = ctx.blobs.put_stream(stream, limit=limit, durable=False)
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
    """Store one applicant's files and parse its row once (slow I/O, outside any transaction).
    The files are not flushed yet: the caller syncs the store (`ctx.blobs.sync()`) before it
    commits anything that names them."""
    files, name_problems = safe_files(list(intake.files))
    stored = [_store(ctx, f) for f in files]
    record = record_of(intake, today or ctx.today())
    raw = {k: jsonable(v) for k, v in intake.raw.items()}
    return Prepared(intake, stored, record, raw, _digest({"raw": raw, "extra": intake.extra}),
                    _digest(sorted((sf.file.relpath, sf.blob.sha256 or f"x{sf.blob.size}")
                                   for sf in stored)), name_problems)


def _brief(exc: BaseException) -> str:
    """The first line of an error, short enough for an operator's receipt."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:200]}"
