"""Read-only views for operators: batch receipts, status, applications with findings and history."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline import errors
from pipeline.context import CHINA, Context
from pipeline.domain.states import LABELS, WAITING, State
from pipeline.domain.vocabulary import BatchStatus
from pipeline.services import receipts
from pipeline.stages import STAGES, Stages
from pipeline.storage.db.models import (
    Application,
    BatchItem,
    Event,
    Extraction,
    FindingRow,
    ImportBatch,
    Material,
    Review,
)

REVIEW_QUEUES = {
    "unit": State.UNIT_REVIEW,
    "supervisor": State.SUPERVISOR_REVIEW,
    "center": State.CENTER_REVIEW,
}




class NotFound(errors.NotFound):
    """The thing asked for does not exist; the message says which, in Chinese."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def batch_receipt(ctx: Context, batch_id: int) -> dict[str, Any]:
    """A batch's receipt (docs/reference.md §5): created, existing, applications and problems."""
    with ctx.db.uow() as s:
        batch = s.get(ImportBatch, batch_id)
        if batch is None:
            raise NotFound(f"批次{batch_id}不存在")
        by_outcome: dict[str, list[int]] = {"created": [], "existing": [], "resubmitted": []}
        for item in batch.items:
            by_outcome.setdefault(item.outcome, []).append(item.application_id)
        ids = [i.application_id for i in batch.items]
        states = dict(s.execute(select(Application.id, Application.state)
                                .where(Application.id.in_(ids))).all()) if ids else {}
        counts: dict[str, int] = {}
        for state in states.values():
            counts[state] = counts.get(state, 0) + 1
        return {
            "batch": batch.id,
            "source": batch.source,
            "status": batch.status,
            "submitted_at": _iso(batch.created_at),
            "finished_at": _iso(batch.finished_at),
            "created": by_outcome["created"],
            "existing": by_outcome["existing"],
            "resubmitted": by_outcome["resubmitted"],
            "applications": ids,
            "states": counts,
            "problems": [{"code": p.code, "message": p.message, "path": p.path}
                         for p in batch.problems],
            # Every applicant with its state and blocking messages (pipeline.services.receipts).
            "applicants": [a.to_json() for a in receipts.applicants(s, batch_id)],
        }


def batch_pending(ctx: Context, batch_id: int) -> int:
    """How many applications of a batch are still in an automatic stage."""
    with ctx.db.uow() as s:
        return s.scalar(
            select(func.count()).select_from(BatchItem).join(
                Application, Application.id == BatchItem.application_id)
            .where(BatchItem.batch_id == batch_id,
                   Application.state.in_(WAITING))) or 0


def pending(ctx: Context, batch_id: int | None = None) -> dict[str, int]:
    """Applications at each automatic state (of one batch, or all)."""
    q = select(Application.state, func.count()).where(Application.state.in_(WAITING))
    if batch_id is not None:
        q = q.join(BatchItem, BatchItem.application_id == Application.id).where(
            BatchItem.batch_id == batch_id)
    with ctx.db.uow() as s:
        return {state: n for state, n in s.execute(q.group_by(Application.state))}


def held_elsewhere(ctx: Context, batch_id: int | None = None) -> dict[str, Any] | None:
    """Waiting applications whose lease has not run out: how many, and until when (China time)."""
    now = ctx.clock.now()
    q = select(func.count(), func.max(Application.lease_until)).where(
        Application.state.in_(WAITING), Application.lease_until >= now)
    if batch_id is not None:
        q = q.join(BatchItem, BatchItem.application_id == Application.id).where(
            BatchItem.batch_id == batch_id)
    with ctx.db.uow() as s:
        count, until = s.execute(q).one()
    if not count or until is None:
        return None
    latest: datetime = until
    return {"count": count, "until": (latest + CHINA).strftime("%H:%M:%S")}


def overview(ctx: Context, stages: Stages = STAGES) -> dict[str, Any]:
    """Counts by state, each queue's depth and oldest age, and what needs an operator."""
    now = ctx.clock.now()
    stuck_after = ctx.settings.stuck_after_seconds
    with ctx.db.uow() as s:
        rows = s.execute(select(Application.state, func.count(), func.min(Application.state_changed_at))
                         .group_by(Application.state)).all()
        by_state = {r[0]: (r[1], r[2]) for r in rows}
        queues = []
        for stage in stages:
            n, oldest = by_state.get(str(stage.takes), (0, None))
            queues.append({"queue": stage.name, "broker_queue": stage.queue, "kind": "automatic", "depth": n,
                           "oldest_age_seconds": _age(now, oldest)})
        for name, state in REVIEW_QUEUES.items():
            n, oldest = by_state.get(str(state), (0, None))
            queues.append({"queue": f"review:{name}", "kind": "review", "depth": n,
                           "oldest_age_seconds": _age(now, oldest)})
        stuck = s.execute(select(Application.id, Application.name, Application.state,
                                 Application.state_changed_at, Application.attempts)
                          .where(Application.state.in_(WAITING),
                                 Application.state_changed_at < _minus(now, stuck_after))
                          .order_by(Application.state_changed_at).limit(100)).all()
        failed = s.execute(select(Application.id, Application.name, Application.last_error,
                                  Application.state_changed_at)
                           .where(Application.state == str(State.FAILED))
                           .order_by(Application.state_changed_at).limit(100)).all()
        interrupted = s.execute(select(ImportBatch.id, ImportBatch.source, ImportBatch.finished_at)
                                .where(ImportBatch.status == BatchStatus.INTERRUPTED)
                                .order_by(ImportBatch.id.desc()).limit(100)).all()
        return {
            "total": sum(n for n, _ in by_state.values()),
            "states": {state: n for state, (n, _) in sorted(by_state.items())},
            "queues": queues,
            "stuck": [{"id": r.id, "name": r.name, "state": r.state, "attempts": r.attempts,
                       "since": _iso(r.state_changed_at),
                       "reason": f"停留在“{LABELS[State(r.state)]}”已超过{stuck_after // 60}分钟"}
                      for r in stuck],
            "failed": [{"id": r.id, "name": r.name, "since": _iso(r.state_changed_at),
                        "reason": r.last_error} for r in failed],
            "interrupted": [{"batch": r.id, "source": r.source, "since": _iso(r.finished_at)}
                            for r in interrupted],
        }


def _minus(now: datetime, seconds: int) -> datetime:
    return now - timedelta(seconds=seconds)


def _age(now: datetime, oldest: datetime | None) -> int | None:
    return int((now - oldest).total_seconds()) if oldest else None


def _summary(app: Application, findings: list[FindingRow]) -> dict[str, Any]:
    return {
        "id": app.id, "name": app.name, "id_number": app.id_number, "unit_code": app.unit_code,
        "year": app.year, "series": app.series, "specialty": app.specialty, "level": app.level,
        "title_name": app.title_name, "path": app.path, "state": app.state,
        "state_label": LABELS.get(State(app.state), app.state),
        "state_changed_at": _iso(app.state_changed_at), "last_error": app.last_error,
        "review_unit_code": app.review_unit_code,
        "findings": [{"rule": f.rule, "severity": f.severity, "material": f.material,
                      "message": f.message, "stage": f.stage} for f in findings],
    }


def _findings_by_app(s: Session, ids: list[int]) -> dict[int, list[FindingRow]]:
    out: dict[int, list[FindingRow]] = {i: [] for i in ids}
    if ids:
        for f in s.scalars(select(FindingRow).where(FindingRow.application_id.in_(ids))
                           .order_by(FindingRow.id)):
            out[f.application_id].append(f)
    return out


def list_applications(ctx: Context, *, state: str | None = None, unit: str | None = None,
                      year: int | None = None, batch: int | None = None,
                      review_unit: str | None = None, limit: int | None = None
                      ) -> list[dict[str, Any]]:
    """Applications with their findings, oldest first."""
    q = select(Application).order_by(Application.state_changed_at, Application.id)
    if state:
        q = q.where(Application.state == state)
    if unit:
        q = q.where(Application.unit_code == unit.upper())
    if year:
        q = q.where(Application.year == year)
    if review_unit:
        q = q.where(Application.review_unit_code == review_unit.upper())
    if batch:
        q = q.join(BatchItem, BatchItem.application_id == Application.id).where(
            BatchItem.batch_id == batch)
    if limit:
        q = q.limit(limit)
    with ctx.db.uow() as s:
        apps = list(s.scalars(q))
        findings = _findings_by_app(s, [a.id for a in apps])
        return [_summary(a, findings[a.id]) for a in apps]


def show_application(ctx: Context, app_id: int) -> dict[str, Any]:
    """One application with its fields, materials, findings, reviews and history."""
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise NotFound(f"申报{app_id}不存在")
        out = _summary(app, list(app.findings))
        out.update({
            "gender": app.gender, "phone": app.phone, "unit_name": app.unit_name,
            "current_title": app.current_title,
            "current_title_date": _d(app.current_title_date), "education": app.education,
            "degree": app.degree, "school": app.school,
            "graduation_date": _d(app.graduation_date),
            "work_start_date": _d(app.work_start_date), "ce_hours": app.ce_hours,
            "ce_public_hours": app.ce_public_hours,
            "ce_professional_hours": app.ce_professional_hours,
            "offline_review": app.offline_review, "offline_result": app.offline_result,
            "offline_result_by": app.offline_result_by, "roster_line": app.roster.get("line"),
            "folder": app.roster.get("folder"), "extra": app.roster.get("extra", {}),
            "created_at": _iso(app.created_at), "changes": app.changes,
        })
        readings = _readings(s, [m.sha256 for m in app.materials if m.sha256])
        out["materials"] = [_material(m, readings.get(m.sha256 or "")) for m in app.materials]
        # the check stage's judgement of each field read, as stored (None: not checked yet)
        out["ocr_comparisons"] = list(app.ocr_comparisons) if app.ocr_comparisons is not None else None
        out["reviews"] = [{"stage": r.stage, "decision": r.decision, "opinion": r.opinion,
                           "reviewer": r.reviewer, "at": _iso(r.created_at)}
                          for r in s.scalars(select(Review).where(Review.application_id == app_id)
                                             .order_by(Review.id))]
        out["events"] = [{"at": _iso(e.created_at), "action": e.action, "from": e.from_state,
                          "to": e.to_state, "actor": e.actor, "reason": e.reason}
                         for e in s.scalars(select(Event).where(Event.application_id == app_id)
                                            .order_by(Event.id))]
        return out


def _d(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _readings(s: Session, hashes: list[str]) -> dict[str, dict[str, Any]]:
    """What was read from each content: the engine, the text's length and the fields found."""
    out: dict[str, dict[str, Any]] = {}
    if hashes:
        for e in s.scalars(select(Extraction).where(Extraction.sha256.in_(hashes))
                           .order_by(Extraction.id)):
            out[e.sha256] = {"method": e.method, "chars": e.chars, "confidence": e.confidence,
                             **{k: v for k, v in e.fields.items() if v not in (None, {}, "")}}
    return out


def _material(m: Material, reading: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": m.id, "file": m.relpath, "name": m.original_name, "kind": m.kind, "part": m.part,
            "recognized": m.recognized, "size": m.size, "sha256": m.sha256,
            "media_type": m.media_type, "detected": m.detected, "pages": m.pages,
            "has_text_layer": m.has_text_layer, "encrypted": m.encrypted,
            "width": m.width, "height": m.height, "orientation": m.orientation,
            "normalized_sha256": m.normalized_sha256, "reading": reading}
