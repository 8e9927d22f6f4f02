"""Committing one prepared application on its own: new, unchanged, or resubmitted after a
return (its changes described for the event log), with the batch's problem when it is in progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.identity import mask_id_number
from pipeline.domain.intake_value import ApplicationIntake
from pipeline.domain.states import LABELS, RESUBMITTABLE, State
from pipeline.domain.text import strip_unsafe
from pipeline.domain.vocabulary import CHANGE_LABELS  # one word for each change (替换)
from pipeline.roster.columns import COLUMNS
from pipeline.roster.record import TYPED, RosterRecord
from pipeline.services.intake_guards import return_if_blocked
from pipeline.services.intake_rows import Prepared, StoredFile, jsonable, material_row, text
from pipeline.storage.db.models import Applicant, Application, BatchItem, BatchProblem, Material
from pipeline.storage.transitions import log_event, move


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


def _replace_materials(s: Session, app: Application, stored: list[StoredFile], now: datetime) -> None:
    """A resubmission's files replace the old ones (the blobs stay in the store)."""
    app.materials.clear()
    s.flush()
    app.materials.extend(_material(sf, now) for sf in stored)


def _snapshot(app: Application) -> dict[str, object]:
    return {
        "fields": {name: jsonable(getattr(app, name)) for name in TYPED},
        "materials": {m.relpath: (m.kind, m.original_name, m.sha256 or f"x{m.size}")
                      for m in app.materials},
    }


def _changes(before: dict[str, Any], after: dict[str, Any], state: str, now: datetime) -> dict[str, object]:
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


def describe_changes(changes: dict[str, Any]) -> str:
    """The changes of a resubmission in one Chinese sentence (event log, CLI)."""
    parts = [f"{CHANGE_LABELS[m['change']]}{m['kind']}（{m['name']}）" for m in changes["materials"]]
    parts += [f"{f['label']}由“{f['before'] or '空'}”改为“{f['after'] or '空'}”" for f in changes["fields"]]
    return "；".join(parts) if parts else "材料与信息均未变化"
