"""The OCR engines read real certificates, fail in the documented ways, and the cascade asks the
strong engine only when the fast reading does not confirm."""

from __future__ import annotations

import io
import random
import shutil
from dataclasses import dataclass, field
from functools import lru_cache

import pytest
from PIL import Image

from pipeline.documents.ocr import (
    Confirm,
    EngineUnavailable,
    OcrEngine,
    OcrError,
    OcrResult,
    OcrTimeout,
    Preprocessing,
    make_engine,
)
from pipeline.documents.ocr import preprocess as pp
from pipeline.documents.ocr.cascade import CascadeEngine
from pipeline.documents.ocr.null import NullEngine
from tests.conftest import unavailable


@lru_cache(maxsize=1)
def _person():
    from zhicheng.sample.people import make_person
    from zhicheng.sample.units import choose_units, sample_units

    working, _ = choose_units(sample_units())
    for i in range(50):
        rng = random.Random(f"ocr-test:{i}")
        unit = working[0]
        p = make_person(rng, i, 2026, (unit.code, unit.name, unit.kind), set(), None)
        if p.applicant.current_title_date is not None:
            # a name of common characters: tesseract's chi_sim model misreads some rare name
            # characters (薇 as 微), which the cascade hands to RapidOCR; this test is about the engine
            p.applicant.name = "李建华"
            return p
    raise AssertionError("no sample person with a current title")


@lru_cache(maxsize=1)
def title_certificate() -> Image.Image:
    """A clean, full-size 现职称证书 (1600 x 1130) of one sample person."""
    from zhicheng.sample.certificates import title_certificate_image

    p = _person()
    return title_certificate_image(p, light=False, shown_id=p.applicant.id_number)


def needs_tesseract() -> None:
    if shutil.which("tesseract") is None:
        unavailable("tesseract", "the tesseract binary is not installed (apt-get install tesseract-ocr-chi-sim)")


def squeeze(text: str) -> str:
    return "".join(text.split())


# --- tesseract ------------------------------------------------------------------------------------

def test_tesseract_reads_the_holders_name_and_id_number_on_a_clean_certificate() -> None:
    """Real tesseract on a clean render finds the printed name and ID number."""
    needs_tesseract()
    a = _person().applicant
    result = make_engine("tesseract").read(title_certificate(), timeout=60)
    assert a.name in squeeze(result.text)
    assert a.id_number in squeeze(result.text)
    assert result.engine.startswith("tesseract:chi_sim:oem1:psm11:")
    assert result.confidence is not None and 0 < result.confidence <= 1


def test_tesseract_past_its_timeout_raises_ocr_timeout() -> None:
    """A call that cannot finish in time is killed and reported as OcrTimeout (an OcrError)."""
    needs_tesseract()
    with pytest.raises(OcrTimeout):
        make_engine("tesseract").read(title_certificate(), timeout=0.01)


def test_a_broken_image_is_an_ocr_error_never_a_crash() -> None:
    """A truncated JPEG, an empty image and a non-image are OcrError for every engine."""
    needs_tesseract()
    buf = io.BytesIO()
    title_certificate().save(buf, "JPEG")
    truncated = Image.open(io.BytesIO(buf.getvalue()[:2000]))
    engine = make_engine("tesseract")
    for bad in (truncated, Image.new("RGB", (0, 0)), b"not an image"):
        with pytest.raises(OcrError):
            engine.read(bad, timeout=30)
    with pytest.raises(OcrError):
        NullEngine().read(truncated, timeout=1)
    from pipeline.documents.ocr.rapid import available

    if available():
        with pytest.raises(OcrError):
            make_engine("rapidocr").read(truncated, timeout=30)


def test_tesseract_gives_its_child_one_thread() -> None:
    """The tesseract child runs with OMP_THREAD_LIMIT=1 and the LSTM engine (--oem 1); the
    language is configurable (chi_sim by default, as measured; chi_sim+eng on request)."""
    needs_tesseract()
    engine = make_engine("tesseract", lang="chi_sim+eng")
    assert engine._env["OMP_THREAD_LIMIT"] == "1"
    cmd = engine.command()
    assert cmd[cmd.index("--oem") + 1] == "1"
    assert cmd[cmd.index("-l") + 1] == "chi_sim+eng"


# --- RapidOCR -------------------------------------------------------------------------------------

def test_rapidocr_reads_the_holders_name_offline() -> None:
    """RapidOCR, with the models of its wheel, finds the name on a clean certificate."""
    from pipeline.documents.ocr.rapid import PACKAGE, available

    if not available():
        unavailable("RapidOCR", f"the package {PACKAGE} is not installed")
    a = _person().applicant
    result = make_engine("rapidocr").read(title_certificate(), timeout=120)
    assert a.name in squeeze(result.text)
    assert a.id_number in squeeze(result.text)
    assert result.engine.startswith("rapidocr")
    # each character's probability, line by line, aligned with the line's characters
    lines = result.text.split("\n")
    assert len(result.char_scores) == len(lines)
    assert all(chars is not None and len(chars) == len(line) and all(0 <= p <= 1 for p in chars)
               for line, chars in zip(lines, result.char_scores))
    name_line = next(i for i, line in enumerate(lines) if a.name in line)
    assert min(result.char_scores[name_line]) <= result.line_scores[name_line] <= 1


def test_rapidocr_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the package, making the engine says which package to install."""
    import pipeline.documents.ocr.rapid as rapid

    monkeypatch.setattr(rapid, "available", lambda: False)
    with pytest.raises(EngineUnavailable, match="rapidocr-onnxruntime"):
        rapid.RapidOcrEngine()


# --- null and make_engine -------------------------------------------------------------------------

def test_the_null_engine_reads_no_text() -> None:
    """The null engine returns empty text with no confidence, and is an OcrEngine."""
    engine = make_engine("null")
    assert isinstance(engine, OcrEngine)
    assert engine.read(Image.new("RGB", (10, 10), "white"), timeout=1) == OcrResult("", None, "null")


def test_an_unknown_engine_name_is_refused() -> None:
    with pytest.raises(ValueError, match="tesseract, rapidocr, cascade, null"):
        make_engine("abbyy")


# --- the cascade ----------------------------------------------------------------------------------

@dataclass
class ScriptedEngine:
    """A test double: returns a fixed text (or raises) and counts its calls."""

    name: str
    text: str = ""
    error: Exception | None = None
    calls: list[float] = field(default_factory=list)

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        self.calls.append(timeout)
        if self.error is not None:
            raise self.error
        return OcrResult(self.text, 0.9, self.name)


IMAGE = Image.new("L", (20, 20), 255)


def test_the_cascade_keeps_a_fast_reading_that_confirms() -> None:
    """When `confirm` accepts the fast text, the strong engine is never called."""
    fast, strong = ScriptedEngine("fast", "姓名：张三"), ScriptedEngine("strong", "姓名：张三")
    result = CascadeEngine(fast, strong).read(IMAGE, timeout=5, confirm=lambda r: "张三" in r.text)
    assert result.engine == "fast"
    assert strong.calls == []


def test_the_cascade_asks_the_strong_engine_when_the_fast_reading_does_not_confirm() -> None:
    """A fast reading that misses the name goes to the strong engine, whose reading is returned."""
    fast, strong = ScriptedEngine("fast", "姓名：弓长三"), ScriptedEngine("strong", "姓名：张三")
    engine = CascadeEngine(fast, strong, confirm=lambda r: "张三" in r.text)
    result = engine.read(IMAGE, timeout=5)
    assert (result.engine, result.text) == ("strong", "姓名：张三")
    assert result.first is not None and result.first.text == "姓名：弓长三"  # kept for comparison
    assert fast.calls == [5] and strong.calls == [5]


def test_the_cascade_without_confirm_always_asks_the_strong_engine() -> None:
    fast, strong = ScriptedEngine("fast", "anything"), ScriptedEngine("strong", "x")
    assert CascadeEngine(fast, strong).read(IMAGE, timeout=5).engine == "strong"


def test_the_cascade_falls_back_on_a_fast_timeout_but_not_on_a_bad_image() -> None:
    """A fast engine's timeout goes to the strong engine; a bad image stops at the fast one."""
    strong = ScriptedEngine("strong", "张三")
    slow = ScriptedEngine("fast", error=OcrTimeout("slow"))
    assert CascadeEngine(slow, strong).read(IMAGE, timeout=5, confirm=lambda r: True).engine == "strong"
    broken, strong2 = ScriptedEngine("fast", error=OcrError("bad")), ScriptedEngine("strong", "张三")
    with pytest.raises(OcrError):
        CascadeEngine(broken, strong2).read(IMAGE, timeout=5)
    assert strong2.calls == []


def test_the_cascade_is_an_ocr_engine_named_after_both() -> None:
    engine = CascadeEngine(ScriptedEngine("a"), ScriptedEngine("b"))
    assert isinstance(engine, OcrEngine)
    assert engine.name == "cascade(a>b)"


# --- preprocessing --------------------------------------------------------------------------------

def _sideways_jpeg(orientation: int) -> Image.Image:
    img = Image.new("RGB", (300, 200), "white")
    img.paste((0, 0, 0), (0, 0, 60, 20))  # a black bar at the top left
    stored = img.transpose(Image.Transpose.ROTATE_90 if orientation == 6 else Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    stored.save(buf, "JPEG", exif=exif.tobytes())
    return Image.open(io.BytesIO(buf.getvalue()))


@pytest.mark.parametrize("orientation", [6, 8])
def test_upright_turns_a_sideways_photo_as_its_exif_says(orientation: int) -> None:
    """Stored 200x300 with orientation 6 or 8: upright is 300x200 with the bar back at top left."""
    photo = _sideways_jpeg(orientation)
    assert photo.size == (200, 300)
    up = pp.upright(photo)
    assert up.size == (300, 200)
    assert up.convert("L").getpixel((10, 10)) < 60
    assert up.convert("L").getpixel((290, 190)) > 200


def test_upright_leaves_an_image_without_exif_alone() -> None:
    img = Image.new("RGB", (30, 20), "white")
    assert pp.upright(img).size == (30, 20)


def test_remove_red_clears_a_seal_and_keeps_black_ink_and_the_size() -> None:
    img = Image.new("RGB", (100, 50), (250, 248, 240))
    img.paste((212, 30, 36), (0, 0, 50, 50))     # seal red
    img.paste((28, 28, 30), (60, 10, 80, 30))     # black ink
    img.paste((36, 70, 128), (85, 10, 95, 30))    # a blue frame
    out = pp.remove_red(img)
    assert out.size == img.size and out.mode == "RGB"
    assert min(out.getpixel((25, 25))) > 200      # the seal is as light as paper in grey
    assert out.getpixel((70, 20)) == (28, 28, 30)
    assert out.getpixel((90, 20)) == (36, 70, 128)


def test_to_gray_flatten_contrast_and_lines_keep_the_size() -> None:
    img = title_certificate()
    gray = pp.to_gray(img)
    assert gray.mode == "L" and gray.size == img.size
    for step in (pp.flatten_light, pp.stretch_contrast, pp.remove_lines):
        out = step(gray)
        assert out.size == gray.size and out.mode == "L", step.__name__


def test_scale_to_text_height_keeps_the_aspect_ratio_and_reaches_the_target() -> None:
    """Scaling by the estimated text height lands near the target and keeps width:height."""
    img = pp.to_gray(title_certificate())
    before = pp.estimate_text_height(img)
    assert before is not None
    for target in (24, 48):
        out = pp.scale_to_text_height(img, target)
        assert abs(out.width / out.height - img.width / img.height) < 0.01
        after = pp.estimate_text_height(out)
        assert after is not None and abs(after - target) <= 0.25 * target


def test_remove_lines_erases_table_rules_but_not_text() -> None:
    img = Image.new("L", (400, 200), 255)
    img.paste(0, (10, 50, 390, 52))               # a table rule
    img.paste(0, (200, 10, 202, 190))             # a column rule
    img.paste(0, (40, 100, 60, 120))              # a character-sized blob
    out = pp.remove_lines(img)
    assert out.getpixel((100, 51)) > 200 and out.getpixel((201, 150)) > 200
    assert out.getpixel((50, 110)) < 50


def test_preprocessing_label_names_the_steps() -> None:
    assert Preprocessing().label == "exif+red+gray+h24+flat+contrast+lines"
    assert pp.NONE.label == "raw"
    assert pp.NONE.apply(title_certificate()).size == title_certificate().size
