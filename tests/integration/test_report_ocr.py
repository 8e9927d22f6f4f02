"""A scanned 述职报告 (a PDF without a text layer) is OCR'd page by page for report.too_short,
once per file content, on SQLite and PostgreSQL, with real tesseract on real image-only PDFs.

The applicants here send their 述职报告 and PDFs but no certificate images (material.missing,
which does not stop the year's rules), so the only OCR is the reports': tesseract costs seconds
per dense page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from pipeline.documents.extraction_key import SCAN_PREFIX, scan_method
from pipeline.documents.ocr import Confirm, OcrEngine, OcrResult, make_engine
from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.services import queries
from pipeline.services.units import import_units
from pipeline.settings import Settings
from pipeline.storage.db.models import Extraction
from tests.integration import badfiles, scans
from tests.integration.badfiles import Person
from zhicheng.app import import_batch
from zhicheng.bootstrap import Runtime, bootstrap

UNIT_CODE = make_uscc("91430111MA4PQ7R2X")
NO_CERTIFICATES = {"学历证书.jpg": None, "学位证书.png": None, "继续教育学时认定单.jpg": None,
                   "现职称证书.jpg": None}
TIMEOUT = 300


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings (SQLite and PostgreSQL), OCR by tesseract."""
    return settings.with_(ocr_engine="tesseract")


@dataclass
class CountingEngine:
    """Real tesseract, counting the pages it is asked to read (the Context's OCR port)."""

    calls: list[object] = field(default_factory=list)
    real: OcrEngine = field(default_factory=lambda: make_engine("tesseract"))

    @property
    def name(self) -> str:
        return self.real.name

    def load(self) -> None:
        self.real.load()

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        self.calls.append(image.size)
        return self.real.read(image, timeout=timeout, confirm=confirm)


@pytest.fixture
def counting() -> CountingEngine:
    return CountingEngine()


@pytest.fixture
def runtime(settings: Settings, counting: CountingEngine) -> Iterator[Runtime]:
    """The embedded runtime whose OCR engine is the counting one, given at bootstrap."""
    rt = bootstrap(settings, ocr_engine=counting)
    yield rt
    rt.close()


@pytest.fixture
def ocr_calls(counting: CountingEngine) -> list[object]:
    """Every page tesseract is asked to read."""
    return counting.calls


def batch(root: Path, reports: list[tuple[Person, bytes]]) -> Path:
    folder = root / "职称申报-2026-雨花区"
    for person, report in reports:
        badfiles.write_applicant(folder, person, files={**NO_CERTIFICATES, "述职报告.pdf": report})
    badfiles.write_roster(folder / "roster.csv", [p.row for p, _ in reports])
    return folder


def report_findings(app: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in app["findings"] if f["rule"].startswith("report.")]


def test_a_scanned_report_is_counted_by_ocr_once_per_content(runtime, tmp_path: Path, ocr_calls) -> None:
    done = import_units(runtime.ctx, [(2, {"code": UNIT_CODE, "name": badfiles.UNIT_NAME,
                                           "region": "雨花区", "kind": "非公企业",
                                           "approver": "主管机构", "status": "已审核"})])
    assert not done.problems
    long_, short, damaged, again = (
        Person("张伟", make_id_number("43010219920315123"), UNIT_CODE),
        Person("李娜", make_id_number("43010519880607242"), UNIT_CODE),
        Person("王强", make_id_number("43011119900101357"), UNIT_CODE),
        Person("刘芳", make_id_number("43020319910822468"), UNIT_CODE))
    long_report = scans.scanned_report(4000)           # 3 pages
    path = batch(tmp_path / "first", [(long_, long_report), (short, scans.scanned_report(400)),
                                      (damaged, scans.damaged_scan(pages=2))])
    batch_id = import_batch(runtime, path, wait=True, timeout=TIMEOUT)
    apps = {a["id_number"]: a for a in queries.list_applications(runtime.ctx, batch=batch_id)}
    assert all(any(f["rule"] == "material.missing" for f in a["findings"]) for a in apps.values())
    assert len(ocr_calls) == 3 + 1 + 2  # every page once, one at a time

    assert report_findings(apps[long_.id_number]) == []
    [too_short] = report_findings(apps[short.id_number])
    assert too_short["rule"] == "report.too_short" and too_short["severity"] == "block"
    assert "扫描件" in too_short["message"] and "近似" in too_short["message"]
    assert "3,000字" in too_short["message"] and too_short["material"] == "述职报告"
    [unverified] = report_findings(apps[damaged.id_number])
    assert unverified["rule"] == "report.unverified" and unverified["severity"] == "warn"
    assert "扫描件共2页" in unverified["message"] and "人工核对" in unverified["message"]

    with runtime.ctx.db.uow() as s:
        rows = {e.chars: e for e in s.scalars(
            select(Extraction).where(Extraction.method == scan_method("tesseract")))}
        assert len(rows) == 3 and all(e.method.startswith(SCAN_PREFIX) for e in rows.values())
        counted = sorted(rows)
        assert counted[0] == 0 and 300 < counted[1] < 500 and counted[2] > 3600
        assert rows[counted[2]].fields["pages"] == rows[counted[2]].fields["pages_read"] == 3

    # the same scanned report from another applicant: counted from the cache, no OCR
    ocr_calls.clear()
    second = import_batch(runtime, batch(tmp_path / "second", [(again, long_report)]),
                          wait=True, timeout=TIMEOUT)
    [app] = queries.list_applications(runtime.ctx, batch=second)
    assert ocr_calls == [] and report_findings(app) == []
    with runtime.ctx.db.uow() as s:
        assert len(list(s.scalars(select(Extraction).where(
            Extraction.method == scan_method("tesseract"))))) == 3


def test_without_an_ocr_engine_a_scanned_report_is_left_to_the_reviewer(tmp_path: Path, settings: Settings) -> None:
    """The null engine (a machine without OCR) reads nothing: report.unverified, not silence."""
    from zhicheng.bootstrap import bootstrap

    rt = bootstrap(settings.with_(ocr_engine="null"))
    try:
        import_units(rt.ctx, [(2, {"code": UNIT_CODE, "name": badfiles.UNIT_NAME, "region": "雨花区",
                                   "kind": "非公企业", "approver": "主管机构", "status": "已审核"})])
        person = Person("陈杰", make_id_number("43040519870912135"), UNIT_CODE)
        batch_id = import_batch(rt, batch(tmp_path / "in", [(person, scans.scanned_report(400))]),
                                wait=True, timeout=TIMEOUT)
        [app] = queries.list_applications(rt.ctx, batch=batch_id)
        [finding] = report_findings(app)
        assert finding["rule"] == "report.unverified" and finding["severity"] == "warn"
        assert "未配置文字识别" in finding["message"] and "人工核对" in finding["message"]
        with rt.ctx.db.uow() as s:
            assert not list(s.scalars(select(Extraction).where(
                Extraction.method.startswith(SCAN_PREFIX))))
    finally:
        rt.close()
