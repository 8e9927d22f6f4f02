"""Submitting a batch once: the same content (by digest) or the same Idempotency-Key gives the
batch already made, never a second import.

An upload first claims its (principal, digest) and (principal, key) with a row whose batch is
still empty; unique constraints make two concurrent requests for the same content meet on that
row, and the loser is told to wait. The claim is released when the import fails, so a retry can
import. A claim belongs to the process that made it (pipeline.services.orphans): one left by a
dead process is taken over at once (one made on another host, after `orphans.STALE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from pipeline.context import Context
from pipeline.domain.vocabulary import BatchStatus
from pipeline.errors import Refused
from pipeline.services import orphans
from pipeline.storage.db.models import ApiUpload, ImportBatch

STALE = orphans.STALE


class KeyReused(Refused):
    """An Idempotency-Key already used for other content."""

    code = "idempotency.key_reused"


@dataclass(frozen=True)
class Claim:
    """What claiming an upload gave: a batch already made, a claim in progress, or ours to run."""

    upload_id: int | None = None   # ours: import, then finish() or release()
    batch_id: int | None = None    # already imported: answer with this batch
    busy: bool = False             # the same upload is being imported right now


def claim(ctx: Context, principal: str, kind: str, digest: str, key: str | None) -> Claim:
    """Claim an upload, or say which batch it already made. Raises KeyReused."""
    me = orphans.current()
    for _ in range(3):
        now = ctx.clock.now()
        with ctx.db.uow() as s:
            cond = ApiUpload.digest == digest
            if key is not None:
                cond = or_(cond, ApiUpload.idempotency_key == key)
            rows = list(s.scalars(select(ApiUpload).where(ApiUpload.principal == principal, cond)))
            if key is not None and any(r.idempotency_key == key and r.digest != digest for r in rows):
                raise KeyReused(key)
            done = next((r for r in rows if r.batch_id is not None), None)
            if done is not None:
                return Claim(batch_id=done.batch_id)
            if rows:
                row = rows[0]
                if orphans.alive(row.owner, row.created_at, now):
                    return Claim(busy=True)
                # A claim left by a process that died mid-import: take it over.
                taken = cast(CursorResult[Any], s.execute(update(ApiUpload).where(
                    ApiUpload.id == row.id, ApiUpload.created_at == row.created_at,
                    ApiUpload.batch_id.is_(None)).values(created_at=now, owner=me)))
                s.commit()
                if taken.rowcount == 1:
                    return Claim(upload_id=row.id)
                continue
            row = ApiUpload(principal=principal, kind=kind, digest=digest, idempotency_key=key,
                            created_at=now, owner=me)
            s.add(row)
            try:
                s.commit()
            except IntegrityError:
                continue  # someone claimed it between our read and our insert: look again
            return Claim(upload_id=row.id)
    return Claim(busy=True)


def finish(ctx: Context, upload_id: int, batch_id: int) -> None:
    """Record the batch an upload made: later copies of it answer with this batch."""
    with ctx.db.uow() as s:
        s.execute(update(ApiUpload).where(ApiUpload.id == upload_id)
                  .values(batch_id=batch_id, finished_at=ctx.clock.now()))
        s.commit()


def release(ctx: Context, upload_id: int) -> None:
    """Drop a claim whose import did not happen, so that a retry can import."""
    with ctx.db.uow() as s:
        s.execute(delete(ApiUpload).where(ApiUpload.id == upload_id, ApiUpload.batch_id.is_(None)))
        s.commit()


def imported_batch(ctx: Context, digest: str | None) -> int | None:
    """The first finished batch with this source digest (the inbox's "dropped twice"), or None."""
    if not digest:
        return None
    with ctx.db.uow() as s:
        return s.scalar(select(ImportBatch.id).where(
            ImportBatch.digest == digest, ImportBatch.status.in_((BatchStatus.IMPORTED, BatchStatus.REJECTED)))
            .order_by(ImportBatch.id).limit(1))
