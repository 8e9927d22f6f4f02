"""The application packet: a cover made from a template, then every material in docs/reference.md §2 order.

One WeasyPrint document holds the cover, the image pages and the notice pages, and one empty
placeholder page for each page of each PDF material; the table of contents and the page footers
count those placeholders, so their numbers are the final ones. The merge then copies the
document's pages and puts each PDF material's own pages, as they are, where its placeholders were.
Material files are opened one at a time, read lazily from disk, and the packet is written straight
to its file: memory holds one packet's pages, never a queue's.

Bounds (docs/limits.md): at most PACKET_MAX_PAGES pages of each PDF material (the cover says
which pages are not shown); images larger than an A4 page at 200 dpi are scaled down first
(reports.packet_images); every action a PDF reader would run is stripped from the merged pages
and named on the cover (reports.packet_safety).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from pipeline.context import Context
from reports.material_views import MaterialView
from reports.packet_images import fit_for_print
from reports.packet_safety import describe, document_actions, page_actions
from reports.render import render_html, weasyprint_html
from reports.views import PacketView, packet_view

PACKET_MAX_PAGES = 300  # pages of one PDF material put into a packet
_PDF_ERRORS = (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError,
               RecursionError, IndexError)


def probe(view: PacketView) -> PacketView:
    """Open each PDF material once: count its pages and name its active content; one that cannot
    be opened gets a notice."""
    checked = []
    for m in view.materials:
        if m.form == "pdf" and m.path is not None:
            pages, problem, removed = _look_at_pdf(m.path)
            if problem:
                m = replace(m, form="notice", path=None,
                            notice=f"文件“{m.name}”{problem}，未能放入材料包。")
            elif pages > PACKET_MAX_PAGES:
                m = replace(m, pages=PACKET_MAX_PAGES, total_pages=pages, removed=removed)
            else:
                m = replace(m, pages=pages, removed=removed)
        checked.append(m)
    return replace(view, materials=tuple(checked))


def _look_at_pdf(path: Path) -> tuple[int, str | None, tuple[str, ...]]:
    """Pages, a problem (Chinese) or None, and the active content of the pages to be shown."""
    try:
        with open(path, "rb") as fh:
            reader = PdfReader(fh, strict=False)
            if reader.is_encrypted:
                return 0, "是加密的PDF，无法打开", ()
            n = len(reader.pages)
            found = document_actions(reader)
            for page in reader.pages[:PACKET_MAX_PAGES]:
                found |= page_actions(page)
    except _PDF_ERRORS as exc:
        return 0, f"无法读取（{type(exc).__name__}）", ()
    if n == 0:
        return 0, "没有页面", ()
    return n, None, describe(found)


def fit_images(view: PacketView, scratch: Path) -> PacketView:
    """Each image material scaled down to the print box (copies in `scratch`) when larger."""
    fitted = []
    for m in view.materials:
        if m.form == "image" and m.path is not None:
            try:
                m = replace(m, path=fit_for_print(m.path, scratch))
            except Exception as exc:  # noqa: BLE001 - a damaged image: a notice, not a crash
                m = replace(m, form="notice", path=None,
                            notice=f"文件“{m.name}”图片无法打开（{type(exc).__name__}），未能放入材料包。")
        fitted.append(m)
    return replace(view, materials=tuple(fitted))


def write_packet(ctx: Context, app_id: int, out_dir: Path) -> list[Path]:
    """Write `申报<ID>-<姓名>.pdf` and its cover as `.html` into out_dir; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".packet-", dir=out_dir) as scratch:
        view = fit_images(probe(packet_view(ctx, app_id)), Path(scratch))
        pdf_path = out_dir / f"{view.file_stem}.pdf"
        pages = build_pdf(view, pdf_path)
    html_path = out_dir / f"{view.file_stem}.html"
    _atomic_text(html_path, render_html("cover.html", p=view, pages=pages))
    return [pdf_path, html_path]


def build_pdf(view: PacketView, target: Path) -> dict[str, int]:
    """Lay out and merge the packet into `target`; return each material's first page (1-based)."""
    html = render_html("packet.html", p=view)
    document = weasyprint_html()(string=html, base_url=str(target.parent)).render()
    starts: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            starts.setdefault(anchor, index)
    layout = io.BytesIO()
    document.write_pdf(layout)
    del document
    layout.seek(0)

    by_start = {starts[m.anchor]: m for m in view.materials if m.anchor in starts}
    writer = PdfWriter()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    with contextlib.ExitStack() as stack:
        generated = PdfReader(layout)
        total = len(generated.pages)
        i = 0
        while i < total:
            m: MaterialView | None = by_start.get(i)
            if m is not None and m.form == "pdf" and m.path is not None:
                fh = stack.enter_context(open(m.path, "rb"))
                source = PdfReader(fh, strict=False)
                for page in source.pages[: m.pages]:
                    # stripped before the copy: add_page copies every object the page reaches
                    page_actions(page, remove=True)
                    writer.add_page(page)
                i += m.pages
                continue
            writer.add_page(generated.pages[i])
            i += 1
        writer.add_outline_item(title="封面、审核发现与审核记录", page_number=0)
        for n, m in enumerate(view.materials, start=1):
            if m.anchor in starts:
                label = f"{n}. {m.kind}" + (f"：{m.name}" if m.name else "")
                if m.form == "notice":
                    label += "（缺失）" if not m.name else "（无法打开）"
                writer.add_outline_item(title=label, page_number=starts[m.anchor])
        writer.page_mode = "/UseOutlines"
        writer.add_metadata({"/Title": f"职称申报材料审核包 {view.name}",
                             "/Creator": "zhicheng"})
        with open(tmp, "wb") as out:
            writer.write(out)
    writer.close()
    os.replace(tmp, target)
    return {anchor: start + 1 for anchor, start in starts.items()}


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
