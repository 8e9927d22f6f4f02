"""The cascade's strong engine reads only the bands of the page where the fast reading fell short
(the fields the extract stage's confirm did not get), and the whole page when that does not
confirm either (issue 14: the cost of reading every field)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date

import pytest
from PIL import Image

from pipeline.documents.ocr import OcrResult, make_engine
from pipeline.documents.ocr.cascade import CascadeEngine
from pipeline.domain.materials import MaterialKind as K
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.readings import FieldsConfirm, result_fields
from tests.conftest import unavailable

IMAGE = Image.new("L", (20, 20), 255)
DECLARED = DeclaredFacts(name="王媛雅", id_number="", graduation_date=date(2013, 7, 1))

# tesseract's reading of a diploma: the name misread, the Chinese-numeral date not read
FAST_LINES = ("学生王媛牙，性别女，1991年1月2日生", "2009年9月至2013年7月在本校学习",
              "证书编号：105331201305519769", "二 @ 〇 一 三 生")
FAST = OcrResult("\n".join(FAST_LINES), 0.8, "fast", line_scores=(0.68, 0.89, 0.92, 0.11),
                 line_boxes=((0.3, 0.27, 0.8, 0.33), (0.3, 0.34, 0.8, 0.39), (0.1, 0.74, 0.3, 0.78),
                             (0.5, 0.84, 0.7, 0.89)))
BANDS_TEXT = "学生王媛雅，性别女，1991年1月2日生\n二〇一三年七月一日"


@dataclass
class BandsEngine:
    """A strong engine that reads bands: a fixed text for the bands, another for the page."""

    name: str = "strong"
    bands_text: str = BANDS_TEXT
    page_text: str = BANDS_TEXT
    asked: list[list[tuple[float, float]]] = field(default_factory=list)
    pages: int = 0

    def load(self) -> None:
        """Nothing to load."""

    def read(self, image: Image.Image, *, timeout: float, confirm: object = None) -> OcrResult:
        self.pages += 1
        return OcrResult(self.page_text, 0.99, self.name, line_scores=(0.99,) * len(self.page_text.split("\n")),
                         char_scores=tuple((0.99,) * len(line) for line in self.page_text.split("\n")))

    def read_bands(self, image: Image.Image, *, timeout: float, bands: list[tuple[float, float]]) -> OcrResult:
        self.asked.append(list(bands))
        lines = self.bands_text.split("\n")
        return OcrResult(self.bands_text, 0.99, f"{self.name}:bands", line_scores=(0.99,) * len(lines),
                         char_scores=tuple((0.99,) * len(line) for line in lines), part=True)


@dataclass
class FastEngine:
    name: str = "fast"

    def load(self) -> None:
        """Nothing to load."""

    def read(self, image: Image.Image, *, timeout: float, confirm: object = None) -> OcrResult:
        return FAST


def test_the_bands_are_the_lines_of_the_fields_not_confirmed() -> None:
    confirm = FieldsConfirm(K.DIPLOMA, DECLARED)
    bands = confirm.bands(FAST)
    assert bands is not None
    # the name's line (misread), and every line that may hold the graduation date (the date's
    # numerals; the course's end, taken for it) — not the number's line, which is confirmed
    covered = [any(a <= (b[1] + b[3]) / 2 <= z for a, z in bands) for b in FAST.line_boxes if b]
    assert covered == [True, True, False, True]
    assert sum(z - a for a, z in bands) < 0.5


def test_a_field_with_no_line_to_look_at_asks_for_the_whole_page() -> None:
    declared = DeclaredFacts(name="王媛雅", id_number="430302199312047431", current_title_date=date(2018, 11, 28))
    reading = OcrResult("姓名：王媛雅\n批准时间：2018年11月28日\n证书编号：湘职改办字〔2018〕456号", 0.9, "fast",
                        line_scores=(0.9, 0.9, 0.9),
                        line_boxes=((0.1, 0.2, 0.5, 0.25), (0.1, 0.5, 0.5, 0.55), (0.1, 0.6, 0.5, 0.65)))
    confirm = FieldsConfirm(K.TITLE_CERT, declared)
    assert confirm.bands(reading) is None  # the ID number is nowhere: no band can be chosen
    with_id = OcrResult(reading.text + "\n身份证号 43O30219981 2O47431", 0.9, "fast", line_scores=(0.9, 0.9, 0.9, 0.3),
                        line_boxes=(*reading.line_boxes, (0.1, 0.3, 0.5, 0.35)))
    bands = confirm.bands(with_id)  # a line that may hold it: read there
    assert bands is not None and any(a <= 0.325 <= z for a, z in bands)
    assert confirm.bands(OcrResult(FAST.text, 0.8, "fast")) is None  # no lines' boxes


def test_the_cascade_keeps_the_bands_reading_that_confirms() -> None:
    strong = BandsEngine()
    confirm = FieldsConfirm(K.DIPLOMA, DECLARED)
    result = CascadeEngine(FastEngine(), strong).read(IMAGE, timeout=5, confirm=confirm)
    assert result.engine == "strong:bands" and result.first is FAST
    assert strong.pages == 0 and len(strong.asked) == 1
    fields = result_fields(K.DIPLOMA, result)
    assert fields.name == "王媛雅" and fields.trusted("name")
    assert fields.dates["graduation"] == date(2013, 7, 1) and fields.trusted("graduation")
    # the page as read (stored, and searched by the name check) is the fast reading and the bands
    assert result.page_text == f"{FAST.text}\n{BANDS_TEXT}"
    whole = CascadeEngine(FastEngine(), BandsEngine()).read(IMAGE, timeout=5, confirm=lambda r: False)
    assert whole.page_text == whole.text == BANDS_TEXT  # a reading of the whole page is its own


def test_the_cascade_reads_the_whole_page_when_the_bands_do_not_confirm() -> None:
    # the bands hold another date than the roster's: never kept on the bands alone
    strong = BandsEngine(bands_text="学生王媛雅，性别女，1991年1月2日生\n二〇一三年七月二日")
    confirm = FieldsConfirm(K.DIPLOMA, DECLARED)
    result = CascadeEngine(FastEngine(), strong).read(IMAGE, timeout=5, confirm=confirm)
    assert result.engine == "strong" and strong.pages == 1
    assert result.first is FAST


def test_a_confirm_without_bands_sends_the_whole_page() -> None:
    strong = BandsEngine()
    result = CascadeEngine(FastEngine(), strong).read(IMAGE, timeout=5, confirm=lambda r: False)
    assert strong.asked == [] and strong.pages == 1 and result.engine == "strong"


def _title_certificate() -> tuple[Image.Image, str]:
    from tests.unit.test_ocr_engines import _person, title_certificate

    return title_certificate(), _person().applicant.name


def test_tesseract_gives_each_lines_box_on_the_page() -> None:
    if shutil.which("tesseract") is None:
        unavailable("tesseract", "the tesseract binary is not installed")
    image, _ = _title_certificate()
    result = make_engine("tesseract").read(image, timeout=120)
    lines = result.text.split("\n")
    assert len(result.line_boxes) == len(lines)
    for line, box in zip(lines, result.line_boxes):
        assert (box is None) == (line == "")
        if box is not None:
            assert 0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1


def test_rapidocr_reads_a_band_of_the_page() -> None:
    from pipeline.documents.ocr.rapid import PACKAGE, available

    if not available():
        unavailable("RapidOCR", f"the package {PACKAGE} is not installed")
    if shutil.which("tesseract") is None:
        unavailable("tesseract", "the tesseract binary is not installed")
    image, name = _title_certificate()
    first = make_engine("tesseract").read(image, timeout=120)
    # the band of the line tesseract read the ID number on
    i = next(i for i, line in enumerate(first.text.split("\n")) if "".join(line.split()).isdigit()
             and len("".join(line.split())) == 18)
    box = first.line_boxes[i]
    assert box is not None
    band = make_engine("rapidocr").read_bands(image, timeout=120, bands=[(box[1] - 0.02, box[3] + 0.02)])
    assert "".join(first.text.split("\n")[i].split()) in "".join(band.text.split())
    assert name not in band.text  # the rest of the page is not read
    assert band.engine.endswith(":bands")
    assert len(band.char_scores) == len(band.text.split("\n"))


@pytest.mark.parametrize("share", [0.6, 0.9])
def test_bands_over_half_the_page_are_not_worth_it(share: float) -> None:
    lines = "\n".join(["学生王媛牙，性别女"] + ["二 @ 〇 一 三"] * 3)
    reading = OcrResult(lines, 0.5, "fast", line_scores=(0.5,) * 4,
                        line_boxes=tuple((0.1, y, 0.9, y + share / 6) for y in (0.05, 0.3, 0.55, 0.8)))
    confirm = FieldsConfirm(K.DIPLOMA, DECLARED)
    assert confirm.bands(reading) is None
