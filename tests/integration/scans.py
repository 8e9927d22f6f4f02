"""Scanned 述职报告 for the OCR tests: Chinese text drawn on page images with a Noto CJK font and
wrapped into an image-only PDF (no text layer), as a scanner or a phone app makes them."""

from __future__ import annotations

import io
import random
import re
from itertools import cycle, islice

from PIL import Image, ImageDraw

from zhicheng.sample.fonts import cjk_font

SENTENCES = (
    "本人自取得工程师资格以来，始终坚守技术一线，认真履行岗位职责，严格执行各项技术规范。",
    "在部门负责人的带领下，参与完成多个信息化建设项目的需求分析、系统设计和上线运行工作。",
    "坚持以用户为中心，耐心细致地与业务部门沟通，全年所负责的系统未发生重大安全事故。",
    "积极参加业务学习和继续教育，按时完成公需科目和专业科目学时要求，专业水平不断提高。",
    "承担新入职技术人员的带教任务，指导他们完成代码评审、测试用例编写和运维值班工作。",
    "参与单位质量管理小组工作，协助修订软件开发流程和验收标准，提高了项目交付的质量。",
    "深入基层单位开展技术培训和现场服务，帮助解决实际问题，受到使用单位的一致好评。",
    "今后将继续加强理论学习，提高解决复杂工程问题的能力，努力成为一名合格的高级工程师。",
)

PAGE = (1240, 1754)      # A4 at 150 dpi
FONT_SIZE = 24
PER_LINE = 44
LINES = 44


def report_text(chars: int) -> str:
    """About `chars` characters of 述职报告 prose (punctuation included), without spaces."""
    text = "".join(islice(cycle(SENTENCES), chars // 20 + 1))
    return text[:chars]


def page_images(text: str) -> list[Image.Image]:
    """The text drawn line by line on as many white A4 pages as it needs."""
    font = cjk_font("sans", FONT_SIZE)
    lines = [text[i:i + PER_LINE] for i in range(0, len(text), PER_LINE)]
    pages = []
    for first in range(0, len(lines), LINES):
        page = Image.new("L", PAGE, 255)
        draw = ImageDraw.Draw(page)
        for n, line in enumerate(lines[first:first + LINES]):
            draw.text((90, 100 + n * int(FONT_SIZE * 1.45)), line, font=font, fill=0)
        pages.append(page)
    return pages


def image_pdf(pages: list[Image.Image]) -> bytes:
    """An image-only PDF of the pages (Pillow's PDF writer: one JPEG per page, no text)."""
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    return out.getvalue()


def scanned_report(chars: int) -> bytes:
    """A scanned 述职报告 of `chars` characters."""
    return image_pdf(page_images(report_text(chars)))


def damaged_scan(pages: int = 2, seed: int = 7) -> bytes:
    """A scanned PDF whose page images are damaged (their JPEG data overwritten, as by a broken
    disk or transfer): the PDF opens and has its pages, but no page shows anything to read."""
    good = image_pdf(page_images(report_text(PER_LINE * LINES * pages)))
    rng = random.Random(seed)

    def spoil(m: re.Match[bytes]) -> bytes:
        return m.group(1) + bytes(rng.randrange(256) for _ in m.group(2)) + m.group(3)

    bad = re.sub(rb"(/DCTDecode[^>]*>>stream\n)(.*?)(\nendstream)", spoil, good, flags=re.S)
    assert bad != good and len(bad) == len(good)  # the same offsets: the xref stays right
    return bad
