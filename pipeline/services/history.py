"""The one way an application changes state: checked by the state machine, compare-and-set, logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from pipeline.storage.db.models import Application, Event
from pipeline.domain.states import State, check_move

SYSTEM = "系统"


def log_event(session: Session, *, now: datetime, subject: str, subject_id: object, action: str,
              actor: str = SYSTEM, reason: str | None = None, application_id: int | None = None,
              from_state: str | None = None, to_state: str | None = None) -> None:
    """Append one event to the log (never updated, never deleted)."""
    session.execute(insert(Event).values(
        application_id=application_id, subject=subject, subject_id=str(subject_id), action=action,
        from_state=from_state, to_state=to_state, actor=actor, reason=reason, created_at=now))


def move(session: Session, app_id: int, current: State | str, target: State | str, *, now: datetime,
         actor: str = SYSTEM, action: str = "transition", reason: str | None = None,
         **values: object) -> bool:
    """Move an application current → target if it is still in `current`; False if someone else did.

    Raises InvalidTransition when the state machine does not allow the move. The review queue
    unit follows the state: the application's own unit on entering 所在单位初审, the unit the
    caller names on entering 主管单位审核, none anywhere else.
    """
    target = check_move(current, target)
    if target is State.UNIT_REVIEW:
        values.setdefault("review_unit_code", Application.unit_code)
    elif target is State.SUPERVISOR_REVIEW:
        if not values.get("review_unit_code"):
            raise ValueError("entering supervisor_review needs the supervising unit's code")
    else:
        values["review_unit_code"] = None
    result = session.execute(
        update(Application)
        .where(Application.id == app_id, Application.state == str(current))
        .values(state=str(target), state_changed_at=now, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    log_event(session, now=now, subject="application", subject_id=app_id, action=action,
              actor=actor, reason=reason, application_id=app_id, from_state=str(current),
              to_state=str(target))
    return True
