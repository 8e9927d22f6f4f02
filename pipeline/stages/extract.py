"""Extraction: read what the documents say, once per file content (cached by SHA-256 and method).

- the 述职报告's text layer (report.too_short counts its characters), read within the bounds of
  `documents.pdf_text` (pages, characters, seconds, memory); a reading those bounds stopped is
  stored with why (`fields.stopped`), and the check stage asks the reviewer (report.unverified);
  a 述职报告 PDF without a
  text layer (a scan) is OCR'd page by page instead, for its character count only: with the
  configured engine's fast reader (the cascade's tesseract: a count needs no second opinion), one
  rendered page in memory at a time, each page in an OCR slot within the per-page timeout, at most
  SCAN_PAGE_CAP pages and half the stage's lease in all; what could not be read is stored with the
  count (the check stage then asks the reviewer, report.unverified). Cached under
  `scan_method(engine)`, so a re-import does no OCR. (The 业绩材料 is not read: no rule needs it.)
- every certificate (学历证书, 学位证书, 现职称证书, 继续教育学时认定单, 身份证): a PDF's own text
  layer when it has one, else OCR of the upright image (or the PDF's first page) by the
  configured engine, at most one OCR process per core; the fields read from the text (name, ID
  number, certificate number, dates, hours) are stored with it. An unreadable image is stored as
  such (the check stage reports ocr.unreadable), never a failure of the application.
With the `null` engine nothing is OCR'd (a machine without OCR, and most tests).
A stored file that cannot be opened (the store not mounted on this host, no permission, an I/O
error) raises StoreFault: a technical failure, retried, never a reading of an empty document.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pipeline.context import Context
from pipeline.storage.db.models import Application, Extraction, Material
from pipeline.documents.pdf_text import Limits, PdfText, read_text
from pipeline.domain.materials import MaterialKind
from pipeline.documents.ocr_fields import extract_fields, normalize_ocr_text
from pipeline.documents.extraction_key import (CERTIFICATES, SCAN_PREFIX, TEXT_LAYER,
                                               extraction_method)
from pipeline.documents.extraction_key import TEXT_KINDS as KEY_TEXT_KINDS
from pipeline.documents.reading import Reading, ScanReading, read_certificate, read_scanned_pdf
from pipeline.stages import StageResult
from pipeline.domain.states import State

# The cache key (and which materials are read at all) is decided in documents.extraction_key.
TEXT_KINDS = set(KEY_TEXT_KINDS)  # a set a test may narrow


@dataclass(frozen=True)
class ToRead:
    sha256: str           # the original's hash: the cache key
    source: str           # the blob read (the upright copy of a rotated photo)
    kind: str
    media_type: str
    has_text_layer: bool | None
    method: str
    pages: int | None = None


def work(ctx: Context, app_id: int) -> StageResult:
    """Read every document a rule needs that was not read before."""
    engine_name = ctx.ocr_engine_name
    with ctx.db.uow() as s:
        app = s.get(Application, app_id)
        declared_name, declared_id = (app.name, app.id_number) if app else ("", "")
        rows = s.execute(select(Material.sha256, Material.normalized_sha256, Material.kind,
                                Material.media_type, Material.has_text_layer, Material.pages)
                         .where(Material.application_id == app_id,
                                Material.kind.in_(TEXT_KINDS | CERTIFICATES),
                                Material.media_type.is_not(None))).all()
        todo = {}
        for r in rows:
            method = extraction_method(r.kind, r.media_type, r.has_text_layer, engine_name)
            if method is None:
                continue
            todo[(r.sha256, method)] = ToRead(r.sha256, r.normalized_sha256 or r.sha256, r.kind,
                                              r.media_type, r.has_text_layer, method, r.pages)
        if todo:
            known = {(sha, method) for sha, method in s.execute(
                select(Extraction.sha256, Extraction.method)
                .where(Extraction.sha256.in_([k[0] for k in todo])))}
            todo = {k: v for k, v in todo.items() if k not in known}
    readings = [(item, _read(ctx, item, declared_name, declared_id)) for item in todo.values()]
    if readings:
        _store(ctx, readings)
    return StageResult(State.EXTRACTED, [], {})


def _read(ctx: Context, item: ToRead, name: str, id_number: str
          ) -> Reading | ScanReading | PdfText:
    path = ctx.blobs.check_readable(item.source)  # StoreFault when our storage fails
    if item.method == TEXT_LAYER and item.kind in TEXT_KINDS:
        return read_text(path, Limits(seconds=ctx.settings.pdf_text_seconds))
    if item.method.startswith(SCAN_PREFIX):
        engine = ctx.ocr()
        fast = getattr(engine, "fast", engine)  # a cascade: its fast engine alone
        return read_scanned_pdf(path, item.pages, fast, ctx.settings.data_dir,
                                budget=ctx.settings.stage_lease_seconds / 2)

    def confirm(text: str) -> bool:
        # The cascade keeps the fast reading only when it shows the declared name and ID number
        # exactly; a tolerant match (crosscheck.names_match) would keep misread names.
        flat = "".join(normalize_ocr_text(text).split()).upper()
        shows_id = id_number.upper() in flat or item.kind in (
            MaterialKind.DIPLOMA, MaterialKind.DEGREE_CERT)  # these print no ID number
        return bool(name) and "".join(name.split()) in flat and shows_id

    return read_certificate(path, item.media_type, item.has_text_layer, ctx.ocr(),
                            ctx.settings.data_dir, confirm)


def _store(ctx: Context, readings: list[tuple[ToRead, Reading | ScanReading | PdfText]]) -> None:
    now = ctx.clock.now()
    for item, reading in readings:
        if isinstance(reading, PdfText):
            _add(ctx, Extraction(sha256=item.sha256, method=item.method, text=reading.text,
                                 chars=sum(1 for c in reading.text if not c.isspace()),
                                 confidence=None, created_at=now,
                                 fields={"engine": TEXT_LAYER, "pages": reading.pages,
                                         "pages_read": reading.pages_read,
                                         "stopped": reading.stopped}))
            continue
        if isinstance(reading, ScanReading):
            _add(ctx, Extraction(sha256=item.sha256, method=item.method, text=reading.text,
                                 chars=reading.chars, confidence=None, created_at=now,
                                 fields={"engine": reading.engine, "pages": reading.pages,
                                         "pages_read": reading.pages_read, "gap": reading.gap}))
            continue
        fields: dict[str, object] = {"engine": reading.method}
        confidence = reading.confidence
        if item.kind in CERTIFICATES:
            found = extract_fields(MaterialKind(item.kind), reading.text)
            fields.update(found.to_json())
            confidence = found.confidence
        if reading.error:
            fields["error"] = reading.error
        _add(ctx, Extraction(sha256=item.sha256, method=item.method, text=reading.text,
                             chars=sum(1 for c in reading.text if not c.isspace()),
                             fields=fields, confidence=confidence, created_at=now))


def _add(ctx: Context, row: Extraction) -> None:
    with ctx.db.uow() as s:
        s.add(row)
        try:
            s.commit()
        except IntegrityError:
            pass  # another worker read the same content meanwhile: the same result
