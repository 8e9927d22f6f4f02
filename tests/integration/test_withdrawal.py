"""Withdrawal on SQLite and PostgreSQL: a terminal state with its reason that blocks nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline.domain.states import State
from pipeline.rules.application import ApplicationFacts, OtherApplication, _duplicates
from pipeline.services import queries
from pipeline.services.errors import WorkflowError
from pipeline.services.withdrawal import withdraw
from tests.helpers import register_sample_units
from zhicheng.app import import_batch
from zhicheng.sample import make_batch


def test_a_withdrawn_application_is_restarted_by_a_corrected_import(runtime, tmp_path: Path) -> None:
    register_sample_units(runtime.ctx)
    sample = make_batch(tmp_path / "in", applicants=2, seed=43, light=True, flaws=False,
                        roster_format="csv")
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    app = queries.list_applications(runtime.ctx, batch=batch_id, state=State.UNIT_REVIEW)[0]
    with pytest.raises(WorkflowError, match="原因"):
        withdraw(runtime.ctx, app["id"], " ", by="单位王五")
    with pytest.raises(queries.NotFound):  # another unit's application: not found for it
        withdraw(runtime.ctx, app["id"], "填错", by="单位王五", unit="91430000MA4XXXXXXX")
    done = withdraw(runtime.ctx, app["id"], "手机号码填错", by="单位王五")
    assert done.previous is State.UNIT_REVIEW
    shown = queries.show_application(runtime.ctx, app["id"])
    assert shown["state"] == State.WITHDRAWN and shown["events"][-1]["actor"] == "单位王五"

    # the identical batch again changes nothing; a corrected one restarts the application
    again = import_batch(runtime, sample.path, wait=True, timeout=120)
    assert queries.batch_receipt(runtime.ctx, again)["resubmitted"] == []
    roster = Path(sample.path) / "roster.csv"
    with roster.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    phone = rows[0].index("手机号码")
    for row in rows[1:]:
        if app["id_number"] in row:
            row[phone] = "13912345678"
    with roster.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    corrected = import_batch(runtime, sample.path, wait=True, timeout=120)
    assert queries.batch_receipt(runtime.ctx, corrected)["resubmitted"] == [app["id"]]
    restarted = queries.show_application(runtime.ctx, app["id"])
    assert restarted["state"] == State.UNIT_REVIEW and restarted["changes"]["after"] == State.WITHDRAWN


def test_a_withdrawn_application_does_not_count_as_a_duplicate() -> None:
    facts = ApplicationFacts(raw={}, unit_code="X", unit=None, material_kinds=[],
                             others_same_year=[OtherApplication(1, "X", "高级工程师", "withdrawn")])
    assert _duplicates(facts, {"year": 2026}) == []
    facts.others_same_year.append(OtherApplication(2, "X", "高级工程师", "unit_review"))
    assert [f.rule for f in _duplicates(facts, {"year": 2026})] == ["application.duplicate"]
