"""The deliberate flaws a sample batch can carry, and the plan of which applicant carries which."""

from __future__ import annotations

from collections.abc import Sequence

# Flaws that one applicant carries (rule code = the finding expected to fire).
DEFAULT_FLAWS: tuple[str, ...] = (
    "id_number.invalid", "material.bad_type", "unit.not_approved", "material.duplicate",
    "phone.invalid", "material.unreadable", "gender.mismatch", "material.wrong_form",
    "unit.unregistered", "material.unknown_name", "material.missing",
)
# Only on request (flaws=[...]): they depend on the year's rule set, on OCR or on the review.
_EXTRA_FLAWS: tuple[str, ...] = (
    "offline_review.not_passed", "ce_hours.insufficient", "tenure.insufficient", "report.too_short",
    "ocr.name_mismatch", "ocr.id_mismatch",
)
ALL_FLAWS: tuple[str, ...] = DEFAULT_FLAWS + _EXTRA_FLAWS
# Batch-level oddities: a roster row without a folder, a folder without a roster row.
BATCH_FLAWS: tuple[str, ...] = ("batch.row_without_folder", "batch.folder_without_row")


def plan_flaws(n: int, flaws: bool | Sequence[str], pending: bool) -> tuple[dict[int, str], bool, bool]:
    """(flaw per applicant index, one row without folder?, one folder without row?)."""
    if flaws is True:
        kinds = [k for k in DEFAULT_FLAWS if pending or k != "unit.not_approved"]
        return {i: kinds[(i // 3) % len(kinds)] for i in range(n) if i % 3 == 2}, n >= 3, True
    if not flaws:
        return {}, False, False
    requested = [flaws] if isinstance(flaws, str) else list(flaws)
    unknown = [f for f in requested if f not in ALL_FLAWS and f not in BATCH_FLAWS]
    if unknown:
        raise ValueError(f"unknown flaws {unknown}; known: {ALL_FLAWS + BATCH_FLAWS}")
    if "unit.not_approved" in requested and not pending:
        raise ValueError("flaw unit.not_approved needs a unit that is not approved")
    kinds = [f for f in requested if f in ALL_FLAWS]
    row_without_folder = "batch.row_without_folder" in requested
    needed = len(kinds) + (2 if row_without_folder else 0)
    if needed > n:
        raise ValueError(f"{n} applicants cannot carry {needed} flawed rows; make more applicants")
    m = len(kinds)
    return ({(2 * k + 1) * n // (2 * m): kind for k, kind in enumerate(kinds)} if m else {},
            row_without_folder, "batch.folder_without_row" in requested)
