"""Packets made from hostile materials: no action of an applicant's PDF reaches the reviewer's
reader, a PDF of many pages is capped (and the cover says which pages are missing), and a huge
image is scaled down before it is embedded."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

from pipeline.domain.identity import make_id_number
from pipeline.services import queries
from reports.packet import PACKET_MAX_PAGES, write_packet
from reports.packet_images import PRINT_BOX
from tests.files.hostile import active_pdf, huge_png, many_pages_pdf
from tests.integration import badfiles
from tests.integration.badfiles import Person
from zhicheng.app import import_batch

ACTIVE_NAMES = (b"/JavaScript", b"/JS", b"/Launch", b"/URI", b"/SubmitForm", b"/ImportData",
                b"/EmbeddedFile", b"/OpenAction", b"/AA", b"/FileAttachment")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdftotext(path: Path, first: int, last: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def make_packet(runtime, tmp_path: Path) -> tuple[Path, PdfReader]:
    person = Person("张伟", make_id_number("43010219920315123"), "91430111MA4PQ7R2XK")
    batch = tmp_path / "in" / "职称申报-2026"
    badfiles.write_applicant(batch, person, files={
        "业绩材料.pdf": active_pdf(),
        "业绩材料-2.pdf": many_pages_pdf(PACKET_MAX_PAGES + 40),
        "学位证书.png": huge_png(6_000, 4_500)})
    badfiles.write_roster(batch / "roster.csv", [person.row])
    batch_id = import_batch(runtime, batch, wait=True, timeout=120)
    (app,) = queries.list_applications(runtime.ctx, batch=batch_id)
    pdf = write_packet(runtime.ctx, app["id"], tmp_path / "out")[0]
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []
    return pdf, PdfReader(pdf)


def test_a_packet_of_hostile_materials(runtime, tmp_path: Path) -> None:
    """One packet (it takes a while to make) for the three checks below."""
    packet = make_packet(runtime, tmp_path)
    no_action_of_an_applicants_pdf_reaches_the_packet(packet)
    a_pdf_of_many_pages_is_capped_and_the_cover_says_which_pages_are_missing(packet)
    a_huge_image_is_scaled_down_before_it_is_embedded(packet)


def no_action_of_an_applicants_pdf_reaches_the_packet(packet) -> None:
    pdf, reader = packet
    raw = pdf.read_bytes()
    assert [n for n in ACTIVE_NAMES if re.search(re.escape(n) + rb"[\s/<>\[\(]", raw)] == []
    for page in reader.pages:
        assert "/AA" not in page
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            assert "/A" not in annot and "/AA" not in annot
            assert annot.get("/Subtype") != "/FileAttachment"
    # the page itself is still there, as the applicant made it
    assert any("Active content" in (p.extract_text() or "") for p in reader.pages)
    cover = squeeze(pdftotext(pdf, 1, 3))
    assert "已移除可执行内容" in cover
    for named in ("JavaScript脚本", "启动外部程序", "外部网址链接", "提交表单到外部地址", "导入外部数据",
                  "附件（嵌入文件）", "打开文件时自动执行的动作"):
        assert named in cover, named
    assert "业绩材料（业绩材料.pdf）" in cover


def a_pdf_of_many_pages_is_capped_and_the_cover_says_which_pages_are_missing(packet) -> None:
    pdf, reader = packet
    total = PACKET_MAX_PAGES + 40
    shown = sum(1 for p in reader.pages if "A page of many" in (p.extract_text() or ""))
    assert shown == PACKET_MAX_PAGES
    cover = squeeze(pdftotext(pdf, 1, 3))
    assert f"共{total}页" in cover and f"第{PACKET_MAX_PAGES + 1}–{total}页未放入" in cover
    body = squeeze(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    assert f"第{PACKET_MAX_PAGES + 1}–{total}页未放入材料包" in body


def a_huge_image_is_scaled_down_before_it_is_embedded(packet) -> None:
    _, reader = packet
    sizes = [img.image.size for page in reader.pages for img in page.images if img.image]
    assert sizes, "the image is in the packet"
    assert all(max(w, h) <= max(PRINT_BOX) and min(w, h) <= min(PRINT_BOX) for w, h in sizes), sizes
    scale = min(PRINT_BOX[1] / 6_000, PRINT_BOX[0] / 4_500)  # landscape: the box turned
    assert (round(6_000 * scale), round(4_500 * scale)) in sizes
