"""Findings (审核发现): one rule's outcome on an application, and routing by findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pipeline.domain.states import State


class Severity(StrEnum):
    BLOCK = "block"   # returned (退回) to the applicant with these messages
    WARN = "warn"     # a reviewer must look; the application goes on, flagged
    INFO = "info"     # noted in the packet


SEVERITY_LABELS = {Severity.BLOCK: "退回", Severity.WARN: "提示审核", Severity.INFO: "说明"}

# The default severity of every rule code (docs/reference.md §3, plus our own in the same style).
RULES: dict[str, Severity] = {
    "roster.invalid": Severity.BLOCK,
    "id_number.invalid": Severity.BLOCK,
    "phone.invalid": Severity.BLOCK,
    "gender.mismatch": Severity.BLOCK,
    "unit.unregistered": Severity.BLOCK,
    "unit.not_approved": Severity.BLOCK,
    "unit.name_mismatch": Severity.WARN,
    "material.missing": Severity.BLOCK,
    "material.unknown_name": Severity.WARN,
    "material.bad_type": Severity.BLOCK,
    "material.too_large": Severity.BLOCK,
    "material.unreadable": Severity.BLOCK,
    "material.wrong_form": Severity.WARN,
    "material.duplicate": Severity.WARN,
    "application.duplicate": Severity.BLOCK,
    "ocr.unreadable": Severity.WARN,
    "ocr.name_mismatch": Severity.WARN,
    "ocr.id_mismatch": Severity.WARN,
    "tenure.insufficient": Severity.BLOCK,
    "ce_hours.insufficient": Severity.BLOCK,
    "offline_review.not_passed": Severity.BLOCK,
    "report.too_short": Severity.BLOCK,
    "report.unverified": Severity.WARN,
    "date.after_cutoff": Severity.BLOCK,
    "age.over_limit": Severity.BLOCK,
    "path.relaxed": Severity.INFO,
    "rules.unavailable": Severity.WARN,
    # Invisible control or direction characters removed from a roster or form field: the value
    # kept is the cleaned one, a reviewer must look at it.
    "text.control_chars": Severity.WARN,
}


@dataclass(frozen=True)
class Finding:
    """One rule outcome: a stable code, its severity, the material concerned, a Chinese message."""

    rule: str
    message: str
    material: str | None = None      # the file name (or material kind) it concerns
    severity: Severity | None = None  # None: the rule's default

    @property
    def level(self) -> Severity:
        return self.severity or RULES.get(self.rule, Severity.WARN)


def route(findings: Iterable[Finding]) -> State:
    """Where an application goes after the automatic checks: returned on any block, else unit review."""
    if any(f.level is Severity.BLOCK for f in findings):
        return State.RETURNED
    return State.UNIT_REVIEW
