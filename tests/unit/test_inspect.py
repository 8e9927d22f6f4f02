"""Preflight of uploaded files, on real JPEG, PNG, PDF and other files made here."""

from __future__ import annotations

import errno
import io
import random
import struct
import tempfile
import zipfile
import zlib
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline.documents.preflight import Inspection, inspect_file, normalized_image, pdf_text, sniff
from pipeline.storage.faults import StoreFault

NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
REPORT_TEXT = "述职报告：本人张三，湖南省长沙市某设计院工程师，任现职以来主持完成道路设计项目十二项。"


# ---------------------------------------------------------------- file makers
def certificate(size: tuple[int, int] = (800, 600), mode: str = "RGB") -> Image.Image:
    """A certificate-like picture with Chinese text and a red mark in the top-left corner."""
    img = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(NOTO, 40)
    draw.text((60, 120), "普通高等学校毕业证书", font=font, fill="black")
    draw.text((60, 200), "学生 张三 于2012年7月毕业", font=font, fill="black")
    draw.rectangle((0, 0, 40, 40), fill=(255, 0, 0) if mode == "RGB" else 128)
    rng = random.Random(7)
    for _ in range(400):  # some texture so the JPEG is not trivially small
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.point((x, y), fill="gray")
    return img


@cache
def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    certificate().save(out, "JPEG", quality=90)
    return out.getvalue()


@cache
def png_bytes() -> bytes:
    out = io.BytesIO()
    certificate().save(out, "PNG")
    return out.getvalue()


@cache
def text_pdf_bytes(pages: int = 2) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out)
    for page in range(pages):
        c.setFont("STSong-Light", 12)
        c.drawString(60, 760, f"{REPORT_TEXT}（第{page + 1}页）")
        c.showPage()
    c.save()
    return out.getvalue()


@cache
def image_pdf_bytes() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawImage(ImageReader(certificate()), 50, 300, width=400, height=300)
    c.showPage()
    c.save()
    return out.getvalue()


def encrypted_pdf_bytes(user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf_bytes())))
    writer.encrypt(user_password, owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height 1-bit pixels (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def docx_bytes(padding: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>" + " " * padding)
        archive.writestr("word/document.xml", "<w:document>业绩</w:document>")
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rules(result: Inspection) -> list[str]:
    return [issue.rule for issue in result.findings]


# ---------------------------------------------------------------- sniff
@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"%PDF-1.7\n", "pdf"),
        (b"\xef\xbb\xbf  \n%PDF-1.4\n", "pdf"),
        (b"PK\x03\x04....word/document.xml", "docx"),
        (b"PK\x03\x04....xl/workbook.xml", "xlsx"),
        (b"PK\x03\x04....OFD.xml", "ofd"),
        (b"PK\x03\x04....readme.txt", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8, "ole"),
        (b"GIF89a\x01\x00", "gif"),
        (b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00", "bmp"),
        (b"II*\x00\x08\x00", "tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heic"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", "avif"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "video"),
        (b"Rar!\x1a\x07\x01\x00", "rar"),
        ("姓名,身份证号\n张三,430102199001011234\n".encode("gb18030"), "text"),
        ("述职报告正文".encode(), "text"),
        (b"", "empty"),
        (bytes(range(256)), "unknown"),
    ],
)
def test_sniff_names_the_real_type_from_the_first_bytes(head: bytes, name: str) -> None:
    assert sniff(head) == name


# ---------------------------------------------------------------- accepted files
def test_a_sound_jpeg_certificate_passes_with_its_size(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "学历证书.jpg", jpeg_bytes()), "学历证书.jpg")
    assert result.findings == []
    assert (result.media_type, result.detected) == ("image/jpeg", "jpeg")
    assert (result.width, result.height) == (800, 600)
    assert result.orientation is None and result.pages is None


def test_a_sound_png_certificate_passes_whatever_the_case_of_its_extension(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "x.PNG", png_bytes()), "学位证书.PNG")
    assert result.findings == []
    assert result.media_type == "image/png"


def test_jpg_and_jpeg_extensions_are_the_same_type(tmp_path: Path) -> None:
    for name in ("a.jpeg", "a.JPG", "a.Jpeg", "a.jfif", "身份证"):
        assert inspect_file(write(tmp_path, "f", jpeg_bytes()), name).findings == []


def test_a_png_named_jpg_is_accepted_as_the_image_it_is(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", png_bytes()), "学历证书.jpg")
    assert result.findings == []
    assert result.media_type == "image/png"


def test_a_pdf_with_a_chinese_text_layer_reports_pages_and_text(tmp_path: Path) -> None:
    path = write(tmp_path, "述职报告.pdf", text_pdf_bytes())
    result = inspect_file(path, "述职报告.pdf")
    assert result.findings == []
    assert (result.media_type, result.pages, result.encrypted) == ("application/pdf", 2, False)
    assert result.has_text_layer is True
    assert result.text_chars is None  # measured by the extract stage, once per content
    assert "主持完成道路设计项目" in pdf_text(path)
    assert "第2页" not in pdf_text(path, max_pages=1)


def scan_then_text_pdf_bytes() -> bytes:
    """Page 1 a scanned image only, page 2 real text."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawImage(ImageReader(certificate()), 50, 300, width=400, height=300)
    c.showPage()
    c.setFont("STSong-Light", 12)
    c.drawString(60, 760, REPORT_TEXT)
    c.showPage()
    c.save()
    return out.getvalue()


def test_only_the_first_pages_are_examined_for_a_text_layer(tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", scan_then_text_pdf_bytes())
    assert inspect_file(path, "a.pdf", text_pages=1).has_text_layer is False
    assert inspect_file(path, "a.pdf", text_pages=2).has_text_layer is True


def test_a_scanned_pdf_has_pages_but_no_text_layer(tmp_path: Path) -> None:
    path = write(tmp_path, "业绩材料.pdf", image_pdf_bytes())
    result = inspect_file(path, "业绩材料.pdf")
    assert result.findings == []
    assert (result.pages, result.has_text_layer) == (1, False)
    assert pdf_text(path).strip() == ""


def test_a_pdf_protected_only_by_an_owner_password_is_readable(tmp_path: Path) -> None:
    path = write(tmp_path, "述职报告.pdf", encrypted_pdf_bytes("", "owner-secret"))
    result = inspect_file(path, "述职报告.pdf")
    assert result.findings == []
    assert result.encrypted is True and result.has_text_layer is True
    assert "道路设计" in pdf_text(path)


# ---------------------------------------------------------------- refused files
def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = write(tmp_path, "业绩材料.pdf", text_pdf_bytes())
    result = inspect_file(path, "业绩材料.pdf", max_bytes=1000)
    assert rules(result) == ["material.too_large"]
    assert result.media_type is None and result.pages is None
    message = result.findings[0].message
    assert "“业绩材料.pdf”" in message and "超过1000字节的上限" in message


def test_the_size_message_says_megabytes_for_real_limits(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    with open(path, "wb") as fh:  # sparse: 11 MB without writing them
        fh.truncate(11 * 1024 * 1024 + 1)
    message = inspect_file(path, "业绩材料.pdf").findings[0].message
    assert "11.01MB" in message and "超过10MB的上限" in message


def test_a_word_document_is_refused_with_what_it_is_and_what_to_do(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", docx_bytes()), "业绩材料.docx")
    assert rules(result) == ["material.bad_type"]
    assert result.detected == "docx" and result.media_type is None
    assert result.findings[0].message == "“业绩材料.docx”是Word文档，不是PDF或JPG/PNG图片，请转换（另存为）PDF后重新上传"


def test_a_word_document_is_recognised_even_when_its_first_entries_are_large(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", docx_bytes(padding=40_000)), "述职报告.docx")
    assert result.detected == "docx"


def test_an_iphone_photo_certificate_is_told_to_become_a_jpg(tmp_path: Path) -> None:
    head = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 100
    result = inspect_file(write(tmp_path, "f", head), "学历证书.HEIC")
    assert rules(result) == ["material.bad_type"]
    assert "HEIC" in result.findings[0].message and "JPG或PNG" in result.findings[0].message


def test_a_zip_is_told_to_be_unpacked(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("学历证书.jpg", jpeg_bytes())
    result = inspect_file(write(tmp_path, "f", out.getvalue()), "材料.zip")
    assert result.detected == "zip"
    assert "解压" in result.findings[0].message


def test_a_jpeg_named_pdf_is_reported_but_still_usable_as_the_image_it_is(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", jpeg_bytes()), "学历证书.pdf")
    assert rules(result) == ["material.bad_type"]
    assert result.media_type == "image/jpeg" and result.width == 800
    assert result.findings[0].message == "“学历证书.pdf”实际是JPEG图片，扩展名.pdf与内容不符，请将扩展名改为.jpg后重新上传"


def test_a_pdf_named_docx_is_reported_as_a_lying_extension(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", text_pdf_bytes()), "业绩材料.docx")
    assert rules(result) == ["material.bad_type"]
    assert result.media_type == "application/pdf" and result.pages == 2


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", b""), "学历证书.jpg")
    assert rules(result) == ["material.unreadable"]
    assert "空文件" in result.findings[0].message


def test_a_stored_file_that_is_missing_is_our_fault_not_the_applicants(tmp_path: Path) -> None:
    # The store not mounted on this host: ENOENT. Nothing may be said against the file.
    with pytest.raises(StoreFault) as caught:
        inspect_file(tmp_path / "gone.jpg", "学历证书.jpg")
    assert caught.value.errno == errno.ENOENT
    assert "存储" in str(caught.value) and "不是申报材料的问题" in str(caught.value)


def test_a_truncated_jpeg_is_unreadable(tmp_path: Path) -> None:
    data = jpeg_bytes()
    result = inspect_file(write(tmp_path, "f", data[: len(data) // 2]), "学历证书.jpg")
    assert rules(result) == ["material.unreadable"]
    assert result.media_type is None
    assert "不完整" in result.findings[0].message and "重新扫描或拍照" in result.findings[0].message


def test_a_truncated_png_is_unreadable(tmp_path: Path) -> None:
    data = png_bytes()
    result = inspect_file(write(tmp_path, "f", data[: len(data) - 30]), "学位证书.png")
    assert rules(result) == ["material.unreadable"]


def test_a_png_bomb_is_refused_from_its_header_without_decoding(tmp_path: Path) -> None:
    path = write(tmp_path, "f", png_header_only(30000, 30000))
    result = inspect_file(path, "学历证书.png")
    assert rules(result) == ["material.unreadable"]
    assert result.media_type is None
    message = result.findings[0].message
    assert "30000×30000" in message and "8000万像素" in message
    assert normalized_image(path) is None


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_just_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", png_header_only(10000, 9000)), "学历证书.png")
    assert rules(result) == ["material.unreadable"]
    assert "10000×9000" in result.findings[0].message


def test_the_pixel_limit_applies_to_ordinary_images_too(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", jpeg_bytes()), "学历证书.jpg", max_pixels=100_000)
    assert rules(result) == ["material.unreadable"]
    assert "800×600" in result.findings[0].message


def test_a_password_protected_pdf_is_unreadable_with_advice(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", encrypted_pdf_bytes("secret")), "述职报告.pdf")
    assert rules(result) == ["material.unreadable"]
    assert result.encrypted is True and result.media_type is None
    assert "已加密" in result.findings[0].message and "去除密码后重新上传" in result.findings[0].message


def test_a_truncated_pdf_is_unreadable(tmp_path: Path) -> None:
    data = text_pdf_bytes()
    result = inspect_file(write(tmp_path, "f", data[: len(data) // 2]), "业绩材料.pdf")
    assert rules(result) == ["material.unreadable"]
    assert "不完整" in result.findings[0].message


def test_a_pdf_with_an_end_marker_but_no_body_is_unreadable(tmp_path: Path) -> None:
    result = inspect_file(write(tmp_path, "f", b"%PDF-1.4\ngarbage\n%%EOF\n"), "业绩材料.pdf")
    assert rules(result) == ["material.unreadable"]
    assert result.media_type is None


# ---------------------------------------------------------------- orientation
def rotated_photo(fmt: str) -> bytes:
    img = certificate()
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = io.BytesIO()
    img.save(out, fmt, exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "学历证书.jpg"), ("PNG", "学历证书.png")])
def test_a_sideways_photo_is_turned_upright(tmp_path: Path, fmt: str, name: str) -> None:
    path = write(tmp_path, name, rotated_photo(fmt))
    assert inspect_file(path, name).orientation == 6
    upright = normalized_image(path)
    assert upright is not None
    with Image.open(io.BytesIO(upright)) as img:
        assert img.format == fmt
        assert img.size == (600, 800)
        assert img.getexif().get(0x0112) in (None, 1)
        red, green, _ = img.convert("RGB").getpixel((580, 20))  # the top-left mark is now top-right
        assert red > 200 and green < 80


def test_an_upright_image_needs_no_normalizing(tmp_path: Path) -> None:
    assert normalized_image(write(tmp_path, "a.jpg", jpeg_bytes())) is None
    assert normalized_image(write(tmp_path, "a.png", png_bytes())) is None
    assert normalized_image(write(tmp_path, "a.pdf", text_pdf_bytes())) is None


# ---------------------------------------------------------------- no input makes it crash
NAMES = st.sampled_from(["学历证书.jpg", "业绩材料.pdf", "学位证书.png", "述职报告", "其他.docx"])
MAGIC = st.sampled_from([b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-1.4\n", b"PK\x03\x04", b"GIF89a"])
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_never_raises(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        result = inspect_file(path, name)
        assert all(issue.rule.startswith("material.") and issue.message for issue in result.findings)
        assert result.media_type is None or not any(i.rule == "material.unreadable" for i in result.findings)
        normalized_image(path)
        pdf_text(path)


@FUZZ
@given(MAGIC, st.binary(max_size=4096), NAMES)
def test_random_bytes_never_raise(magic: bytes, data: bytes, name: str) -> None:
    check_never_raises(magic + data, name)


@FUZZ
@given(st.sampled_from(["jpeg", "png", "text_pdf", "image_pdf"]), st.floats(0.0, 1.0), NAMES)
def test_truncated_real_files_never_raise(kind: str, fraction: float, name: str) -> None:
    data = {"jpeg": jpeg_bytes, "png": png_bytes, "text_pdf": text_pdf_bytes, "image_pdf": image_pdf_bytes}[kind]()
    check_never_raises(data[: int(len(data) * fraction)], name)


@FUZZ
@given(st.sampled_from(["jpeg", "png", "text_pdf"]), st.integers(0, 10**9), st.binary(min_size=1, max_size=8))
def test_corrupted_real_files_never_raise(kind: str, where: int, garbage: bytes) -> None:
    data = {"jpeg": jpeg_bytes, "png": png_bytes, "text_pdf": text_pdf_bytes}[kind]()
    at = where % len(data)
    check_never_raises(data[:at] + garbage + data[at + len(garbage):], "学历证书.jpg")
