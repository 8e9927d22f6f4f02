"""The one way an application changes state (docs/workflow.md): checked, compare-and-set, logged.

`move` moves one application, `move_many` a set of them with one UPDATE … RETURNING (SQLite ≥ 3.35
and PostgreSQL) followed by one executemany of event rows. Both check the state machine first and
write the same kind of event row (`log_event`), so every change of `applications.state` after the
row was created goes through this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, insert, update
from sqlalchemy.orm import Session

from pipeline.domain.states import State, check_move
from pipeline.storage.db.models import Application, Event

SYSTEM = "系统"
CHUNK = 5000                      # ids per statement: under every database's parameter limit

Reason = str | None | Callable[[int], str | None]


def log_event(session: Session, *, now: datetime, subject: str, subject_id: object, action: str,
              actor: str = SYSTEM, reason: str | None = None, application_id: int | None = None,
              from_state: str | None = None, to_state: str | None = None) -> None:
    """Append one event to the log (never updated, never deleted)."""
    session.execute(insert(Event).values(
        application_id=application_id, subject=subject, subject_id=str(subject_id), action=action,
        from_state=from_state, to_state=to_state, actor=actor or SYSTEM, reason=reason,
        created_at=now))


def _queue_values(target: State, values: dict[str, object]) -> dict[str, object]:
    """The review queue unit follows the state (own unit, the named supervisor, or none)."""
    if target is State.UNIT_REVIEW:
        values.setdefault("review_unit_code", Application.unit_code)
    elif target is State.SUPERVISOR_REVIEW:
        if not values.get("review_unit_code"):
            raise ValueError("entering supervisor_review needs the supervising unit's code")
    else:
        values["review_unit_code"] = None
    return values


def move(session: Session, app_id: int, current: State | str, target: State | str, *,
         now: datetime, actor: str = SYSTEM, action: str = "transition", reason: str | None = None,
         **values: object) -> bool:
    """Move an application current → target if it is still in `current`; False if someone else did.

    Raises InvalidTransition when the state machine does not allow the move. Extra keyword
    values are written on the same row (e.g. the runner's lease and attempt counters).
    """
    target = check_move(current, target)
    moved = session.scalar(
        update(Application)
        .where(Application.id == app_id, Application.state == str(current))
        .values(state=str(target), state_changed_at=now, updated_at=now,
                **_queue_values(target, values))
        .returning(Application.id)
        .execution_options(synchronize_session=False)
    )
    if moved is None:
        return False
    log_event(session, now=now, subject="application", subject_id=app_id, action=action,
              actor=actor, reason=reason, application_id=app_id, from_state=str(current),
              to_state=str(target))
    return True


def move_many(session: Session, ids: Sequence[int] | Select[Any], current: State | str,
              target: State | str, *, now: datetime, actor: str = SYSTEM,
              action: str = "transition", reason: Reason = None,
              where: Iterable[ColumnElement[bool]] = (), **values: object) -> list[int]:
    """Move every listed application still in `current` to `target`; return the ids moved.

    `ids` is a list of ids or a SELECT of ids (kept in SQL); `where` narrows further. Each moved
    application gets one event row; `reason` is one text or a function of the id.
    """
    target = check_move(current, target)
    values = _queue_values(target, values)
    conditions = list(where)
    chunks: Iterable[ColumnElement[bool]]
    if isinstance(ids, Select):
        chunks = [Application.id.in_(ids)]
    else:
        unique = list(dict.fromkeys(int(i) for i in ids))
        chunks = [Application.id.in_(unique[i:i + CHUNK]) for i in range(0, len(unique), CHUNK)]
    moved: list[int] = []
    for chunk in chunks:
        moved += session.scalars(
            update(Application)
            .where(chunk, Application.state == str(current), *conditions)
            .values(state=str(target), state_changed_at=now, updated_at=now, **values)
            .returning(Application.id)
            .execution_options(synchronize_session=False)).all()
    moved.sort()
    if moved:
        session.execute(insert(Event), [
            dict(application_id=i, subject="application", subject_id=str(i), action=action,
                 from_state=str(current), to_state=str(target), actor=actor or SYSTEM,
                 reason=reason(i) if callable(reason) else reason, created_at=now)
            for i in moved])
    return moved
