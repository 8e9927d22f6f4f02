"""A flowing A4 PDF drawn with reportlab in the CID font STSong-Light, so that the text layer
extracts; canvases are written in invariant mode, so the same content gives the same bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

from .fonts import NO_LINE_START

_PDF_FONT = "STSong-Light"
_pdf_width: dict[str, float] = {}


def _pdf_setup() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))


def _char_width(ch: str) -> float:
    w = _pdf_width.get(ch)
    if w is None:
        from reportlab.pdfbase import pdfmetrics

        w = _pdf_width[ch] = pdfmetrics.stringWidth(ch, _PDF_FONT, 1.0)
    return w


def _pdf_wrap(text: str, size: float, width: float) -> list[str]:
    lines, line, used = [], "", 0.0
    widths = _pdf_width
    for ch in text:
        cw = (widths.get(ch) or _char_width(ch)) * size
        if line and ch not in NO_LINE_START and used + cw > width:
            lines.append(line)
            line, used = ch, cw
        else:
            line += ch
            used += cw
    if line:
        lines.append(line)
    return lines


class PdfDocument:
    """A flowing A4 document: titles, headings, paragraphs, simple tables, page numbers."""

    def __init__(self, title: str, author: str, light: bool) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        _pdf_setup()
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, invariant=1)
        self.c.setTitle(title)
        self.c.setAuthor(author)
        self.c.setCreator("WPS 文字")
        self.W, self.H = A4
        self.m = 36 if light else 64
        self.y = self.H - self.m
        self.page = 1

    @property
    def width(self) -> float:
        return float(self.W - 2 * self.m)

    def need(self, height: float) -> None:
        if self.y - height < self.m + 12:
            self.new_page()

    def new_page(self) -> None:
        self._footer()
        self.c.showPage()
        self.page += 1
        self.y = self.H - self.m

    def _footer(self) -> None:
        self.c.setFont(_PDF_FONT, 8)
        self.c.drawCentredString(self.W / 2, self.m / 2, f"第 {self.page} 页")

    def title(self, text: str, size: float = 18) -> None:
        self.need(size * 2.2)
        self.c.setFont(_PDF_FONT, size)
        self.c.drawCentredString(self.W / 2, self.y - size, text)
        self.y -= size * 2.2

    def heading(self, text: str, size: float = 13) -> None:
        self.need(size * 2.4)
        self.y -= size * 0.4
        self.c.setFont(_PDF_FONT, size)
        self.c.drawString(self.m, self.y - size, text)
        self.y -= size * 1.8

    def line(self, text: str, size: float = 11, x: float | None = None) -> None:
        self.need(size * 1.7)
        self.c.setFont(_PDF_FONT, size)
        self.c.drawString(self.m if x is None else x, self.y - size, text)
        self.y -= size * 1.7

    def para(self, text: str, size: float = 11, leading: float = 1.65, indent: bool = True) -> None:
        lines = _pdf_wrap(("\u3000\u3000" if indent else "") + text, size, self.width)
        step = size * leading
        done = 0
        while done < len(lines):  # one text object per page part: far fewer operators to write
            self.need(step)
            room = max(1, int((self.y - self.m - 12) // step))
            chunk = lines[done:done + room]
            text_object = self.c.beginText(self.m, self.y - size)
            text_object.setFont(_PDF_FONT, size, step)
            for line in chunk:
                text_object.textLine(line)
            self.c.drawText(text_object)
            self.y -= step * len(chunk)
            done += len(chunk)
            if done < len(lines):
                self.new_page()
        self.y -= size * 0.3

    def table(self, rows: list[list[tuple[str, int]]], columns: int, size: float = 10.5,
              row_h: float = 24, widths: Sequence[float] | None = None) -> None:
        """Rows of (text, span) cells over `columns` columns; long text shrinks to fit."""
        col_w = [self.width * f for f in widths] if widths else [self.width / columns] * columns
        for cells in rows:
            self.need(row_h)
            x: float = self.m
            col = 0
            for text, span in cells:
                cw = sum(col_w[col:col + span])
                self.c.rect(x, self.y - row_h, cw, row_h)
                fs: float = size
                while fs > 6 and sum(_char_width(ch) for ch in text) * fs > cw - 8:
                    fs -= 0.5
                self.c.setFont(_PDF_FONT, fs)
                self.c.drawString(x + 4, self.y - row_h / 2 - fs / 2 + 1.5, text)
                x += cw
                col += span
            self.y -= row_h
        self.y -= 8

    def box(self, heading: str, text: str, height: float, size: float = 10.5) -> None:
        self.need(height)
        self.c.rect(self.m, self.y - height, self.width, height)
        self.c.setFont(_PDF_FONT, size)
        self.c.drawString(self.m + 6, self.y - size - 6, heading)
        yy = self.y - size * 2 - 12
        for line in _pdf_wrap(text, size, self.width - 16):
            self.c.drawString(self.m + 8, yy - size, line)
            yy -= size * 1.6
        self.y -= height + 8

    def finish(self) -> bytes:
        from reportlab import rl_config

        self._footer()
        # Plain Flate streams: the pure-Python ASCII85 step would double the time of a sample PDF.
        # The setting is global in reportlab, so it is put back at once.
        saved, rl_config.useA85 = rl_config.useA85, 0
        try:
            self.c.save()
        finally:
            rl_config.useA85 = saved
        return self.buf.getvalue()
