"""The extraction cache's key is decided in one place, and the stages do not rebuild it."""

from __future__ import annotations

import inspect

from pipeline.documents.extraction_key import extraction_method, scan_method
from pipeline.stages import check, extract

PDF, JPEG = "application/pdf", "image/jpeg"


def test_which_method_each_material_is_read_with() -> None:
    assert extraction_method("述职报告", PDF, True, "null") == "pdf-text"
    assert extraction_method("述职报告", PDF, False, "null") is None  # a scan, no OCR here
    assert extraction_method("述职报告", PDF, False, "cascade") == scan_method("cascade") == "ocr-text:tesseract"
    assert extraction_method("述职报告", JPEG, None, "cascade") is None  # wrong form: not read
    assert extraction_method("述职报告", PDF, None, "cascade") is None  # did not open
    assert extraction_method("学历证书", PDF, True, "cascade") == "pdf-text"
    assert extraction_method("学历证书", JPEG, None, "cascade") == "cascade"
    assert extraction_method("学历证书", JPEG, None, "null") is None
    assert extraction_method("业绩材料", PDF, True, "cascade") is None  # no rule reads it
    assert extraction_method("学历证书", None, None, "cascade") is None


def test_the_check_stage_neither_imports_the_extract_stage_nor_builds_the_key_in_sql() -> None:
    source = inspect.getsource(check)
    assert "stages.extract" not in source and "case(" not in source
    assert "TEXT_LAYER" not in source and "scan_method" not in source
    assert "extraction_method" in inspect.getsource(extract)
