"""The check stage's judgement of each field read, stored and shown as stored: a scripted OCR
engine (given to the Context at bootstrap, no monkeypatching) reads a sample applicant's
certificates the way tesseract misreads them, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

from pipeline.documents.ocr import Confirm, OcrError, OcrResult
from pipeline.services import queries
from pipeline.settings import Settings
from reports.views import packet_view
from tests.helpers import register_sample_units, rules_of
from zhicheng.app import import_batch
from zhicheng.bootstrap import bootstrap
from zhicheng.sample import make_batch
from zhicheng.sample.people import SampleApplicant


def thumbnail(image: Image.Image) -> tuple[tuple[int, int], bytes]:
    """The image's shape and a 16x16 grey thumbnail: the same for a re-encoded copy."""
    return image.size, image.convert("L").resize((16, 16), Image.Resampling.BOX).tobytes()


def near(a: tuple[tuple[int, int], bytes], b: tuple[tuple[int, int], bytes]) -> bool:
    return a[0] == b[0] and sum(abs(x - y) for x, y in zip(a[1], b[1])) / len(a[1]) < 6


@dataclass
class ScriptedEngine:
    """Gives each certificate image the text scripted for it (found by a thumbnail, so the
    pipeline's upright copy of a photo is recognised too); any other image is unreadable."""

    texts: list[tuple[tuple[tuple[int, int], bytes], str]] = field(default_factory=list)
    name: str = "scripted"

    def load(self) -> None:
        pass

    def read(self, image: Image.Image, *, timeout: float, confirm: Confirm | None = None) -> OcrResult:
        key = thumbnail(image)
        for known, text in self.texts:
            if near(key, known):
                return OcrResult(text, 0.9, self.name)
        raise OcrError("not a scripted image")


def scripts(a: SampleApplicant) -> dict[str, str]:
    """Texts by material kind, with the misreadings of the demo (issue 14)."""
    public, professional = a.ce_public_hours, a.ce_professional_hours
    return {
        # the birth date's 生 on a line of its own, the date in Chinese numerals with a stray letter
        # (二 O 〇 GO … as tesseract reads 二〇〇…): never the birth date, never a trusted date
        "学历证书": (f"毕业证书\n学生 {a.name}，性别 女，1980年6月25日\n\n生\n"
                  f"于{a.graduation_date.year - 5}年9月至{a.graduation_date.year - 1}年2月在本校学习\n"
                  f"证书编号：105361200505331741\n二 O 〇 GO 五 年 六 月 三 十 日"),
        # 11 read as 1]: unsure, never ✗
        "现职称证书": (f"专业技术资格证书\n姓名：{a.name}\n身份证号：{a.id_number}\n"
                   f"批准时间：2018年1]月28日\n证书编号：43201813687471"),
        # hours that add up (so trusted) but are not the roster's: the one real ✗
        "继续教育学时认定单": (f"继续教育学时认定单\n姓名 {a.name}\n身份证号 {a.id_number}\n认定年度 {a.year - 1}年度\n"
                       f"公需科目 {public}学时 专业科目 {professional + 10}学时\n"
                       f"合计 {public + professional + 10}学时"),
    }


KINDS = ("学历证书", "现职称证书", "继续教育学时认定单")


def test_unsure_readings_are_said_and_only_trusted_ones_are_a_mismatch(settings: Settings, tmp_path: Path) -> None:
    sample = make_batch(tmp_path / "in", applicants=3, seed=7, flaws=False)
    chosen = next(a for a in sample.applicants if a.current_title_date is not None)
    texts = scripts(chosen)
    engine = ScriptedEngine()
    for kind in KINDS:
        [image] = [f for f in (sample.path / chosen.folder).iterdir() if f.stem.startswith(kind)]
        # the pipeline reads the upright copy of a photo stored sideways
        engine.texts.append((thumbnail(ImageOps.exif_transpose(Image.open(image))), texts[kind]))
    rt = bootstrap(settings.with_(ocr_engine="tesseract"), ocr_engine=engine)
    try:
        register_sample_units(rt.ctx)
        batch_id = import_batch(rt, sample.path, wait=True, timeout=300)
        app = next(a for a in queries.list_applications(rt.ctx, batch=batch_id)
                   if a["id_number"] == chosen.id_number)
        full = queries.show_application(rt.ctx, app["id"])
        judged = {(c["kind"], c["field"]): c for c in full["ocr_comparisons"]}
        # tesseract's 二 O 〇 GO 五… with its zero read twice forgiven is the roster's date: shown
        # 一致 (one engine alone never makes it trusted), and never the birth date
        graduation = judged[("学历证书", "graduation")]
        assert (graduation["status"], graduation["read"]) == (
            "agree", chosen.graduation_date.isoformat())
        assert graduation["raw"] != "1980-06-25"
        approval = judged[("现职称证书", "title_approval")]
        assert (approval["status"], approval["read"]) == ("unsure", "")
        assert approval["status_label"] == "未能可靠识别"
        assert judged[("学历证书", "name")]["status"] == "agree"
        assert judged[("现职称证书", "id_number")]["status"] == "agree"
        assert judged[("继续教育学时认定单", "ce_professional_hours")]["status"] == "differs"
        assert judged[("继续教育学时认定单", "ce_public_hours")]["status"] == "agree"
        rules = rules_of(full)
        assert "ce_hours.mismatch" in rules
        assert "certificate.date_mismatch" not in rules
        readings = [m["reading"] for m in full["materials"] if m["kind"] == "现职称证书"]
        assert readings and readings[0]["trust"]["title_approval"] == "unsure"

        packet = packet_view(rt.ctx, app["id"])
        rows = {(c.material, c.label): c for c in packet.comparisons}
        assert rows[("现职称证书", "批准（评审通过）时间")].read == "未能可靠识别"
        assert not rows[("现职称证书", "批准（评审通过）时间")].differs
        assert not rows[("学历证书", "毕业时间")].differs
        assert [c.label for c in packet.comparisons if c.differs] == ["合计学时", "专业科目学时"]
    finally:
        rt.close()
