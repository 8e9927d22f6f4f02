"""Facts the rules read from the database, loaded the same way at intake and in the check stage."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline.rules.application import UnitFacts
from pipeline.storage.db.models import Unit


def unit_facts(s: Session, code: str) -> UnitFacts | None:
    """What the rules need to know about a unit and its parent (None: not registered)."""
    unit = s.get(Unit, code) if code else None
    if unit is None:
        return None
    parent = s.get(Unit, unit.parent_code) if unit.parent_code else None
    return UnitFacts(unit.code, unit.name, unit.kind, unit.status, unit.parent_code,
                     parent.status if parent else None, parent is not None, unit.county_level)
