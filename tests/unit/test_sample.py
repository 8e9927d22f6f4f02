"""The sample-data generator writes real, deterministic batches whose flaws are where it says."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pypdf
import pytest
from openpyxl import load_workbook
from PIL import Image, ImageOps

from zhicheng.sample import (
    ALL_FLAWS,
    BATCH_FLAWS,
    DEFAULT_FLAWS,
    ROSTER_HEADERS,
    UNIT_HEADERS,
    SampleBatch,
    make_batch,
    sample_units,
    write_units_file,
)

HEADERS = [h for _, h in ROSTER_HEADERS]
CERTIFICATES = {"学历证书.jpg": "JPEG", "学位证书.png": "PNG", "继续教育学时认定单.jpg": "JPEG",
                "现职称证书.jpg": "JPEG"}
TITLES = {
    "工程": ("助理工程师", "工程师", "高级工程师", "正高级工程师"),
    "卫生": ("医师", "主治医师", "副主任医师", "主任医师"),
    "经济": ("助理经济师", "经济师", "高级经济师", "正高级经济师"),
    "会计": ("助理会计师", "会计师", "高级会计师", "正高级会计师"),
}
LEVELS = ("初级", "中级", "副高级", "正高级")
DEGREES = {"大学专科": {"无"}, "大学本科": {"学士", "无"}, "硕士研究生": {"硕士"}, "博士研究生": {"博士"}}


# --- independent check digits (not the generator's own helpers) -----------------------------

def id_ok(value: str) -> bool:
    v = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return False
    try:
        date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(v, weights)) % 11] == v[17]


def uscc_ok(value: str) -> bool:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    if len(value) != 18 or any(c not in alphabet for c in value):
        return False
    c = 31 - sum(alphabet.index(ch) * w for ch, w in zip(value, weights)) % 31
    return alphabet[0 if c == 31 else c] == value[17]


def id_in(folder_name: str) -> str | None:
    m = re.search(r"(?<!\d)\d{17}[\dXx](?![\dXx])", folder_name)
    return m.group(0).upper() if m else None


def parse_roster_date(text: str) -> date | None:
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?", text)
    assert m, f"not an accepted date form: {text!r}"
    if m.group(1):
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return date(int(m.group(4)), int(m.group(5)), int(m.group(6) or 1))


def report_chars(path: Path) -> int:
    text = "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return len("".join(text.split()))


# --- batches shared by the tests -------------------------------------------------------------

@pytest.fixture(scope="module")
def default_batch(tmp_path_factory: pytest.TempPathFactory) -> SampleBatch:
    """The demo's shape: 12 applicants, default flaws, workbook roster (light images)."""
    return make_batch(tmp_path_factory.mktemp("default"), applicants=12, light=True)


@pytest.fixture(scope="module")
def flaw_batch(tmp_path_factory: pytest.TempPathFactory) -> SampleBatch:
    """Every flaw the generator knows, each once, with a UTF-8 CSV roster."""
    flaws = list(ALL_FLAWS) + list(BATCH_FLAWS)
    return make_batch(tmp_path_factory.mktemp("flaws"), applicants=len(ALL_FLAWS) + 4, light=True,
                      roster_format="csv", flaws=flaws, seed=7)


def by_flaw(batch: SampleBatch, flaw: str):
    return next(a for a in batch.applicants if a.flaws == [flaw] and a.folder is not None)


# --- units -----------------------------------------------------------------------------------

def test_sample_units_are_hunan_units_with_valid_codes_and_one_pending() -> None:
    units = sample_units()
    assert 5 <= len(units) <= 7
    assert all(uscc_ok(u.code) for u in units)
    codes = {u.code for u in units}
    supervisor = next(u for u in units if u.name == "湖南省交通运输厅")
    assert supervisor.approver == "主管机构" and supervisor.status == "已审核"
    under = [u for u in units if u.parent_code == supervisor.code]
    assert len(under) == 2 and all(u.supervisor_code == supervisor.code and u.approver == "主管单位" for u in under)
    assert any(u.region == "雨花区" and u.kind == "非公企业" and not u.parent_code for u in units)
    assert [u.status for u in units].count("待审核") == 1
    assert all(not u.parent_code or u.parent_code in codes for u in units)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_units_file_has_the_chinese_headers_and_round_trips(tmp_path: Path, suffix: str) -> None:
    units = sample_units()
    path = write_units_file(tmp_path / f"units{suffix}", units)
    if suffix == ".csv":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    else:
        sheet = load_workbook(path).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [h for _, h in UNIT_HEADERS]
    assert rows[1:] == [[getattr(u, f) for f, _ in UNIT_HEADERS] for u in units]


# --- roster ----------------------------------------------------------------------------------

def test_the_workbook_roster_has_one_row_per_applicant_with_real_date_cells(default_batch: SampleBatch) -> None:
    sheet = load_workbook(default_batch.path / "roster.xlsx").worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [h for h in rows[0] if h != "序号"]
    assert header == HEADERS
    assert len(rows) - 1 == len(default_batch.applicants) == 12
    col = {h: i for i, h in enumerate(rows[0])}
    serials = 0
    for row, a in zip(rows[1:], default_batch.applicants):
        assert row[col["身份证号"]] == a.id_number and isinstance(row[col["身份证号"]], str)
        assert row[col["姓名"]] == a.name and row[col["申报年度"]] == a.year
        for field, header_name in ROSTER_HEADERS:
            value = row[col[header_name]]
            expected = getattr(a, field)
            if isinstance(expected, date):
                if isinstance(value, int):  # an Excel serial number
                    serials += 1
                    value = date(1899, 12, 30).toordinal() + value
                    assert date.fromordinal(value) == expected
                else:
                    assert isinstance(value, datetime) and value.date() == expected
            elif expected == "" or expected is None:
                assert value in (None, "")
            else:
                assert value == expected
    assert 1 <= serials <= 2


def test_the_csv_roster_is_utf8_with_bom_and_mixes_the_accepted_date_forms(flaw_batch: SampleBatch) -> None:
    raw = (flaw_batch.path / "roster.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [h for h in rows[0] if h != "序号"] == HEADERS
    assert len(rows) == len(flaw_batch.applicants)
    forms = set()
    for row, a in zip(rows, flaw_batch.applicants):
        assert row["身份证号"] == a.id_number
        for field in ("graduation_date", "work_start_date", "current_title_date"):
            text = row[dict(ROSTER_HEADERS)[field]]
            assert parse_roster_date(text) == getattr(a, field)
            if text:
                forms.add("cn" if "年" in text else "-" if "-" in text else "/" if "/" in text else ".")
    assert len(forms) >= 3


def test_a_gbk_roster_decodes_as_gbk(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, applicants=3, light=True, flaws=False, roster_format="csv-gbk")
    raw = (batch.path / "roster.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("gbk"))))
    assert rows[0][1:] == HEADERS and [r[1] for r in rows[1:]] == [a.name for a in batch.applicants]


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    def run(where: str, seed: int) -> SampleBatch:
        return make_batch(tmp_path / where, applicants=4, seed=seed, light=True, roster_format="csv")

    first, again, other = run("a", 11), run("b", 11), run("c", 12)
    roster = lambda b: (b.path / "roster.csv").read_bytes()  # noqa: E731
    assert roster(first) == roster(again) != roster(other)
    folder = first.applicants[0].folder
    for name in ("学历证书.jpg", "专业技术职称评审表.pdf", "述职报告.pdf"):
        assert (first.path / folder / name).read_bytes() == (again.path / folder / name).read_bytes()
    assert first.expected == again.expected


# --- values ----------------------------------------------------------------------------------

def test_roster_values_are_realistic_and_consistent(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, applicants=40, light=True, flaws=False, roster_format="csv")
    units = {u.code: u for u in batch.units}
    levels = [a.level for a in batch.applicants]
    assert levels.count("中级") + levels.count("副高级") > 0.7 * len(levels)
    assert [a.series for a in batch.applicants].count("工程") > len(levels) / 2
    for a in batch.applicants:
        assert id_ok(a.id_number) and a.id_number.startswith("43")
        assert a.gender == ("男" if int(a.id_number[16]) % 2 else "女")
        assert re.fullmatch(r"1[3-9]\d{9}", a.phone)
        assert 2 <= len(a.name) <= 3
        age = a.year - int(a.id_number[6:10])
        assert 28 <= age <= 55
        assert units[a.unit_code].status == "已审核" and units[a.unit_code].name == a.unit_name
        assert a.title_name == TITLES[a.series][LEVELS.index(a.level)]
        if a.level == "初级":
            assert a.current_title == "" and a.current_title_date is None
        else:
            assert a.current_title == TITLES[a.series][LEVELS.index(a.level) - 1]
            assert a.current_title_date.year <= a.year - 6
            assert a.current_title_date > a.graduation_date
        assert a.degree in DEGREES[a.education]
        assert a.graduation_date <= a.work_start_date < date(a.year, 1, 1)
        assert 90 <= a.ce_hours <= 120 and a.ce_public_hours >= 30
        assert a.ce_public_hours + a.ce_professional_hours == a.ce_hours
        assert a.ce_professional_hours * 3 >= a.ce_hours * 2
        assert a.path in ("正常", "破格", "绿色通道") and a.offline_review == "通过"
    assert [a.path for a in batch.applicants].count("正常") > 0.8 * len(levels)
    assert all(v == [] for v in batch.expected.values())
    assert batch.extra_folders == [] and batch.rows_without_folder == []


# --- files -----------------------------------------------------------------------------------

def test_folder_names_hold_the_applicants_valid_id_numbers(default_batch: SampleBatch) -> None:
    invalid = [a for a in default_batch.applicants if "id_number.invalid" in a.flaws]
    assert len(invalid) == 1
    folders = [p for p in default_batch.path.iterdir() if p.is_dir()]
    ids = {a.id_number for a in default_batch.applicants}
    for folder in folders:
        found = id_in(folder.name)
        assert found is not None
        if found == invalid[0].id_number:
            assert not id_ok(found)
        else:
            assert id_ok(found)
            assert found in ids or folder.name in default_batch.extra_folders
    shapes = {("id_name" if re.match(r"\d", f.name) and "_" in f.name else "name_id" if "_" in f.name else "id")
              for f in folders}
    assert shapes == {"id_name", "name_id", "id"}


def test_certificates_are_real_images_and_required_materials_are_there(default_batch: SampleBatch) -> None:
    for a in default_batch.applicants:
        if a.folder is None:
            continue
        folder = default_batch.path / a.folder
        assert {"专业技术职称评审表.pdf", "学历证书.jpg", "继续教育学时认定单.jpg"} <= set(a.files)
        assert ("学位证书.png" in a.files) == (a.degree in ("学士", "硕士", "博士"))
        assert ("现职称证书.jpg" in a.files) == (a.level != "初级")
        for name, kind in CERTIFICATES.items():
            if name in a.files:
                with Image.open(folder / name) as img:
                    assert img.format == kind
                    img.load()
                    assert min(img.size) >= 400


def test_pdfs_carry_a_chinese_text_layer_and_clean_reports_are_long(default_batch: SampleBatch) -> None:
    clean = [a for a in default_batch.applicants if not a.flaws]
    assert clean
    for a in clean:
        folder = default_batch.path / a.folder
        form = pypdf.PdfReader(folder / "专业技术职称评审表.pdf")
        text = "".join(p.extract_text() for p in form.pages)
        assert a.id_number in text and "个人承诺" in text
        assert re.search(r"承诺人（签名）：\s*" + a.name, text)
        assert len(pypdf.PdfReader(folder / "业绩材料.pdf").pages) == 1  # light mode: one page
        assert report_chars(folder / "述职报告.pdf") >= 3000


def test_one_clean_diploma_is_a_sideways_phone_photo(default_batch: SampleBatch) -> None:
    photos = []
    for a in default_batch.applicants:
        if a.folder is None:
            continue
        with Image.open(default_batch.path / a.folder / "学历证书.jpg") as img:
            if img.getexif().get(0x0112) == 6:
                photos.append(a)
                assert img.height > img.width  # stored sideways
                upright = ImageOps.exif_transpose(img)
                assert upright.width > upright.height
    assert len(photos) == 1 and photos[0].flaws == []


# --- flaws -----------------------------------------------------------------------------------

def test_default_flaws_touch_about_a_third_and_are_listed_in_expected(default_batch: SampleBatch) -> None:
    flawed = [a for a in default_batch.applicants if a.flaws and a.folder is not None]
    assert len(flawed) == 4
    assert [a.flaws[0] for a in flawed] == list(DEFAULT_FLAWS[:4])
    assert default_batch.expected == {a.id_number: a.flaws for a in default_batch.applicants}
    assert sum(1 for v in default_batch.expected.values() if not v) == 7


def test_every_flaw_is_really_in_the_files(flaw_batch: SampleBatch) -> None:
    b = flaw_batch
    units = {u.code: u for u in b.units}
    folder = lambda flaw: b.path / by_flaw(b, flaw).folder  # noqa: E731
    assert sorted(f for v in b.expected.values() for f in v) == sorted(list(ALL_FLAWS) + ["material.missing"])

    a = by_flaw(b, "id_number.invalid")
    assert not id_ok(a.id_number) and id_in(a.folder) == a.id_number
    assert len(by_flaw(b, "phone.invalid").phone) == 10
    a = by_flaw(b, "gender.mismatch")
    assert a.gender != ("男" if int(a.id_number[16]) % 2 else "女")
    assert units[by_flaw(b, "unit.not_approved").unit_code].status == "待审核"
    a = by_flaw(b, "unit.unregistered")
    assert uscc_ok(a.unit_code) and a.unit_code not in units
    assert by_flaw(b, "offline_review.not_passed").offline_review == "未通过"
    assert by_flaw(b, "ce_hours.insufficient").ce_hours < 90
    a = by_flaw(b, "tenure.insufficient")
    assert a.level == "副高级" and a.year - a.current_title_date.year <= 3 and a.path == "正常"

    assert not (folder("material.missing") / "述职报告.pdf").exists()
    docx = folder("material.bad_type") / "业绩材料.pdf"
    assert docx.read_bytes()[:2] == b"PK"
    with zipfile.ZipFile(docx) as zf:
        assert "word/document.xml" in zf.namelist()
    assert (folder("material.bad_type") / "业绩材料-2.pdf").read_bytes().startswith(b"%PDF")
    truncated = (folder("material.unreadable") / "述职报告.pdf").read_bytes()
    assert truncated.startswith(b"%PDF") and b"%%EOF" not in truncated
    with pytest.raises(Exception):  # noqa: B017 - pypdf raises several kinds for a cut file
        pypdf.PdfReader(io.BytesIO(truncated), strict=True).pages[0].extract_text()
    with Image.open(folder("material.unknown_name") / "扫描件001.jpg") as img:
        assert img.format == "JPEG"
    dup = folder("material.duplicate")
    assert (dup / "毕业证-2.jpg").read_bytes() == (dup / "学历证书.jpg").read_bytes()
    wrong = folder("material.wrong_form")
    assert not (wrong / "业绩材料.pdf").exists()
    with Image.open(wrong / "业绩材料.jpg") as img:
        assert img.format == "JPEG"
    assert report_chars(folder("report.too_short") / "述职报告.pdf") < 3000
    for flaw in ("ocr.name_mismatch", "ocr.id_mismatch"):
        assert (folder(flaw) / "继续教育学时认定单.jpg").exists()


def test_a_row_without_folder_and_a_folder_without_row_are_recorded(flaw_batch: SampleBatch) -> None:
    b = flaw_batch
    [missing] = b.rows_without_folder
    assert b.expected[missing] == ["material.missing"] and b.applicant(missing).folder is None
    assert not any(id_in(p.name) == missing for p in b.path.iterdir())
    [extra] = b.extra_folders
    found = id_in(extra)
    assert (b.path / extra).is_dir() and id_ok(found)
    assert found not in b.expected and found not in (b.path / "roster.csv").read_text(encoding="utf-8-sig")


def test_unknown_or_too_many_flaws_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make_batch(tmp_path, applicants=3, light=True, flaws=["no.such_flaw"])
    with pytest.raises(ValueError):
        make_batch(tmp_path, applicants=2, light=True, flaws=list(ALL_FLAWS))


# --- zip and realistic mode ------------------------------------------------------------------

def test_a_zip_batch_holds_the_same_tree_with_utf8_names(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, applicants=3, light=True, flaws=False, zip=True, roster_format="csv")
    assert batch.path.suffix == ".zip" and batch.path.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [batch.path.name]
    with zipfile.ZipFile(batch.path) as zf:
        names = zf.namelist()
        assert "roster.csv" in names
        for a in batch.applicants:
            assert f"{a.folder}/述职报告.pdf" in names
        info = zf.getinfo(f"{batch.applicants[0].folder}/学历证书.jpg")
        assert info.flag_bits & 0x800
        assert zf.testzip() is None


def test_realistic_mode_makes_full_size_certificates_and_multi_page_pdfs(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, applicants=2, flaws=False)
    for a in batch.applicants:
        folder = batch.path / a.folder
        with Image.open(folder / "现职称证书.jpg" if a.level != "初级" else folder / "学位证书.png") as img:
            assert img.size == (1600, 1130)
        with Image.open(folder / "继续教育学时认定单.jpg") as img:
            assert img.size == (1130, 1600)
        assert len(pypdf.PdfReader(folder / "业绩材料.pdf").pages) >= 3
        assert len(pypdf.PdfReader(folder / "述职报告.pdf").pages) >= 2
        assert report_chars(folder / "述职报告.pdf") >= 3000


def test_a_zipped_workbook_batch_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    first = make_batch(tmp_path / "a", applicants=2, light=True, flaws=False, zip=True)
    again = make_batch(tmp_path / "b", applicants=2, light=True, flaws=False, zip=True)
    assert first.path.read_bytes() == again.path.read_bytes()
