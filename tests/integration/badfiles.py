"""Builders of batches for the bad-input tests: good applicants, and every kind of bad file.

Everything written here is a real file: JPEG and PNG images drawn with Pillow, PDFs written by
reportlab with the CID font STSong-Light (so they carry a Chinese text layer), rosters written as
CSV (GB18030 or UTF-8 with BOM) or XLSX, and zips written with `zipfile`. The bad files are bad the
way they are in real life: cut short, password-protected, a Word document, a photo renamed `.pdf`,
a PNG whose header claims a billion pixels, a zip whose members climb out of the batch.

Bytes are built once per process (they do not depend on the database), so the tests stay fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# --- people, units and the roster -------------------------------------------------------------

UNIT_NAME = "湖南测试科技有限公司"

# docs/reference.md §1, in the order a unit's spreadsheet usually has them.
HEADERS: dict[str, str] = {
    "name": "姓名", "id_number": "身份证号", "gender": "性别", "phone": "手机号码",
    "unit_code": "单位统一社会信用代码", "unit_name": "单位名称", "year": "申报年度",
    "series": "申报系列", "specialty": "申报专业", "level": "申报级别", "title_name": "申报资格名称",
    "current_title": "现职称", "current_title_date": "现职称取得时间", "education": "最高学历",
    "degree": "最高学位", "school": "毕业院校", "graduation_date": "毕业时间",
    "work_start_date": "参加工作时间", "ce_hours": "继续教育学时", "ce_public_hours": "公需科目学时",
    "ce_professional_hours": "专业科目学时", "path": "申报途径", "offline_review": "线下形式审查",
}

# The files of a complete 中级 application with a 学士 degree (docs/reference.md §2).
GOOD_FILES = ("专业技术职称评审表.pdf", "学历证书.jpg", "学位证书.png", "继续教育学时认定单.jpg",
              "现职称证书.jpg", "业绩材料.pdf", "述职报告.pdf")


@dataclass
class Person:
    """One applicant: a roster row (canonical field names) and the files of their folder."""

    name: str
    id_number: str
    unit_code: str
    row: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        gender = "男" if int(self.id_number[16]) % 2 == 1 else "女"
        base: dict[str, object] = {
            "name": self.name, "id_number": self.id_number, "gender": gender,
            "phone": "138" + self.id_number[-8:].replace("X", "0"), "unit_code": self.unit_code,
            "unit_name": UNIT_NAME, "year": 2026, "series": "工程", "specialty": "计算机应用技术",
            "level": "中级", "title_name": "工程师", "current_title": "助理工程师",
            "current_title_date": dt.date(2020, 7, 1), "education": "大学本科", "degree": "学士",
            "school": "湖南大学", "graduation_date": dt.date(2014, 7, 1),
            "work_start_date": dt.date(2014, 7, 15), "ce_hours": 96, "ce_public_hours": 32,
            "ce_professional_hours": 64, "path": "正常", "offline_review": "通过",
        }
        base.update(self.row)
        self.row = base

    @property
    def folder(self) -> str:
        return f"{self.id_number}_{self.name}"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日" if value.day != 1 else value.strftime("%Y-%m")
    return str(value)


def write_roster(path: Path, rows: Iterable[Mapping[str, object]], *,
                 columns: Iterable[str] | None = None, extra: Mapping[str, Iterable[str]] | None = None,
                 blank_after: Iterable[int] = (), encoding: str = "gb18030") -> Path:
    """Write a roster: CSV in `encoding` (gb18030 or utf-8-sig) or XLSX, by the file's extension.

    `columns` are canonical fields (default: all of docs/reference.md §1), `extra` maps unknown headers
    to their cells, one per row; `blank_after` lists data rows (0-based) followed by an empty row.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = list(rows)
    fields = list(columns) if columns is not None else list(HEADERS)
    extra = {k: list(v) for k, v in (extra or {}).items()}
    header = [HEADERS[f] for f in fields] + list(extra)
    blanks = set(blank_after)
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "花名册"
        sheet.append(header)
        for i, row in enumerate(rows):
            cells: list[object] = []
            for f in fields:
                value = row.get(f)
                # ID numbers and phones are text cells (as a careful operator types them); dates
                # are real date cells; numbers are numbers.
                cells.append(str(value) if f in ("id_number", "phone", "unit_code") and value else value)
            sheet.append(cells + [v[i] for v in extra.values()])
            if i in blanks:
                sheet.append([None] * len(header))
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        out = io.BytesIO()
        book.save(out)
        path.write_bytes(out.getvalue())
        return path
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i, row in enumerate(rows):
            writer.writerow([_cell_text(row.get(f)) for f in fields] + [v[i] for v in extra.values()])
            if i in blanks:
                writer.writerow([""] * len(header))
    return path


def write_applicant(batch: Path, person: Person, *, folder: str | None = None,
                    files: Mapping[str, bytes | None] | None = None) -> Path:
    """Write an applicant's folder with every good file; `files` replaces (None: drops) or adds files."""
    target = Path(batch) / (folder or person.folder)
    target.mkdir(parents=True, exist_ok=True)
    content: dict[str, bytes | None] = {name: good_file(name, person.name, person.id_number)
                                        for name in GOOD_FILES}
    content.update(files or {})
    for name, data in content.items():
        if data is not None:
            (target / name).write_bytes(data)
    return target


def good_file(filename: str, name: str, id_number: str) -> bytes:
    """The good content of one material of an applicant."""
    kind, suffix = filename.rsplit(".", 1)
    if kind == "述职报告":
        return report_pdf(name, id_number)
    if suffix == "pdf":
        return pdf_bytes(kind, (f"姓名：{name}", f"身份证号：{id_number}", f"工作单位：{UNIT_NAME}",
                                "申报资格：工程师（计算机应用技术）", f"{kind}内容详见附页。"))
    return image_bytes(kind, name, id_number, "PNG" if suffix == "png" else "JPEG")


# --- images -----------------------------------------------------------------------------------

_CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in (*_CJK_FONTS, *sorted(glob.glob("/usr/share/fonts/**/*CJK*", recursive=True))):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


@cache
def image_bytes(title: str, name: str, id_number: str, fmt: str = "JPEG",
                size: tuple[int, int] = (400, 300)) -> bytes:
    """A small certificate picture showing its title, the holder's name and ID number."""
    img = Image.new("RGB", size, (250, 246, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((8, 8, size[0] - 9, size[1] - 9), outline=(150, 30, 30), width=4)
    draw.text((40, 40), title, font=_font(30), fill=(150, 30, 30))
    draw.text((40, 120), f"姓名：{name}", font=_font(20), fill=(20, 20, 20))
    draw.text((40, 160), f"身份证号：{id_number}", font=_font(18), fill=(20, 20, 20))
    draw.text((40, 220), "湖南省人力资源和社会保障厅", font=_font(16), fill=(60, 60, 60))
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


@cache
def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real, complete PNG of `width`×`height` black pixels (1 bit each) that is ~50 KB on disk.

    Decoding it would need width×height bytes of memory; a safe reader refuses it from the header.
    """
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte 0, then the packed pixels
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * 1000) for _ in range(height // 1000)]
    parts += [packer.compress(row * (height % 1000)), packer.flush()]
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


# --- PDFs -------------------------------------------------------------------------------------

_REPORT_PARAGRAPHS = (
    "本人自取得助理工程师资格以来，始终坚持理论联系实际，认真履行岗位职责，积极参与单位信息化建设，"
    "在软件系统设计、开发、测试和运行维护等方面积累了较为丰富的经验。",
    "在项目管理方面，本人牵头完成了单位业务管理平台的需求调研、总体设计和分期实施，组织编写技术方案"
    "和测试用例，协调各部门按期完成数据迁移和上线切换，系统运行稳定，得到使用部门的一致好评。",
    "在技术攻关方面，针对业务数据量快速增长带来的性能问题，本人提出分库分表和异步处理相结合的改进方案，"
    "将关键业务的响应时间缩短一半以上，并总结形成了单位内部的技术规范，供其他项目参考使用。",
    "在团队建设方面，本人注重传帮带，先后指导三名新入职的技术人员熟悉开发流程和编码规范，组织开展技术"
    "分享活动十余次，带动团队整体业务水平不断提高，所在团队多次被评为单位先进集体。",
    "在继续教育方面，本人按规定参加公需科目和专业科目的学习，完成了规定的继续教育学时，并结合工作实际"
    "撰写学习体会，不断更新专业知识，提高解决实际问题的能力。",
    "今后，本人将继续加强政治理论和专业知识学习，立足本职岗位，勇于创新，努力为单位和行业的高质量发展"
    "作出更大的贡献。",
)


def _pdf_canvas(out: io.BytesIO):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return canvas.Canvas(out, pagesize=A4, invariant=1), A4


def _write_lines(lines: Iterable[str], title: str) -> bytes:
    out = io.BytesIO()
    c, (width, height) = _pdf_canvas(out)
    c.setTitle(title)
    per_line = int((width - 100) // 11)
    y = height - 60
    c.setFont("STSong-Light", 16)
    c.drawString(50, y, title)
    y -= 36
    c.setFont("STSong-Light", 11)
    for line in lines:
        for start in range(0, max(len(line), 1), per_line):
            if y < 50:
                c.showPage()
                c.setFont("STSong-Light", 11)
                y = height - 60
            c.drawString(50, y, line[start:start + per_line])
            y -= 16
    c.save()
    return out.getvalue()


@cache
def pdf_bytes(title: str, lines: tuple[str, ...]) -> bytes:
    """A one-page PDF with a Chinese text layer."""
    return _write_lines(lines, title)


def report_chars(text: str) -> int:
    """How many Chinese characters (CJK ideographs) a text holds."""
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text)


@cache
def report_pdf(name: str, id_number: str, min_chars: int = 3300) -> bytes:
    """A 述职报告 with more than `min_chars` Chinese characters in its text layer."""
    lines = [f"述职人：{name}（身份证号{id_number}）", f"工作单位：{UNIT_NAME}"]
    i = 0
    while report_chars("".join(lines)) < min_chars:
        lines.append(_REPORT_PARAGRAPHS[i % len(_REPORT_PARAGRAPHS)])
        i += 1
    return _write_lines(lines, "专业技术工作述职报告")


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first part of a file, as left by an interrupted upload or copy."""
    return data[: int(len(data) * keep)]


def encrypted_pdf(data: bytes, password: str = "123456") -> bytes:
    """The PDF protected with an opening password (AES-256), as a cautious applicant sends it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- office files -----------------------------------------------------------------------------

def docx_bytes(text: str) -> bytes:
    """A minimal but complete Word document (.docx) holding one paragraph."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in (("[Content_Types].xml", content_types), ("_rels/.rels", rels),
                           ("word/document.xml", document)):
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), body)
    return out.getvalue()


def xls_bytes() -> bytes:
    """An old-format Excel file: an OLE2 compound file whose `Workbook` stream is BIFF8.

    Layout (512-byte sectors): 0 = FAT, 1 = directory, 2..9 = the Workbook stream (4096 bytes, so
    it lives in regular sectors and no mini stream is needed).
    """
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0006)
    workbook = (bof + struct.pack("<HH", 0x000A, 0)).ljust(4096, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat = [fat_sect, end] + [3, 4, 5, 6, 7, 8, 9, end]
    fat_sector = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", nostream, nostream, child) + b"\0" * 16  # siblings, CLSID
                + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))  # state, times

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, nostream, 2, len(workbook))
                 + entry("", 0, nostream, 0, 0) * 2)
    assert len(header) == 512 and len(fat_sector) == 512 and len(directory) == 512
    return header + fat_sector + directory + workbook


# --- zips -------------------------------------------------------------------------------------

_ZIP_TIME = (2026, 3, 1, 9, 0, 0)


def zip_folder(folder: Path, target: Path, *, extra: Iterable[tuple[str, bytes]] = ()) -> Path:
    """Zip a batch folder (with its own name as the top folder, as Windows does) plus raw members.

    `extra` members are written with their names exactly as given, `../` and leading `/` included.
    """
    folder, target = Path(folder), Path(target)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                arcname = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                z.writestr(zipfile.ZipInfo(arcname, _ZIP_TIME), path.read_bytes(),
                           compress_type=zipfile.ZIP_DEFLATED)
        for name, data in extra:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return target


def add_zeros_member(target: Path, name: str, size: int = 50 * 1024 * 1024) -> Path:
    """Append a member of `size` zero bytes, deflated (a classic zip bomb: ~1000:1)."""
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    block = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(target, "a") as z, z.open(info, "w") as member:
        for _ in range(size // len(block)):
            member.write(block)
        member.write(b"\0" * (size % len(block)))
    return target


def declared_size(target: Path) -> int:
    """The total uncompressed size a zip declares."""
    with zipfile.ZipFile(target) as z:
        return sum(i.file_size for i in z.infolist())


def corrupt_member(target: Path, name_endswith: str) -> Path:
    """Damage one member's compressed data in place (its CRC no longer matches), as a bad disk does."""
    data = bytearray(Path(target).read_bytes())
    with zipfile.ZipFile(target) as z:
        info = next(i for i in z.infolist() if i.filename.endswith(name_endswith))
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[local + 26: local + 30])
    start = local + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    for i in range(middle, min(middle + 64, start + info.compress_size)):
        data[i] ^= 0x5A
    Path(target).write_bytes(bytes(data))
    return target


# --- the data directory -----------------------------------------------------------------------

def blobs(data_dir: Path) -> dict[str, int]:
    """Every file in the content store: its name (the SHA-256) and size."""
    root = Path(data_dir) / "blobs"
    return {p.name: p.stat().st_size for p in root.rglob("*") if p.is_file()} if root.exists() else {}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
