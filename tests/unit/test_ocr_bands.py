"""The cascade's strong engine reads only the bands of the page where the fast reading fell short
(the fields the extract stage's confirm did not get), and the whole page when that does not
confirm either (issue 14: the cost of reading every field)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from datetime import date

import pytest
from PIL import Image

from pipeline.documents.ocr import OcrResult, make_engine
from pipeline.documents.ocr.cascade import CascadeEngine, joined
from pipeline.domain.materials import MaterialKind as K
from pipeline.rules.declared import DeclaredFacts
from pipeline.rules.fields_confirm import FieldsConfirm, result_fields
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


# Tesseract's readings (text, line confidence, line box) of three sample certificates
# (bench/ocr_set.py: 015 scan300 and 038 photo 认定单, 024 scan200 职称证书), blank lines left out.
CE_015 = [
    ("湖南 省 专业 技术 人 员 继 续 教 育 学 时 认定 单", 0.92, (0.121, 0.055, 0.883, 0.102)),
    ("姓名", 0.97, (0.087, 0.15, 0.144, 0.17)), ("欧阳 芳", 0.69, (0.277, 0.148, 0.367, 0.181)),
    ("性 别", 0.93, (0.517, 0.148, 0.576, 0.182)), ("女", 0.93, (0.706, 0.152, 0.732, 0.172)),
    ("身份 证 号", 0.97, (0.088, 0.199, 0.209, 0.232)),
    ("430304199106125884", 0.9, (0.275, 0.205, 0.569, 0.223)),
    ("工作 单位", 0.96, (0.087, 0.255, 0.205, 0.276)),
    ("长 沙市 雨 花 区 第 二 人 民 医 院", 0.86, (0.277, 0.252, 0.635, 0.284)),
    ("认定 年 度", 0.92, (0.087, 0.308, 0.205, 0.328)), ("2025 年 度", 0.92, (0.275, 0.308, 0.4, 0.329)),
    ("AGE", 0.06, (0.087, 0.361, 0.139, 0.371)), ("公 而", 0.84, (0.091, 0.368, 0.142, 0.38)),
    ("科", 0.93, (0.147, 0.361, 0.175, 0.38)), ("31 学 时", 0.91, (0.275, 0.361, 0.364, 0.381)),
    ("专业 科", 0.92, (0.522, 0.359, 0.608, 0.391)), ("63 学 时", 0.92, (0.705, 0.362, 0.796, 0.382)),
    ("合计", 0.97, (0.087, 0.412, 0.144, 0.433)), ("94 学 时", 0.93, (0.275, 0.413, 0.366, 0.434)),
    ("学 时 明细", 0.96, (0.072, 0.48, 0.19, 0.514)), ("序号", 0.96, (0.082, 0.528, 0.133, 0.545)),
    ("课程 名 称", 0.92, (0.163, 0.525, 0.269, 0.555)), ("类 别", 0.82, (0.649, 0.526, 0.702, 0.556)),
    ("学 时", 0.97, (0.79, 0.526, 0.845, 0.556)), ("1", 0.92, (0.083, 0.569, 0.092, 0.583)),
    ("习近平 新 时 代 中 国 特色 社会 主义 思想 专题", 0.9, (0.164, 0.563, 0.625, 0.592)),
    ("公 需 科目", 0.34, (0.649, 0.568, 0.749, 0.586)), ("16", 0.72, (0.791, 0.57, 0.815, 0.584)),
    ("新 质 生产 力 与 高 质量 发 展", 0.88, (0.162, 0.602, 0.451, 0.633)),
    ("公 需 科目", 0.52, (0.649, 0.606, 0.749, 0.624)), ("了 巧", 0.12, (0.791, 0.605, 0.819, 0.631)),
    ("常见 慢性 病 规范 化 诊疗 进展", 0.93, (0.162, 0.644, 0.478, 0.662)),
    ("专业 科目", 0.96, (0.649, 0.645, 0.749, 0.663)), ("2", 0.4, (0.79, 0.648, 0.814, 0.662)),
    ("医疗 质量 与 患者 安全 管理", 0.93, (0.165, 0.719, 0.451, 0.749)),
    ("专业 科目", 0.96, (0.648, 0.723, 0.749, 0.741)), ("旭", 0.0, (0.79, 0.725, 0.814, 0.739)),
    ("经 审核 ， 该 同志 2025 年 度 继续 教育 学 时 真实 有 效 ， 予 以 认定 。", 0.76, (0.131, 0.787, 0.933, 0.821)),
    ("湖南 省 专业 技术 人 员 继 续", 0.9, (0.373, 0.885, 0.681, 0.918)),
    ("2026 年 1 月 28 日", 0.89, (0.716, 0.918, 0.905, 0.948)),
]
CE_038 = [
    ("湖南 省 专业 技术 人 员 继续 教育 学 时 认定 音", 0.37, (0.227, 0.119, 0.85, 0.17)),
    ("姓名", 0.96, (0.192, 0.197, 0.241, 0.215)), ("文明", 0.95, (0.349, 0.203, 0.397, 0.22)),
    ("性别", 0.37, (0.545, 0.209, 0.594, 0.228)), ("男", 0.92, (0.7, 0.215, 0.72, 0.232)),
    ("身份 1", 0.28, (0.189, 0.226, 0.582, 0.27)),
    ("工作 单位 湖南 智 诚 数字 科技 有 限 公司", 0.0, (0.184, 0.28, 0.633, 0.319)),
    ("认定 年 度 。 | 2025 年 度", 0.35, (0.181, 0.314, 0.44, 0.359)),
    ("公 需 科目 。 | 32 学 时", 0.39, (0.177, 0.358, 0.408, 0.402)),
    ("合计", 0.97, (0.173, 0.413, 0.221, 0.431)), ("104 学 时", 0.92, (0.328, 0.42, 0.416, 0.437)),
    ("学 时 明细", 0.96, (0.155, 0.468, 0.254, 0.498)),
    ("[ 序 | 课程 名 和", 0.0, (0.15, 0.496, 0.313, 0.528)),
    ("| 类 别 ] 学 时 ]", 0.4, (0.611, 0.511, 0.853, 0.546)),
    ("| 公 需 科目 |", 0.32, (0.608, 0.543, 0.756, 0.574)),
    ("| 公 入 科目 16", 0.0, (0.605, 0.574, 0.752, 0.605)),
    ("| 二 业 和 目 124", 0.0, (0.602, 0.603, 0.754, 0.639)),
    ("| 专业 和 日 |24", 0.1, (0.599, 0.635, 0.752, 0.671)),
    ("| 才 业 科目 |24", 0.0, (0.596, 0.666, 0.748, 0.702)),
    ("经 审核 该 同志 2025 年 度 继续 教育 学 时 真实 有 予以 认定 。", 0.79, (0.181, 0.723, 0.828, 0.762)),
    ("请 14 日", 0.69, (0.732, 0.836, 0.8, 0.858)),
]
TITLE_024 = [
    ("专业 技术 资格 证 书", 0.86, (0.247, 0.103, 0.756, 0.21)),
    ("姓 “名 : 夏 舌", 0.44, (0.326, 0.262, 0.5, 0.316)), ("性", 0.81, (0.325, 0.329, 0.349, 0.362)),
    ("别", 0.93, (0.4, 0.33, 0.422, 0.364)), ("男", 0.93, (0.451, 0.331, 0.472, 0.364)),
    ("身份 证 号", 0.97, (0.326, 0.386, 0.425, 0.439)),
    ("43070219760425585X", 0.91, (0.45, 0.395, 0.701, 0.425)),
    ("资格 名 称", 0.93, (0.326, 0.447, 0.426, 0.503)), ("高 级 经 济 师", 0.93, (0.451, 0.454, 0.573, 0.488)),
    ("评审 机 构", 0.93, (0.325, 0.571, 0.426, 0.626)),
    ("湖南 省 经 济 系列 副 高 级 职称 评审 委员 会", 0.93, (0.45, 0.573, 0.872, 0.63)),
    ("批准 时 间", 0.93, (0.324, 0.634, 0.425, 0.689)), ("2019 年 12 月 1 日", 0.24, (0.45, 0.635, 0.61, 0.686)),
    ("证 书 编号", 0.93, (0.324, 0.702, 0.422, 0.735)), ("43201915807993", 0.92, (0.449, 0.705, 0.637, 0.734)),
    ("二 O 一 九 年 十 六 月 二 十 一 是", 0.23, (0.562, 0.847, 0.798, 0.893)),
]


def _reading(lines: list[tuple[str, float, tuple[float, float, float, float]]]) -> OcrResult:
    return OcrResult("\n".join(t for t, _, _ in lines), 0.8, "fast", line_scores=tuple(s for _, s, _ in lines),
                     line_boxes=tuple(b for _, _, b in lines))


def _covered(bands: list[tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    return any(a <= (box[1] + box[3]) / 2 <= z for a, z in bands)


def test_the_hours_are_read_again_in_the_summary_not_in_the_course_list() -> None:
    # the course list repeats 公需科目 / 专业科目 / 学时 on every row: with its rows the bands
    # covered more than half the page, and RapidOCR read the whole page (2-4.5 s on a 认定单)
    declared = DeclaredFacts(name="欧阳芳", id_number="430304199106125884", year=2026,
                             ce_public_hours=31, ce_professional_hours=63, ce_hours=94)
    bands = FieldsConfirm(K.CE_RECORD, declared).bands(_reading(CE_015))
    assert bands is not None
    boxes = {text: box for text, _, box in CE_015}
    assert _covered(bands, boxes["31 学 时"]) and _covered(bands, boxes["合计"])
    assert _covered(bands, boxes["63 学 时"])
    assert not _covered(bands, boxes["常见 慢性 病 规范 化 诊疗 进展"])   # the list
    assert not _covered(bands, boxes["湖南 省 专业 技术 人 员 继 续 教 育 学 时 认定 单"])   # the title
    assert sum(z - a for a, z in bands) < 0.25


def test_an_id_number_lost_beside_its_label_is_read_again_on_the_labels_line() -> None:
    declared = DeclaredFacts(name="文明", id_number="430111198502089078", year=2026,
                             ce_public_hours=32, ce_professional_hours=72, ce_hours=104)
    bands = FieldsConfirm(K.CE_RECORD, declared).bands(_reading(CE_038))
    assert bands is not None  # was None: no line held 身份证 or digits, so the whole page was read
    boxes = {text: box for text, _, box in CE_038}
    assert _covered(bands, boxes["身份 1"]) and _covered(bands, boxes["104 学 时"])
    assert not _covered(bands, boxes["| 专业 和 日 |24"])


def test_a_name_beside_a_label_read_with_stray_marks_is_read_again_there() -> None:
    declared = DeclaredFacts(name="夏磊", id_number="43070219760425585X", current_title_date=date(2019, 12, 1))
    bands = FieldsConfirm(K.TITLE_CERT, declared).bands(_reading(TITLE_024))
    assert bands is not None  # 姓 “名 : was no name's label: the whole page was read
    assert _covered(bands, TITLE_024[1][2])
    assert not _covered(bands, TITLE_024[7][2])  # 资格名称: confirmed, not read again


def test_a_name_read_apart_from_its_misread_label_is_read_again_on_its_line() -> None:
    # tesseract on sample 012 (scan300 职称证书): the label 姓名 read as 闪 。、 大, the name on a
    # line of its own, so no name was found beside a label
    lines = [("专业 技术 资格 证 书", 0.9, (0.25, 0.11, 0.75, 0.18)), ("闪 。、 大", 0.2, (0.33, 0.26, 0.42, 0.32)),
             ("陈 阳", 0.9, (0.45, 0.26, 0.5, 0.32)), ("性", 0.9, (0.33, 0.33, 0.35, 0.36)),
             ("身份 证 号", 0.9, (0.33, 0.39, 0.42, 0.44)), ("433101197702269853", 0.9, (0.45, 0.39, 0.69, 0.42)),
             ("批准 时 间", 0.9, (0.33, 0.64, 0.42, 0.69)), ("2017 年 12 月 28 日", 0.9, (0.45, 0.63, 0.63, 0.68)),
             ("证 书 编号", 0.9, (0.33, 0.7, 0.42, 0.75)), ("43201726984800", 0.9, (0.45, 0.7, 0.64, 0.73))]
    declared = DeclaredFacts(name="陈阳", id_number="433101197702269853", current_title_date=date(2017, 12, 28))
    reading = _reading(lines)
    assert result_fields(K.TITLE_CERT, reading).name is None
    bands = FieldsConfirm(K.TITLE_CERT, declared).bands(reading)
    assert bands is not None and _covered(bands, lines[2][2])
    assert not _covered(bands, lines[7][2])


# RapidOCR's band of sample 001 (scan): the date read to the day, its 十 at 0.51: unsure
DATE_BAND = "学生王媛雅，性别女，1991年1月2日生\n二〇一三年七月三十日"


def _unsure_ten(text: str) -> tuple[tuple[float, ...], ...]:
    lines = [[0.99] * len(line) for line in text.split("\n")]
    lines[-1][text.split("\n")[-1].index("十")] = 0.51
    return tuple(tuple(line) for line in lines)


@dataclass
class UnsureBandsEngine(BandsEngine):
    """A strong engine whose bands' reading has one numeral of the date unsure."""

    def read_bands(self, image: Image.Image, *, timeout: float, bands: list[tuple[float, float]]) -> OcrResult:
        self.asked.append(list(bands))
        lines = self.bands_text.split("\n")
        return OcrResult(self.bands_text, 0.99, f"{self.name}:bands", line_scores=(0.99,) * len(lines),
                         char_scores=_unsure_ten(self.bands_text), part=True)


def test_the_whole_page_is_not_read_when_it_could_change_nothing_the_reviewer_sees() -> None:
    # the bands read the date the roster declares, one numeral unsure: unsure, shown 一致 — the
    # whole page could only make it trusted, never a ✗; it is kept as read
    declared = DeclaredFacts(name="王媛雅", id_number="", graduation_date=date(2013, 7, 30))
    strong = UnsureBandsEngine(bands_text=DATE_BAND)
    confirm = FieldsConfirm(K.DIPLOMA, declared)
    result = CascadeEngine(FastEngine(), strong).read(IMAGE, timeout=5, confirm=confirm)
    assert strong.pages == 0 and result.engine == "strong:bands"
    fields = result_fields(K.DIPLOMA, result)
    assert fields.dates["graduation"] == date(2013, 7, 30) and not fields.trusted("graduation")
    assert not confirm(result) and confirm.settled(result)


@pytest.mark.parametrize("declared", [
    # the unsure date is not the declared one (三十 for 二十 is the misreading seen): the page may
    # read it surely, and a ✗ is only ever shown after the whole page was read
    DeclaredFacts(name="王媛雅", id_number="", graduation_date=date(2013, 7, 20)),
    # the name the bands read is not exactly the declared one (forgiven as one similar character)
    DeclaredFacts(name="王媛娅", id_number="", graduation_date=date(2013, 7, 30)),
])
def test_the_whole_page_is_read_when_the_bands_leave_a_field_that_does_not_agree(declared: DeclaredFacts) -> None:
    strong = UnsureBandsEngine(bands_text=DATE_BAND)
    result = CascadeEngine(FastEngine(), strong).read(IMAGE, timeout=5, confirm=FieldsConfirm(K.DIPLOMA, declared))
    assert strong.pages == 1 and result.engine == "strong"


def test_a_field_the_bands_did_not_read_is_not_settled() -> None:
    declared = DeclaredFacts(name="王媛雅", id_number="", graduation_date=date(2013, 7, 1))
    confirm = FieldsConfirm(K.DIPLOMA, declared)
    part = OcrResult("学生王媛雅，性别女，1991年1月2日生", 0.99, "strong:bands", line_scores=(0.99,),
                     char_scores=((0.99,) * 20,), part=True)
    assert not confirm.settled(replace(part, first=FAST))  # no graduation read


def test_a_name_lost_on_a_birth_dates_line_is_read_again_there_not_in_the_titles() -> None:
    # tesseract on sample 010 (scan300 学位证书): the name lost before ，1983年5月29日生
    degree = [("学 士 学 位 证 书", 0.9, (0.28, 0.11, 0.72, 0.23)), ("关乎、", 0.3, (0.37, 0.28, 0.43, 0.32)),
              ("上 ，1983 年 5 月 29 日 生 。 在 湖南 科技 大", 0.5, (0.46, 0.26, 0.89, 0.32)),
              ("学 电气 工程 及 其 自动 化 专业 完成 了 本 科学 业 ， 成 绩", 0.9, (0.32, 0.33, 0.9, 0.39)),
              ("授予 工学 学 士 学 位 。", 0.9, (0.32, 0.47, 0.54, 0.53)), ("证 书 编号 :", 0.9, (0.09, 0.74, 0.18, 0.78)),
              ("1053442006326806", 0.9, (0.1, 0.79, 0.26, 0.81)),
              ("二 OO 六 年 六 月 二 半日", 0.4, (0.48, 0.84, 0.73, 0.89))]
    bands = FieldsConfirm(K.DEGREE_CERT, DeclaredFacts(name="吴平", id_number="")).bands(_reading(degree))
    assert bands is not None and _covered(bands, degree[2][2]) and _covered(bands, degree[7][2])
    # tesseract on sample 030 (photo 研究生毕业证书): 研究生 in the title and in 研究生培养计划 is
    # no name's label; with them the bands covered more than half the page
    diploma = [("研究 生 毕 业 证 书", 0.9, (0.32, 0.17, 0.69, 0.27)),
               ("研究 生 罗芳 敏 ， 性 别 女 ，1987 年 10 月 24 日 生 ，", 0.4, (0.39, 0.3, 0.83, 0.35)),
               ("于 2009 年 9 月 至 2012 年 7 月 在 本 校 计算 机 应 用 技术", 0.5, (0.35, 0.35, 0.82, 0.41)),
               ("专业 学 习 ， 学 制 三 年 ， 修 完 硕士 研究 生 培 养 计划 规", 0.9, (0.35, 0.4, 0.82, 0.47)),
               ("105361201202662795", 0.9, (0.16, 0.74, 0.32, 0.76)),
               ("二 O 一 二 年 蕊 月 一 昌", 0.2, (0.53, 0.76, 0.72, 0.81))]
    declared = DeclaredFacts(name="罗芳敏", id_number="", graduation_date=date(2012, 7, 1))
    bands = FieldsConfirm(K.DIPLOMA, declared).bands(_reading(diploma))
    assert bands is not None and _covered(bands, diploma[1][2]) and _covered(bands, diploma[5][2])
    assert not _covered(bands, diploma[0][2]) and sum(z - a for a, z in bands) < 0.5


def test_a_name_found_nowhere_is_read_again_above_the_id_numbers_label() -> None:
    # tesseract on sample 046 (EXIF-rotated photo of a 认定单): 姓名 read as 到, the name as 疡湖强
    lines = [("湖南 省 专业 技术 人 员 继续 教育 学 时 认定 单", 0.9, (0.14, 0.14, 0.82, 0.19)),
             ("到", 0.1, (0.11, 0.22, 0.18, 0.27)), ("| 疡 湖 强", 0.2, (0.27, 0.22, 0.37, 0.26)),
             ("| 全 别", 0.3, (0.49, 0.21, 0.55, 0.26)), ("|", 0.3, (0.65, 0.21, 0.69, 0.25)),
             ("| 身份 证 号 | 4ao6sn9s7olo26498", 0.2, (0.12, 0.27, 0.55, 0.31)),
             ("| 工作 单位 | 滑 南 省 交通 规划 革 察 设计 院 有 限 公司", 0.3, (0.12, 0.31, 0.72, 0.36)),
             ("| 认定 年度 | 2025 年 度", 0.9, (0.12, 0.35, 0.42, 0.4)),
             ("| 专业 科目 | ss 时", 0.3, (0.5, 0.39, 0.76, 0.43)), ("| 人 科目 | 32 学 时", 0.4, (0.13, 0.4, 0.39, 0.45)),
             ("合计", 0.9, (0.15, 0.46, 0.2, 0.48)), ("116 学 时", 0.9, (0.31, 0.45, 0.4, 0.47)),
             ("学 时 明细", 0.9, (0.14, 0.52, 0.25, 0.54)), ("| 专业 科目 |28", 0.3, (0.64, 0.62, 0.8, 0.66))]
    declared = DeclaredFacts(name="杨涛强", id_number="430681198701026498", year=2026,
                             ce_public_hours=32, ce_professional_hours=84, ce_hours=116)
    reading = _reading(lines)
    assert result_fields(K.CE_RECORD, reading).name is None
    bands = FieldsConfirm(K.CE_RECORD, declared).bands(reading)
    assert bands is not None  # was None: no line for the name, so the whole page was read
    assert _covered(bands, lines[2][2]) and _covered(bands, lines[5][2])
    assert not _covered(bands, lines[13][2]) and sum(z - a for a, z in bands) < 0.4


def test_tesseract_reads_a_chinese_numeral_date_line_again_and_alone_is_never_trusted() -> None:
    if shutil.which("tesseract") is None:
        unavailable("tesseract", "the tesseract binary is not installed")
    from tests.unit.test_ocr_demo_regressions import declared, demo_person, render

    engine = make_engine("tesseract")
    read: dict[int, date] = {}
    for i in (1, 5):  # the demo's diplomas, 二〇〇五年六月三十日 beside the seal
        image = render(K.DIPLOMA, demo_person(i))
        first = engine.read(image, timeout=120)
        assert first.line_boxes
        boxes = FieldsConfirm(K.DIPLOMA, declared(demo_person(i))).lines(OcrResult("", None, "b", first=first, part=True))
        assert 1 <= len(boxes) <= 3
        again = engine.read_lines(image, timeout=120, boxes=boxes)
        assert len(again.text.split("\n")) == len(boxes) and again.line_boxes == tuple(boxes)
        joined_fields = result_fields(K.DIPLOMA, joined(first, again))
        read[i] = joined_fields.dates["graduation"]
        assert not joined_fields.trusted("graduation")  # one engine's Chinese numerals
    # read to the day, once right and once with 三十 read as 二十: why it is never trusted alone
    assert read == {1: date(2005, 6, 30), 5: date(2005, 6, 20)}


@dataclass
class LinesEngine(FastEngine):
    """The fast engine, reading its lines again as a fixed text."""

    lines_text: str = "二〇一三年七月三十日"
    asked: list[list[tuple[float, float, float, float]]] = field(default_factory=list)

    def read_lines(self, image: Image.Image, *, timeout: float,
                   boxes: list[tuple[float, float, float, float]]) -> OcrResult:
        self.asked.append(list(boxes))
        return OcrResult(self.lines_text, None, "fast:lines", line_scores=(0.9,), line_boxes=tuple(boxes[:1]))


def test_tesseract_reading_the_date_line_again_alike_makes_the_bands_reading_trusted() -> None:
    # RapidOCR's bands read the date with its 十 at 0.51 (unsure); tesseract's page had it in
    # fragments (二 @ 〇 一 三 生), its line read again gives the same date: two engines agree
    declared = DeclaredFacts(name="王媛雅", id_number="", graduation_date=date(2013, 7, 30))
    strong, fast = UnsureBandsEngine(bands_text=DATE_BAND), LinesEngine()
    result = CascadeEngine(fast, strong).read(IMAGE, timeout=5, confirm=FieldsConfirm(K.DIPLOMA, declared))
    assert strong.pages == 0 and result.engine == "strong:bands"
    assert fast.asked == [[FAST.line_boxes[3]]]  # the line of Chinese numerals, not the others
    fields = result_fields(K.DIPLOMA, result)
    assert fields.dates["graduation"] == date(2013, 7, 30) and fields.trusted("graduation")


def test_tesseract_reading_the_date_line_otherwise_leaves_it_unsure() -> None:
    # tesseract reads 二十 where RapidOCR read 三十 in doubt: never trusted; the roster declares
    # 三十, so the cover shows 一致 either way and the page is not read
    declared = DeclaredFacts(name="王媛雅", id_number="", graduation_date=date(2013, 7, 30))
    strong, fast = UnsureBandsEngine(bands_text=DATE_BAND), LinesEngine(lines_text="二〇一三年七月二十日")
    result = CascadeEngine(fast, strong).read(IMAGE, timeout=5, confirm=FieldsConfirm(K.DIPLOMA, declared))
    fields = result_fields(K.DIPLOMA, result)
    assert not fields.trusted("graduation") and strong.pages == 0
    # the roster declares 二十: both readings stay unsure, and the page is read before any ✗
    declared = DeclaredFacts(name="王媛雅", id_number="", graduation_date=date(2013, 7, 20))
    strong = UnsureBandsEngine(bands_text=DATE_BAND, page_text=DATE_BAND)
    result = CascadeEngine(LinesEngine(lines_text="二〇一三年七月二十日"), strong).read(
        IMAGE, timeout=5, confirm=FieldsConfirm(K.DIPLOMA, declared))
    assert strong.pages == 1


def test_no_line_is_read_again_when_every_date_is_trusted() -> None:
    strong, fast = BandsEngine(bands_text="学生王媛牙，性别女，1991年1月2日生\n二〇一三年七月一日"), LinesEngine()
    CascadeEngine(fast, strong).read(IMAGE, timeout=5, confirm=FieldsConfirm(K.DIPLOMA, DECLARED))
    assert fast.asked == [] and strong.pages == 1  # the name differs: the page, not the lines


# Tesseract on the independent set's 039 (scan of a 认定单, layout A): every field read, the
# name exactly, but its line at 0.53.
CE_039 = [("专业 技术 人 员 继续 教育 学 时 认定 单", 0.53, (0.112, 0.088, 0.868, 0.144)),
          ("姓名 : 燕 丹 浩", 0.53, (0.13, 0.224, 0.362, 0.267)),
          ("身份 证 号 : 430103199505161412", 0.92, (0.134, 0.285, 0.659, 0.329)),
          ("认定 年 度 : 2025", 0.91, (0.134, 0.352, 0.407, 0.396)),
          ("公 需 科目 学 时 : 31", 0.67, (0.14, 0.43, 0.445, 0.47)),
          ("专业 科目 学 时 : 58", 0.82, (0.138, 0.502, 0.446, 0.53)),
          ("合计 学 时 : 89", 0.91, (0.141, 0.571, 0.37, 0.599)),
          ("编号 : XJ2025-08147", 0.9, (0.142, 0.628, 0.477, 0.67))]


def test_a_name_read_exactly_but_unsurely_is_read_again_by_the_strong_engine() -> None:
    declared = DeclaredFacts(name="燕丹浩", id_number="430103199505161412", year=2026,
                             ce_public_hours=31, ce_professional_hours=58, ce_hours=89)
    reading = _reading(CE_039)
    fields = result_fields(K.CE_RECORD, reading)
    assert fields.name == "燕丹浩" and fields.doubts.get("name") == "low-confidence"
    confirm = FieldsConfirm(K.CE_RECORD, declared)
    assert not confirm(reading)  # kept on tesseract alone before, the name shown unsure
    bands = confirm.bands(reading)
    assert bands is not None and _covered(bands, CE_039[1][2]) and not _covered(bands, CE_039[5][2])

    @dataclass
    class Fixed:
        name: str = "fast"

        def load(self) -> None:
            """Nothing to load."""

        def read(self, image: Image.Image, *, timeout: float, confirm: object = None) -> OcrResult:
            return reading

    strong = BandsEngine(bands_text="姓名：燕丹浩")
    result = CascadeEngine(Fixed(), strong).read(IMAGE, timeout=5, confirm=confirm)
    assert strong.pages == 0 and result_fields(K.CE_RECORD, result).trusted("name")  # two engines agree
    # the strong engine's band shows another name: never kept on the band, the page is read
    other = BandsEngine(bands_text="姓名：王丹丹", page_text="姓名：王丹丹")
    result = CascadeEngine(Fixed(), other).read(IMAGE, timeout=5, confirm=confirm)
    assert other.pages == 1


# Tesseract on the independent set's 012 (学位证书 layout A, clean): the seal's 专用章 lies over
# the award date's year.
DEGREE_012 = [("学 士 学 位 证 书", 0.9, (0.32, 0.11, 0.62, 0.19)), ("仲 子 轩 ， 女 ，", 0.9, (0.14, 0.28, 0.29, 0.34)),
              ("九 九 二 年 八 月 二 日 生 。 在 长 沙 理工 大 学 交", 0.8, (0.34, 0.28, 0.83, 0.34)),
              ("通 运输 专业 完成 了 学 业 ，", 0.9, (0.14, 0.35, 0.43, 0.41)),
              ("例 》 的 规定 ， 授 予 学 士 学 位 。", 0.9, (0.24, 0.42, 0.59, 0.48)),
              ("证 书 编号 : 1406942013412087", 0.9, (0.14, 0.75, 0.38, 0.8)),
              ("二 〇 -~ 三 年 六 月 三 十 日", 0.3, (0.6, 0.8, 0.86, 0.86))]


@pytest.mark.parametrize(("bands_text", "pages"), [
    # RapidOCR's bands of 012 and of 015: the seal's characters inside the year
    ("仲子轩，女，一九九二年八月二日生。在长沙理工大学交\nO二 -专用年六月三十日", 0),
    ("仲子轩，女，一九九二年八月二日生。在长沙理工大学交\n一九为专年六月二十日", 0),
    # 017's: the year misread without a trace of the seal — the page may read it
    ("仲子轩，女，一九九二年八月二日生。在长沙理工大学交\n二〇6年六月二十八日", 1),
    # the seal over the birth date's year says nothing of the award's
    ("仲子轩，女，一九专年八月二日生。在长沙理工大学交\n二〇6年六月二十八日", 1),
])
def test_a_date_under_the_seal_is_left_unsure_without_reading_the_whole_page(bands_text: str, pages: int) -> None:
    @dataclass
    class Fixed:
        name: str = "fast"

        def load(self) -> None:
            """Nothing to load."""

        def read(self, image: Image.Image, *, timeout: float, confirm: object = None) -> OcrResult:
            return _reading(DEGREE_012)

    strong = BandsEngine(bands_text=bands_text, page_text=bands_text)
    confirm = FieldsConfirm(K.DEGREE_CERT, DeclaredFacts(name="仲子轩", id_number="430103199208024569"))
    result = CascadeEngine(Fixed(), strong).read(IMAGE, timeout=5, confirm=confirm)
    assert strong.pages == pages
    fields = result_fields(K.DEGREE_CERT, result)
    assert not fields.trusted("degree_award") and fields.trusted("name")


def test_an_approval_read_beside_its_label_is_read_again_on_its_row_alone() -> None:
    # 024: 批准时间 and 2019年12月1日 are lines of their own on one row, the value at 0.24; the
    # issue date's line (二 O 一 九 年 十 六 月 …) was a third band, as costly as the page
    declared = DeclaredFacts(name="夏磊", id_number="43070219760425585X", current_title_date=date(2019, 12, 1))
    bands = FieldsConfirm(K.TITLE_CERT, declared).bands(_reading(TITLE_024))
    boxes = {text: box for text, _, box in TITLE_024}
    assert bands is not None and _covered(bands, boxes["2019 年 12 月 1 日"])
    assert not _covered(bands, boxes["二 O 一 九 年 十 六 月 二 十 一 是"])
    # without its label on the row, every line that may hold a date is read again
    unlabelled = [line for line in TITLE_024 if line[0] != "批准 时 间"]
    bands = FieldsConfirm(K.TITLE_CERT, declared).bands(_reading(unlabelled))
    assert bands is not None and _covered(bands, boxes["二 O 一 九 年 十 六 月 二 十 一 是"])


def test_a_chinese_numeral_date_is_read_again_on_its_line_not_on_the_numbers_or_the_birth_dates() -> None:
    # tesseract on sample 001 (clean 学历证书; lines as read, boxes where they stand): the name,
    # the birth date and the course read surely in digits; the graduation in Chinese numerals, cut
    lines = [("学 生 刘海 涛 ， 性 别 男 ，1982 年 5 月 18 日 生 ， 于", 0.9, (0.15, 0.27, 0.85, 0.32)),
             ("2000 年 9 月 至 2005 年 6 月 在 本 校 临床 医学 专业 五 年", 0.9, (0.15, 0.34, 0.85, 0.39)),
             ("105331200505311813", 0.9, (0.1, 0.79, 0.28, 0.82)),
             ("二 〇 GO 五 年 六 月 三 十", 0.3, (0.54, 0.84, 0.8, 0.89))]
    declared = DeclaredFacts(name="刘海涛", id_number="", graduation_date=date(2005, 6, 30))
    bands = FieldsConfirm(K.DIPLOMA, declared).bands(_reading(lines))
    assert bands is not None and _covered(bands, lines[3][2])
    # the number's zeros are no 〇, the birth date and the course are read in digits
    assert not _covered(bands, lines[0][2]) and not _covered(bands, lines[1][2])
    assert len(bands) == 1 and sum(z - a for a, z in bands) < 0.2  # the date line and its margins
