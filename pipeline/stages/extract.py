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
  context's engine, at most one OCR process per core; the fields read from the text (name, ID
  number, certificate number, dates, hours), each with its trust, are stored with it. The cascade
  keeps its fast reading only when `pipeline.rules.readings.confirms` it (every field the rules
  need read, trusted and agreeing with the roster); otherwise both readings' fields are merged
  (a value both engines read is trusted). An unreadable image is stored as such (the check stage
  reports ocr.unreadable), never a failure of the application.
With the `null` engine nothing is OCR'd (a machine without OCR, and most tests).
A stored file that cannot be opened (the store not mounted on this host, no permission, an I/O
error) raises StoreFault: a technical failure, retried, never a reading of an empty document.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select

from pipeline.context import Context
from pipeline.documents.extraction_key import CERTIFICATES, SCAN_PREFIX, TEXT_LAYER, extraction_method
from pipeline.documents.extraction_key import TEXT_KINDS as KEY_TEXT_KINDS
from pipeline.documents.fields import extract_fields
from pipeline.documents.pdf_text import Limits, PdfText, read_text
from pipeline.documents.reading import Reading, ScanReading, read_certificate, read_scanned_pdf
from pipeline.domain.materials import MaterialKind
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.fields_confirm import FieldsConfirm, result_fields
from pipeline.stages import CachedReading, StageResult
from pipeline.storage.db.models import Application, Extraction, Material

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


def run(ctx: Context, app_ids: Sequence[int]) -> Mapping[int, StageResult]:
    """Read every document a rule needs that was not read before (once per content in a chunk).

    What the chunk needs is loaded in one transaction; the text layers are read a core's worth
    at a time (each in its own bounded reader process), the rest one after the other."""
    found = _to_read(ctx, app_ids)
    todo: dict[tuple[str, str], tuple[ToRead, DeclaredFacts]] = {}
    for declared, items in found.values():
        for key, item in items.items():
            todo.setdefault(key, (item, declared))  # read once, stored with the first application
    texts = [k for k, (item, _) in todo.items() if _is_text(item)]
    done: dict[tuple[str, str], CachedReading] = {}
    for key, reading in zip(texts, _text_pool().map(lambda k: _read(ctx, *todo[k]), texts)):
        done[key] = _stored(ctx, todo[key][0], reading)
    for key, (item, declared) in todo.items():
        if key not in done:
            done[key] = _stored(ctx, item, _read(ctx, item, declared))
    out: dict[int, StageResult] = {}
    stored: set[tuple[str, str]] = set()
    for app_id, (_, items) in found.items():
        mine = [k for k in items if k not in stored]
        stored.update(mine)
        out[app_id] = StageResult(readings=tuple(done[k] for k in mine))
    return out


_TEXT_POOL: ThreadPoolExecutor | None = None
_TEXT_POOL_LOCK = threading.Lock()


def _text_pool() -> ThreadPoolExecutor:
    """The threads that wait on the text readers, one per core, shared by every chunk of this
    process: at most that many reader processes are busy (and kept) at once."""
    global _TEXT_POOL
    with _TEXT_POOL_LOCK:
        if _TEXT_POOL is None:
            _TEXT_POOL = ThreadPoolExecutor(len(os.sched_getaffinity(0)),
                                            thread_name_prefix="pdf-text")
        return _TEXT_POOL


def _is_text(item: ToRead) -> bool:
    return item.method == TEXT_LAYER and item.kind in TEXT_KINDS


def _to_read(ctx: Context, app_ids: Sequence[int]
             ) -> dict[int, tuple[DeclaredFacts, dict[tuple[str, str], ToRead]]]:
    """For each application of the chunk still there: the declared name and ID number, and its
    documents still to be read (not in the cache)."""
    engine_name = ctx.ocr_engine_name
    with ctx.db.uow() as s:
        apps = {a.id: a for a in s.scalars(select(Application).where(Application.id.in_(app_ids)))}
        rows = s.execute(select(Material.application_id, Material.sha256,
                                Material.normalized_sha256, Material.kind, Material.media_type,
                                Material.has_text_layer, Material.pages)
                         .where(Material.application_id.in_(list(apps)),
                                Material.kind.in_(TEXT_KINDS | CERTIFICATES),
                                Material.media_type.is_not(None))
                         .order_by(Material.application_id, Material.id)).all()
        out: dict[int, tuple[DeclaredFacts, dict[tuple[str, str], ToRead]]] = {
            app_id: (_declared(app), {}) for app_id, app in apps.items()}
        for r in rows:
            method = extraction_method(r.kind, r.media_type, r.has_text_layer, engine_name)
            if method is not None:
                out[r.application_id][1][(r.sha256, method)] = ToRead(
                    r.sha256, r.normalized_sha256 or r.sha256, r.kind, r.media_type,
                    r.has_text_layer, method, r.pages)
        hashes = list({k[0] for _, items in out.values() for k in items})
        known = {(sha, method) for sha, method in s.execute(
            select(Extraction.sha256, Extraction.method).where(Extraction.sha256.in_(hashes)))
        } if hashes else set()
    for _, items in out.values():
        for key in known & set(items):
            del items[key]
    return {app_id: out[app_id] for app_id in app_ids if app_id in out}


def _declared(app: Application | None) -> DeclaredFacts:
    """What the roster declares, as the cascade's `confirm` compares it (typed columns)."""
    if app is None:
        return DeclaredFacts(name="", id_number="")
    return DeclaredFacts(
        name=app.name or "", id_number=app.id_number or "", level=app.level,
        education=app.education, degree=app.degree, graduation_date=app.graduation_date,
        current_title_date=app.current_title_date, year=app.year or None, ce_hours=app.ce_hours,
        ce_public_hours=app.ce_public_hours, ce_professional_hours=app.ce_professional_hours)


def _read(ctx: Context, item: ToRead, declared: DeclaredFacts) -> Reading | ScanReading | PdfText:
    path = ctx.blobs.check_readable(item.source)  # StoreFault when our storage fails
    if item.method == TEXT_LAYER and item.kind in TEXT_KINDS:
        return read_text(path, Limits(seconds=ctx.settings.pdf_text_seconds))
    if item.method.startswith(SCAN_PREFIX):
        return read_scanned_pdf(path, item.pages, ctx.ocr(), ctx.settings.machine_dir,
                                budget=ctx.settings.stage_lease_seconds / 2)
    kind = MaterialKind(item.kind)
    confirm = FieldsConfirm(kind, declared)
    return read_certificate(path, item.media_type, item.has_text_layer, ctx.ocr(),
                            ctx.settings.machine_dir, confirm)


def _stored(ctx: Context, item: ToRead, reading: Reading | ScanReading | PdfText
            ) -> CachedReading:
    """A reading as the cache row the runner stores (with the fields read from a certificate)."""
    now = ctx.clock.now()
    if isinstance(reading, PdfText):
        return CachedReading(item.sha256, item.method, reading.text, _chars(reading.text),
                             {"engine": TEXT_LAYER, "pages": reading.pages,
                              "pages_read": reading.pages_read, "stopped": reading.stopped},
                             None, now)
    if isinstance(reading, ScanReading):
        return CachedReading(item.sha256, item.method, reading.text, reading.chars,
                             {"engine": reading.engine, "pages": reading.pages,
                              "pages_read": reading.pages_read, "gap": reading.gap}, None, now)
    fields: dict[str, object] = {"engine": reading.method}
    confidence = reading.confidence
    if item.kind in CERTIFICATES:
        kind = MaterialKind(item.kind)
        found = (result_fields(kind, reading.ocr) if reading.ocr is not None
                 else extract_fields(kind, reading.text))
        fields.update(found.to_json())
        confidence = found.confidence
    if reading.error:
        fields["error"] = reading.error
    return CachedReading(item.sha256, item.method, reading.text, _chars(reading.text), fields,
                         confidence, now)


def _chars(text: str) -> int:
    """The characters that are not white space (str.split splits on exactly those)."""
    return sum(map(len, text.split()))
