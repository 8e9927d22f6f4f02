"""OCR in the pipeline: real engines on rendered certificates, read once per content."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.services import queries
from pipeline.settings import Settings
from pipeline.storage.db.models import Extraction
from tests.helpers import register_sample_units, rules_of
from zhicheng.app import import_batch
from zhicheng.bootstrap import bootstrap
from zhicheng.sample import make_batch


@pytest.fixture
def ocr_runtime(tmp_path: Path):
    """An embedded runtime on SQLite that OCRs with the cascade (tesseract, then RapidOCR)."""
    from pipeline.storage.db import migrate

    settings = Settings(data_dir=tmp_path / "var", ocr_engine="cascade", worker_threads=2)
    rt = bootstrap(settings)
    migrate.upgrade(rt.ctx.db.engine)
    yield rt
    rt.close()


def test_a_certificate_showing_another_id_number_is_flagged_and_nothing_is_read_twice(ocr_runtime, tmp_path: Path) -> None:
    rt = ocr_runtime
    register_sample_units(rt.ctx)
    sample = make_batch(tmp_path / "in", applicants=2, seed=41, flaws=["ocr.id_mismatch"])
    batch_id = import_batch(rt, sample.path, wait=True, timeout=600)
    apps = {a["id_number"]: a for a in queries.list_applications(rt.ctx, batch=batch_id)}
    flawed = next(i for i, rules in sample.expected.items() if "ocr.id_mismatch" in rules)
    clean = next(i for i, rules in sample.expected.items() if not rules)
    assert "ocr.id_mismatch" in rules_of(apps[flawed]), apps[flawed]["findings"]
    assert not {"ocr.id_mismatch", "ocr.name_mismatch"} & rules_of(apps[clean]), apps[clean]["findings"]
    with rt.ctx.db.uow() as s:
        read = s.scalar(select(func.count()).select_from(Extraction))
        fields = [e.fields for e in s.scalars(select(Extraction)) if e.fields.get("name")]
    assert read >= 6 and fields  # the certificates were read, their fields stored
    shown = queries.show_application(rt.ctx, apps[clean]["id"])
    assert shown["state"] in ("unit_review", "returned")

    again = import_batch(rt, sample.path, wait=True, timeout=600)  # re-sent: nothing is read again
    with rt.ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Extraction)) == read
    assert queries.batch_receipt(rt.ctx, again)["created"] == []
