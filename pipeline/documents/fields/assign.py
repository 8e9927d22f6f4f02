"""Which found date a certificate is about: labels first, then the kind's layout and the dates'
order (a graduation near the course's end, an approval before its issue, never before the holder
was 15), with why any of them is in doubt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.domain.materials import MaterialKind

from .dates import FoundDate


@dataclass(frozen=True)
class AssignedDates:
    """The dates a certificate is about, by key, with their precision, their places in the text,
    and why any of them is in doubt."""

    dates: dict[str, date]
    precision: dict[str, str]
    where: dict[str, int]
    doubts: dict[str, str]


def _years_after(later: date, earlier: date) -> float:
    return (later - earlier).days / 365.25


def assign_dates(kind: MaterialKind, found: list[FoundDate]) -> AssignedDates:
    """Which found date is which: labels first, then the kind's layout and the dates' order
    (a graduation near the course's end, an approval before its issue, never before the holder
    was 15)."""
    dates: dict[str, date] = {}
    precision: dict[str, str] = {}
    where: dict[str, int] = {}
    doubts: dict[str, str] = {}

    def put(key: str, d: FoundDate) -> None:
        if key not in dates:
            dates[key], precision[key], where[key] = d.value, d.precision, d.start
            if not d.clean:
                doubts[key] = "misread-char"
            elif d.numerals:
                # 二十 and 三十, 一 and 二 differ by a stroke: one engine's reading of Chinese
                # numerals is confirmed by a second engine's, or by the roster agreeing
                doubts[key] = "cn-numerals"

    rename: dict[str, str] = {}
    if kind is MaterialKind.ID_CARD:  # an ID card's range is its validity, not a course of study
        rename = {"study_start": "valid_from", "study_end": "valid_until"}
    for d in found:
        if d.key is not None:
            put(rename.get(d.key, d.key), d)
    birth = dates.get("birth")
    # Dates no label speaks for: the kind says what they are (a year alone never, nor a date
    # before the holder could have finished school).
    free = [d for d in found if d.key is None and d.precision != "year"
            and (birth is None or _years_after(d.value, birth) >= 15)]
    def latest(d: FoundDate) -> tuple[bool, int]:
        return (d.precision == "day", d.start)

    def put_free(key: str, d: FoundDate) -> None:
        put(key, d)
        if dates.get(key) == d.value and d.precision != "day":
            # 毕业证书 and 学位证书 print the day: a month alone is a date partly read
            doubts.setdefault(key, "partial-date")
    if kind is MaterialKind.DIPLOMA:
        end = dates.get("study_end")
        if end is not None:
            near = [d for d in free if 0 <= (d.value - end).days <= 120]
            if near:
                put_free("graduation", max(near, key=latest))
            elif free:
                put_free("graduation", max(free, key=latest))
                doubts["graduation"] = "implausible"  # far from the end of the course
            elif "graduation" not in dates:
                put("graduation", FoundDate(end, precision["study_end"], where["study_end"],
                                            where["study_end"], "graduation", True))
                doubts["graduation"] = "partial-date"  # the course's end, not the printed date
        elif free:
            put_free("graduation", max(free, key=latest))
    elif kind is MaterialKind.DEGREE_CERT and free:
        put_free("degree_award", max(free, key=latest))
    elif kind is MaterialKind.TITLE_CERT and free:
        ordered = sorted(free, key=lambda d: d.value)
        if "title_approval" not in dates:
            put("title_approval", ordered.pop(0))
        if ordered:
            put("issue", ordered[-1])
    elif kind is MaterialKind.CE_RECORD and free:
        put("issue", free[-1])
    labelled = "title_approval" in {rename.get(d.key, d.key) for d in found if d.key is not None}
    if kind is MaterialKind.TITLE_CERT and "title_approval" in dates and "issue" in dates \
            and not (labelled and "issue" in doubts):
        # an issue date read in doubt (十二月 read as 十月) says nothing against a labelled approval
        gap = (dates["issue"] - dates["title_approval"]).days
        if not 0 <= gap <= 400:
            doubts.setdefault("title_approval", "implausible")  # issued before it was approved
    for key in ("graduation", "degree_award", "title_approval"):
        if key in dates and birth is not None and _years_after(dates[key], birth) < 15:
            doubts.setdefault(key, "implausible")
        if key in dates and precision[key] != "day":
            # The certificates print these with a day: a month alone is a date partly read (a day
            # lost at a line's end, 三十 lost after 六月), whatever the reading's other doubts.
            doubts[key] = "partial-date"
    return AssignedDates(dates, precision, where, doubts)
