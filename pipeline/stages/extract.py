"""Extraction: read what the documents say, once per file content (cached by SHA-256).

Only what a rule reads is read: the kinds in TEXT_KINDS get their PDF text layer stored
(report.too_short counts the 述职报告's characters). The OCR of certificates plugs in here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pipeline.context import Context
from pipeline.db.models import Extraction, Material
from pipeline.inspect import pdf_text
from pipeline.stages import StageResult
from pipeline.states import State

TEXT_LAYER = "pdf-text"
# The documents whose full text a rule reads: the 述职报告 must have at least 3,000 characters.
TEXT_KINDS: set[str] = {"述职报告"}


def work(ctx: Context, app_id: int) -> StageResult:
    """Store the text layer of the PDFs that rules read, unless that content was read before."""
    if not TEXT_KINDS:
        return StageResult(State.EXTRACTED, [], {})
    with ctx.db.uow() as s:
        rows = s.execute(
            select(Material.sha256).where(
                Material.application_id == app_id, Material.kind.in_(TEXT_KINDS),
                Material.media_type == "application/pdf", Material.has_text_layer.is_(True))
        ).scalars().all()
        known = set(s.scalars(select(Extraction.sha256).where(
            Extraction.sha256.in_(rows), Extraction.method == TEXT_LAYER)))
    todo = [sha for sha in dict.fromkeys(rows) if sha and sha not in known]
    texts = {}
    for sha in todo:
        try:
            texts[sha] = pdf_text(ctx.blobs.path(sha))
        except Exception:  # inspection already judged the file readable; degrade, don't fail
            texts[sha] = ""
    if texts:
        now = ctx.clock.now()
        with ctx.db.uow() as s:
            existing = set(s.scalars(select(Extraction.sha256).where(
                Extraction.sha256.in_(list(texts)), Extraction.method == TEXT_LAYER)))
            for sha, text in texts.items():
                if sha not in existing:
                    s.add(Extraction(sha256=sha, method=TEXT_LAYER, text=text,
                                     chars=sum(1 for c in text if not c.isspace()), fields={},
                                     created_at=now))
            try:
                s.commit()
            except IntegrityError:
                pass  # another worker cached the same content meanwhile: same text
    return StageResult(State.EXTRACTED, [], {})
