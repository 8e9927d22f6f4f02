"""Hostile files through the real pipeline: what a hostile or clumsy unit can send costs bounded
time and memory, and the reviewer is told in Chinese what could not be checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.services import queries
from pipeline.services.units import import_units
from pipeline.settings import Settings
from pipeline.storage.db.models import Extraction, Material
from tests.files.hostile import nested_xobject_pdf
from tests.integration import badfiles
from tests.integration.badfiles import Person
from zhicheng.app import import_batch

UNIT_CODE = make_uscc("91430111MA4PQ7R2X")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_(pdf_text_seconds=2.0)


@pytest.fixture
def unit(runtime) -> str:
    report = import_units(runtime.ctx, [(2, {"code": UNIT_CODE, "name": badfiles.UNIT_NAME,
                                             "region": "雨花区", "kind": "非公企业",
                                             "approver": "主管机构", "status": "已审核"})])
    assert not report.problems, report.problems
    return UNIT_CODE


def test_a_report_of_nested_form_xobjects_is_stopped_and_left_to_the_reviewer(
        runtime, unit: str, tmp_path: Path) -> None:
    person = Person("张伟", make_id_number("43010219920315123"), unit)
    batch = tmp_path / "in" / "职称申报-2026"
    hostile = nested_xobject_pdf(depth=12, fanout=4, pages=40, visible=True)
    badfiles.write_applicant(batch, person, files={"述职报告.pdf": hostile})
    badfiles.write_roster(batch / "roster.csv", [person.row])
    batch_id = import_batch(runtime, batch, wait=True, timeout=120)
    (app,) = queries.list_applications(runtime.ctx, batch=batch_id)
    shown = queries.show_application(runtime.ctx, app["id"])
    rules = {f["rule"]: f["message"] for f in shown["findings"]}
    assert "report.too_short" not in rules  # a partial count is not held against the applicant
    assert "在限定时间内未能读完" in rules["report.unverified"]
    assert "人工核对" in rules["report.unverified"]
    with runtime.ctx.db.uow() as s:
        sha = s.scalars(select(Material.sha256).where(Material.kind == "述职报告")).one()
        extraction = s.scalars(select(Extraction).where(Extraction.sha256 == sha)).one()
        assert extraction.fields["stopped"] == "time"
        assert extraction.fields["pages"] == 40 and extraction.fields["pages_read"] < 40
        assert len(extraction.text) <= 1_000_000  # not 25 MB of text
