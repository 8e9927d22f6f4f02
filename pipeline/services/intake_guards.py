"""What intake judges about an application before any of its files is read.

The roster row parsed once (`record_of`), file names with invisible characters (`safe_files`),
and the unit's standing (`return_if_blocked`): an application whose unit cannot file is
returned at once, with its findings, instead of after OCR.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from pipeline.domain.findings import Finding, Severity
from pipeline.domain.intake_value import ApplicationIntake, IncomingFile
from pipeline.domain.problems import Problem
from pipeline.domain.states import State
from pipeline.domain.text import strip_unsafe, unsafe_chars
from pipeline.roster.record import RosterRecord
from pipeline.rules.application import UnitFacts, unit_findings
from pipeline.stages.facts import unit_facts
from pipeline.storage.db.models import Application, FindingRow
from pipeline.storage.transitions import move_many

# The check stage's name: findings written at intake for batch-level blockers carry it, so the
# stage's next run (after a fix and `zhicheng recheck`) replaces them.
CHECK_STAGE = "check"


def record_of(intake: ApplicationIntake, today: date) -> RosterRecord:
    """The intake's roster record, parsed once (the HTTP adapter authorizes on the same one)."""
    if intake.record is None or intake.record_date != today:
        intake.record, intake.record_date = RosterRecord.parse(intake.raw, today), today
    assert isinstance(intake.record, RosterRecord)
    return intake.record


def safe_files(files: list[IncomingFile]) -> tuple[list[IncomingFile], list[Problem]]:
    """Files whose names hold invisible or direction characters, renamed without them, and why."""
    out: list[IncomingFile] = []
    problems: list[Problem] = []
    for f in files:
        bad = unsafe_chars(f.relpath, newlines_ok=False)
        if not bad:
            out.append(f)
            continue
        name, relpath = strip_unsafe(f.name, newlines_ok=False), strip_unsafe(f.relpath, newlines_ok=False)
        problems.append(Problem(
            "file.control_chars", f"文件“{relpath}”的文件名含有不可见的控制字符或文字方向字符"
            f"（{'、'.join(bad)}），显示的名称与实际名称不同；已按“{name}”受理，"
            "请改用普通文字命名后重新提交", relpath))
        out.append(IncomingFile(relpath=relpath, name=name, size=f.size, open=f.open))
    return out, problems


def return_if_blocked(s: Session, app: Application, record: RosterRecord, now: datetime) -> None:
    """`return_blocked` for one application held by the session (refreshed when returned)."""
    s.flush()
    if return_blocked(s, [(app.id, record)], now):
        s.refresh(app)


def return_blocked(s: Session, apps: Sequence[tuple[int, RosterRecord]], now: datetime) -> set[int]:
    """Return at once the received applications whose unit cannot file them (before any OCR is
    spent); the ids returned. Each unit's facts are read once for all of `apps`.

    Unregistered, not approved, or its superior not configured: the same findings the check
    stage writes (under its name, so its next run replaces them); `zhicheng recheck` after the fix.
    """
    facts: dict[str, UnitFacts | None] = {}
    told: dict[int, list[Finding]] = {}
    for app_id, record in apps:
        unit = record.unit_key
        if unit not in facts:
            facts[unit] = unit_facts(s, unit)
        blocking = [f for f in unit_findings(unit, facts[unit], record.values)
                    if f.level is Severity.BLOCK]
        if blocking:
            # Told at once with the unit's findings: what is wrong in the roster row itself.
            told[app_id] = [Finding(p.rule, p.message) for p in record.problems] + blocking
    if not told:
        return set()
    s.execute(delete(FindingRow).where(FindingRow.application_id.in_(told),
                                       FindingRow.stage == CHECK_STAGE)
              .execution_options(synchronize_session=False))
    s.execute(insert(FindingRow), [
        dict(application_id=app_id, stage=CHECK_STAGE, rule=f.rule, severity=str(f.level),
             material=f.material, message=f.message, created_at=now)
        for app_id, findings in told.items() for f in findings])

    def reason(app_id: int) -> str:
        blocks = [f for f in told[app_id] if f.level is Severity.BLOCK]
        return "；".join(f"{i}. {f.message}" for i, f in enumerate(blocks, 1))

    return set(move_many(s, list(told), State.RECEIVED, State.RETURNED, now=now,
                         action="intake.blocked", reason=reason, attempts=0, lease_until=None))
