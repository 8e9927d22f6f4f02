"""Bad input through the real pipeline: every bad thing is named in Chinese, the rest goes on.

Each test builds a small batch (a roster and applicant folders with real images and PDFs) in
tmp_path, spoils the batch or one thing per bad applicant, imports it with `import_batch` on the
embedded runtime (SQLite and PostgreSQL) and checks what an operator would see: the problem code
or finding rule, a Chinese message naming the file or roster row, the good applicant of the same
batch still reaching the unit's review, and nothing half-written or written outside the data
directory. Related bad things share one batch (one bad applicant each) to keep the file fast.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from intake.bulk import open_batch
from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.domain.states import State
from pipeline.services import queries
from pipeline.services.intake import submit_batch
from pipeline.services.units import import_units
from pipeline.storage.db.models import Applicant, Application, BatchItem, Material
from tests.integration import badfiles
from tests.integration.badfiles import Person
from zhicheng.app import import_batch

TIMEOUT = 30
CJK = re.compile(r"[\u4e00-\u9fff]")
UNIT_CODE = make_uscc("91430111MA4PQ7R2X")
UNREGISTERED_CODE = make_uscc("91430602MA4BCDE71")


# --- fixtures and helpers ---------------------------------------------------------------------

@pytest.fixture
def unit(runtime) -> str:
    """One approved unit, reviewed by the center directly."""
    report = import_units(runtime.ctx, [(2, {"code": UNIT_CODE, "name": badfiles.UNIT_NAME,
                                             "region": "雨花区", "kind": "非公企业",
                                             "approver": "主管机构", "status": "已审核"})])
    assert not report.problems, report.problems
    return UNIT_CODE


@pytest.fixture
def good(unit: str) -> Person:
    return Person("张伟", make_id_number("43010219920315123"), unit)


@pytest.fixture
def other(unit: str) -> Person:
    return Person("李娜", make_id_number("43010519880607242"), unit)


@pytest.fixture
def more(unit: str) -> list[Person]:
    """Three more applicants, each good as written."""
    return [Person("王强", make_id_number("43011119900101357"), unit),
            Person("刘芳", make_id_number("43020319910822468"), unit),
            Person("陈杰", make_id_number("43040519870912135"), unit)]


def build(tmp_path: Path, people: list[Person], *, roster: str = "roster.csv",
          encoding: str = "gb18030", rows: list[dict[str, object]] | None = None,
          files: dict[str, dict[str, bytes | None]] | None = None, **roster_options: Any) -> Path:
    """A batch folder: the roster (rows of `people` unless given) and each person's folder."""
    batch = tmp_path / "in" / "职称申报-2026-雨花区"
    for person in people:
        badfiles.write_applicant(batch, person, files=(files or {}).get(person.id_number))
    badfiles.write_roster(batch / roster, rows if rows is not None else [p.row for p in people],
                          encoding=encoding, **roster_options)
    return batch


def run(runtime, path: Path, timeout: float = TIMEOUT
        ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Import a batch; its receipt and its applications by ID number."""
    batch_id = import_batch(runtime, path, wait=True, timeout=timeout)
    receipt = queries.batch_receipt(runtime.ctx, batch_id)
    apps = {a["id_number"]: a for a in queries.list_applications(runtime.ctx, batch=batch_id)}
    return receipt, apps


def problem(receipt: dict[str, Any], code: str) -> dict[str, Any]:
    found = [p for p in receipt["problems"] if p["code"] == code]
    assert found, (code, receipt["problems"])
    return found[0]


def finding(app: dict[str, Any], rule: str, material: str | None = None) -> dict[str, Any]:
    found = [f for f in app["findings"] if f["rule"] == rule
             and (material is None or f["material"] == material)]
    assert found, (rule, material, app["findings"])
    return found[0]


def assert_chinese_naming(message: str, *names: str) -> None:
    """The message is Chinese and names what the operator has to fix."""
    assert len(CJK.findall(message)) >= 8, message
    for name in names:
        assert name in message, (name, message)


def assert_went_on(apps: dict[str, dict[str, Any]], person: Person) -> None:
    """The good applicant of the batch reached the unit's review, without a blocking finding."""
    app = apps[person.id_number]
    assert app["state"] == State.UNIT_REVIEW, app["findings"]
    assert not [f for f in app["findings"] if f["severity"] == "block"], app["findings"]


def assert_whole(runtime, app: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Every file of the applicant's folder is a material of the application."""
    shown = queries.show_application(runtime.ctx, app["id"])
    assert sorted(m["name"] for m in shown["materials"]) == sorted(p.name for p in folder.iterdir())
    return shown


def count(runtime, model) -> int:
    with runtime.ctx.db.uow() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def tmp_files(runtime) -> list[Path]:
    """Files left in the store's scratch directory (half-written copies)."""
    tmp = runtime.settings.data_dir / "tmp"
    return [p for p in tmp.rglob("*") if p.is_file()] if tmp.exists() else []


def bad_materials(runtime, tmp_path: Path, good: Person,
                  bad: dict[str, tuple[Person, dict[str, bytes | None]]], *, zipped: bool = False,
                  **batch_options: Any) -> dict[str, dict[str, Any]]:
    """A batch of a good applicant and bad ones, each with some files replaced (None: dropped).

    `bad` maps a label to (person, files); returns the bad applications by label, after checking
    that the good one went on and each bad one was returned with every file of its folder kept.
    """
    people = [good] + [person for person, _ in bad.values()]
    batch = build(tmp_path, people, files={person.id_number: files for person, files in bad.values()},
                  **batch_options)
    path = badfiles.zip_folder(batch, tmp_path / "in" / "batch.zip") if zipped else batch
    receipt, apps = run(runtime, path)
    assert sorted(receipt["created"]) == sorted(a["id"] for a in apps.values())
    assert len(apps) == len(people)
    assert_went_on(apps, good)
    out = {}
    for label, (person, _) in bad.items():
        app = out[label] = apps[person.id_number]
        assert app["state"] == State.RETURNED, (label, app["findings"])
        assert_whole(runtime, app, batch / person.folder)
    return out


# --- the roster -------------------------------------------------------------------------------

def test_a_csv_roster_of_binary_garbage_rejects_the_batch_as_unreadable(runtime, tmp_path, good) -> None:
    batch = build(tmp_path, [good])
    garbage = random.Random(11).randbytes(4096)
    (batch / "roster.csv").write_bytes(b"\x00\x01PK" + garbage)
    receipt, apps = run(runtime, batch)
    assert receipt["status"] == "rejected"
    p = problem(receipt, "roster.unreadable")
    assert_chinese_naming(p["message"], "roster.csv")
    assert p["path"].endswith("roster.csv")
    assert receipt["created"] == [] and apps == {}
    assert count(runtime, Application) == 0


def test_an_xls_roster_is_rejected_as_an_unsupported_format(runtime, tmp_path, good) -> None:
    batch = build(tmp_path, [good])
    (batch / "roster.csv").unlink()
    (batch / "roster.xls").write_bytes(badfiles.xls_bytes())
    receipt, apps = run(runtime, batch)
    assert receipt["status"] == "rejected"
    p = problem(receipt, "roster.unsupported_format")
    assert_chinese_naming(p["message"], "roster.xls", ".xlsx")
    assert receipt["created"] == [] and apps == {}
    assert count(runtime, Application) == 0


def test_a_roster_missing_a_required_column_rejects_the_batch(runtime, tmp_path, good, other) -> None:
    columns = [c for c in badfiles.HEADERS if c != "phone"]
    batch = build(tmp_path, [good, other], encoding="utf-8-sig", columns=columns)
    receipt, apps = run(runtime, batch)
    p = problem(receipt, "roster.missing_columns")
    assert_chinese_naming(p["message"], "roster.csv", "手机号码")
    assert receipt["status"] == "rejected"
    assert receipt["created"] == [] and apps == {}
    assert count(runtime, Application) == 0


def test_unknown_columns_and_empty_rows_are_ignored_and_rows_keep_their_numbers(runtime, tmp_path, good, other) -> None:
    # GB18030, as Chinese Excel saves it: 表头, 张伟, (empty), 李娜, (empty), then blank lines.
    batch = build(tmp_path, [good, other], blank_after=[0, 1],
                  extra={"序号": ["1", "2"], "备注": ["", "已线下审核"]})
    with (batch / "roster.csv").open("a", encoding="gb18030", newline="") as fh:
        fh.write("\r\n\r\n   ,  ,\r\n")
    receipt, apps = run(runtime, batch)
    assert receipt["status"] == "imported"
    assert len(receipt["created"]) == 2
    # 序号 is recognised as carrying nothing; 备注 is kept but said to be outside the review.
    roster_problems = [p for p in receipt["problems"] if p["code"].startswith("roster.")]
    assert [p["code"] for p in roster_problems] == ["roster.unknown_column"], roster_problems
    assert "“备注”" in roster_problems[0]["message"]
    assert_went_on(apps, good)
    assert_went_on(apps, other)
    shown = {i: queries.show_application(runtime.ctx, a["id"]) for i, a in apps.items()}
    assert {i: s["roster_line"] for i, s in shown.items()} == {good.id_number: 2, other.id_number: 4}
    assert shown[other.id_number]["extra"] == {"序号": "2", "备注": "已线下审核"}


def test_duplicated_rows_rows_without_an_id_and_folders_without_an_id_are_reported_on_the_batch(runtime, tmp_path, good, other, more) -> None:
    nameless = more[0]
    rows = [good.row, other.row, dict(other.row), {**nameless.row, "id_number": ""}]
    batch = build(tmp_path, [good, other], rows=rows, roster="roster.xlsx")
    badfiles.write_applicant(batch, nameless, folder="王强的申报材料")
    receipt, apps = run(runtime, batch)
    assert receipt["status"] == "imported"

    duplicate = problem(receipt, "roster.duplicate_row")
    assert_chinese_naming(duplicate["message"], "第4行", "第3行")
    assert duplicate["path"] == "第4行"
    no_id = problem(receipt, "roster.invalid")
    assert_chinese_naming(no_id["message"], "第5行", "身份证号")
    assert no_id["path"] == "第5行"
    folder = problem(receipt, "batch.folder_without_id")
    assert_chinese_naming(folder["message"], "王强的申报材料")
    assert folder["path"] == "王强的申报材料"

    # One application per person that can be one: the duplicate and the rows without an ID make none.
    assert sorted(apps) == sorted([good.id_number, other.id_number])
    assert count(runtime, Application) == 2 and count(runtime, Applicant) == 2
    assert_went_on(apps, good)
    assert_went_on(apps, other)


def test_rows_with_a_missing_field_a_wrong_check_digit_or_an_unknown_unit_are_returned_with_their_findings(runtime, tmp_path, good, more, unit) -> None:
    valid = more[1].id_number
    wrong = valid[:17] + ("1" if valid[17] != "1" else "2")
    missing, miswritten = more[0], Person(more[1].name, wrong, unit)
    stranger = Person(more[2].name, more[2].id_number, UNREGISTERED_CODE)
    rows = [good.row, {**missing.row, "specialty": ""}, miswritten.row, stranger.row]
    batch = build(tmp_path, [good, missing, miswritten, stranger], rows=rows, encoding="utf-8-sig")
    receipt, apps = run(runtime, batch)
    assert_went_on(apps, good)
    expected = [(missing, "roster.invalid", ["申报专业"]),
                (miswritten, "id_number.invalid", [wrong, "校验位"]),
                (stranger, "unit.unregistered", [UNREGISTERED_CODE])]
    for person, rule, names in expected:
        app = apps[person.id_number]
        assert app["state"] == State.RETURNED, (person.name, app["findings"])
        f = finding(app, rule)
        assert f["severity"] == "block"
        assert_chinese_naming(f["message"], *names)
        assert_whole(runtime, app, batch / person.folder)


# --- the zip ----------------------------------------------------------------------------------

def test_a_zip_with_dotdot_and_absolute_paths_writes_nothing_outside_the_data_dir(runtime, tmp_path, good, other) -> None:
    batch = build(tmp_path, [good, other], roster="roster.xlsx")
    absolute = tmp_path / "outside" / "escape-absolute.txt"
    evil = {
        "../escape-dotdot.txt": b"escaped by ..",
        f"{batch.name}/{good.folder}/../../../escape-deep.pdf": badfiles.pdf_bytes("逃逸", ("越界文件",)),
        str(absolute): b"escaped by an absolute path",
        "..\\escape-backslash.txt": b"escaped by a backslash",
        "C:/escape-drive.txt": b"escaped by a drive letter",
    }
    zipped = badfiles.zip_folder(batch, tmp_path / "in" / "batch.zip", extra=evil.items())
    receipt, apps = run(runtime, zipped)

    unsafe = {p["path"]: p["message"] for p in receipt["problems"] if p["code"] == "batch.unsafe_path"}
    assert set(unsafe) == set(evil)
    for name, message in unsafe.items():
        assert_chinese_naming(message, name)
    assert receipt["status"] == "imported"
    assert_went_on(apps, good)
    assert_went_on(apps, other)
    for app, person in ((apps[good.id_number], good), (apps[other.id_number], other)):
        assert_whole(runtime, app, batch / person.folder)

    data_dir = runtime.settings.data_dir
    for target in (absolute, tmp_path / "escape-dotdot.txt", tmp_path / "escape-deep.pdf",
                   data_dir.parent / "escape-dotdot.txt", Path.cwd().parent / "escape-dotdot.txt",
                   Path("/escape-drive.txt"), Path.cwd() / "C:" / "escape-drive.txt"):
        assert not target.exists(), target
    assert [p for p in tmp_path.rglob("escape-*")] == []
    stored = badfiles.blobs(data_dir)
    assert stored, "the good files are in the store"
    assert not {badfiles.sha256(data) for data in evil.values()} & set(stored)
    for name in stored:  # every blob is whole: named by the hash of its content
        blob = next((data_dir / "blobs").rglob(name))
        assert badfiles.sha256(blob.read_bytes()) == name
    assert tmp_files(runtime) == []


def test_a_zip_bomb_is_rejected_before_anything_is_stored(runtime, tmp_path, good, other) -> None:
    batch = build(tmp_path, [good, other])
    zipped = badfiles.zip_folder(batch, tmp_path / "in" / "batch.zip")
    member = f"{batch.name}/{other.folder}/其他材料.pdf"
    badfiles.add_zeros_member(zipped, member, 50 * 1024 * 1024)
    assert zipped.stat().st_size < 1024 * 1024
    receipt, apps = run(runtime, zipped)
    assert receipt["status"] == "rejected"
    p = problem(receipt, "batch.zip_bomb")
    assert_chinese_naming(p["message"], "其他材料.pdf")
    assert receipt["created"] == [] and apps == {}
    assert count(runtime, Application) == 0 and count(runtime, Material) == 0
    assert badfiles.blobs(runtime.settings.data_dir) == {}
    assert tmp_files(runtime) == []


def test_a_zip_declaring_more_than_the_batch_limit_is_rejected(runtime, tmp_path, good, other) -> None:
    batch = build(tmp_path, [good, other], roster="roster.xlsx")
    zipped = badfiles.zip_folder(batch, tmp_path / "in" / "batch.zip")
    runtime.ctx.settings = runtime.ctx.settings.with_(
        max_batch_bytes=badfiles.declared_size(zipped) // 2)
    receipt, apps = run(runtime, zipped)
    assert receipt["status"] == "rejected"
    p = problem(receipt, "batch.zip_bomb")
    assert_chinese_naming(p["message"], "batch.zip", "超过")
    assert receipt["created"] == [] and apps == {}
    assert count(runtime, Application) == 0 and count(runtime, Material) == 0
    assert badfiles.blobs(runtime.settings.data_dir) == {}


def test_a_damaged_zip_member_is_reported_unreadable_and_nothing_half_is_stored(runtime, tmp_path, good, other) -> None:
    batch = build(tmp_path, [good, other], encoding="utf-8-sig")
    zipped = badfiles.zip_folder(batch, tmp_path / "in" / "batch.zip")
    badfiles.corrupt_member(zipped, f"{other.folder}/业绩材料.pdf")
    receipt, apps = run(runtime, zipped)
    bad = apps[other.id_number]
    assert bad["state"] == State.RETURNED
    f = finding(bad, "material.unreadable", "业绩材料.pdf")
    assert_chinese_naming(f["message"], "业绩材料.pdf")
    shown = assert_whole(runtime, bad, batch / other.folder)
    damaged = next(m for m in shown["materials"] if m["name"] == "业绩材料.pdf")
    assert damaged["sha256"] is None
    assert tmp_files(runtime) == []
    assert_went_on(apps, good)


# --- the files of an applicant ----------------------------------------------------------------

def test_a_png_decompression_bomb_is_refused_by_pixel_count(runtime, tmp_path, good, other) -> None:
    width, height = 9500, 9000  # 85.5 million pixels: over our limit of 80 million, under Pillow's own
    assert width * height > runtime.settings.max_pixels
    bomb = badfiles.png_bomb(width, height)
    assert len(bomb) < 100_000
    bad = bad_materials(runtime, tmp_path, good, {"bomb": (other, {"学位证书.png": bomb})},
                        zipped=True)["bomb"]
    f = finding(bad, "material.unreadable", "学位证书.png")
    assert_chinese_naming(f["message"], "学位证书.png", "像素")
    shown = queries.show_application(runtime.ctx, bad["id"])
    row = next(m for m in shown["materials"] if m["name"] == "学位证书.png")
    assert (row["width"], row["height"]) == (width, height)  # read from the header, never decoded
    assert row["media_type"] is None


def test_a_truncated_or_encrypted_pdf_is_reported_unreadable_and_the_rest_of_the_batch_goes_on(runtime, tmp_path, good, other, more) -> None:
    cut = badfiles.truncated(badfiles.report_pdf(other.name, other.id_number))
    locked = badfiles.encrypted_pdf(badfiles.good_file("业绩材料.pdf", more[0].name, more[0].id_number))
    bad = bad_materials(runtime, tmp_path, good, {
        "truncated": (other, {"述职报告.pdf": cut}),
        "encrypted": (more[0], {"业绩材料.pdf": locked}),
    }, roster="roster.xlsx")
    f = finding(bad["truncated"], "material.unreadable", "述职报告.pdf")
    assert f["severity"] == "block"
    assert_chinese_naming(f["message"], "述职报告.pdf")
    f = finding(bad["encrypted"], "material.unreadable", "业绩材料.pdf")
    assert f["severity"] == "block"
    assert_chinese_naming(f["message"], "业绩材料.pdf", "密码")
    shown = queries.show_application(runtime.ctx, bad["encrypted"]["id"])
    assert next(m for m in shown["materials"] if m["name"] == "业绩材料.pdf")["encrypted"] is True


def test_a_jpeg_named_pdf_or_a_docx_is_reported_and_the_rest_of_the_batch_goes_on(runtime, tmp_path, good, other, more) -> None:
    photo = badfiles.image_bytes("述职报告", other.name, other.id_number, "JPEG")
    word = badfiles.docx_bytes("本人主要业绩如下")
    bad = bad_materials(runtime, tmp_path, good, {
        "jpeg": (other, {"述职报告.pdf": photo}),
        "docx": (more[0], {"业绩材料.docx": word, "业绩材料.pdf": None}),
    }, encoding="utf-8-sig", zipped=True)
    f = finding(bad["jpeg"], "material.bad_type", "述职报告.pdf")
    assert f["severity"] == "block"
    assert_chinese_naming(f["message"], "述职报告.pdf", ".jpg")
    f = finding(bad["docx"], "material.bad_type", "业绩材料.docx")
    assert f["severity"] == "block"
    assert_chinese_naming(f["message"], "业绩材料.docx", "PDF")


def test_a_file_over_the_size_limit_is_reported_and_its_bytes_are_not_stored(runtime, tmp_path, good, other) -> None:
    limit = runtime.settings.max_file_bytes
    # A real photo with a long tail after its end marker, as some phones write them: 11 MB.
    big = (badfiles.image_bytes("学历证书", other.name, other.id_number, "JPEG")
           + random.Random(3).randbytes(limit + 1024 * 1024))
    bad = bad_materials(runtime, tmp_path, good, {"big": (other, {"学历证书.jpg": big})})["big"]
    f = finding(bad, "material.too_large", "学历证书.jpg")
    assert f["severity"] == "block"
    assert_chinese_naming(f["message"], "学历证书.jpg", f"{limit // (1024 * 1024)}MB")
    shown = queries.show_application(runtime.ctx, bad["id"])
    row = next(m for m in shown["materials"] if m["name"] == "学历证书.jpg")
    assert row["sha256"] is None and row["size"] > limit
    assert all(m["sha256"] for m in shown["materials"] if m["name"] != "学历证书.jpg")
    stored = badfiles.blobs(runtime.settings.data_dir)
    assert badfiles.sha256(big) not in stored
    assert max(stored.values()) <= limit
    assert tmp_files(runtime) == []


# --- a process dying mid-import ---------------------------------------------------------------

def _die_after_two(applications: list[Any]) -> Iterator[Any]:
    yield applications[0]
    yield applications[1]
    raise KeyboardInterrupt  # the process is killed while reading the third applicant


def _crash_mid_import(runtime, tmp_path: Path, people: list[Person]) -> Path:
    """Import a batch of three and die after the second; the dead process's queue dies with it."""
    batch = build(tmp_path, people, roster="roster.xlsx")
    sent: list[int] = []
    # chunks of one application: the two read before the crash were committed (a larger chunk
    # read whole before the crash would be absent as a whole, never in part)
    runtime.ctx.settings = runtime.ctx.settings.with_(stage_chunk=1)
    with open_batch(batch, runtime.settings) as intake:
        intake.applications = _die_after_two(list(intake.applications))
        with pytest.raises(KeyboardInterrupt):
            submit_batch(runtime.ctx, intake, lambda _, ids: sent.extend(ids))
    assert len(sent) == 2
    return batch


@pytest.fixture
def three(good: Person, other: Person, more: list[Person]) -> list[Person]:
    return [good, other, more[0]]


def test_a_crash_mid_import_leaves_each_application_whole_or_absent(runtime, tmp_path, three) -> None:
    batch = _crash_mid_import(runtime, tmp_path, three)
    with runtime.ctx.db.uow() as s:
        apps = {a.id_number: a.id for a in s.scalars(select(Application))}
        assert set(apps) == {three[0].id_number, three[1].id_number}
        for person in three[:2]:
            names = sorted(s.scalars(select(Material.original_name)
                                     .where(Material.application_id == apps[person.id_number])))
            assert names == sorted(p.name for p in (batch / person.folder).iterdir())
        orphans = s.scalar(select(func.count()).select_from(Material)
                           .where(Material.application_id.not_in(list(apps.values()))))
        assert orphans == 0
        assert s.scalar(select(func.count()).select_from(BatchItem)) == 2
    assert tmp_files(runtime) == []

    # The operator imports the same batch again: the rest is created, the two are recognised.
    sent: list[int] = []
    with open_batch(batch, runtime.settings) as intake:
        batch_id = submit_batch(runtime.ctx, intake, lambda _, ids: sent.extend(ids))
    receipt = queries.batch_receipt(runtime.ctx, batch_id)
    assert sorted(receipt["existing"]) == sorted(apps.values())
    assert len(receipt["created"]) == 1
    # the two whose messages died with the process are sent again, with the new one
    assert sorted(sent) == sorted(receipt["existing"] + receipt["created"])
    third = queries.show_application(runtime.ctx, receipt["created"][0])
    assert third["id_number"] == three[2].id_number
    assert sorted(m["name"] for m in third["materials"]) == sorted(
        p.name for p in (batch / three[2].folder).iterdir())
    assert count(runtime, Application) == 3


def test_importing_the_batch_again_after_a_crash_brings_every_application_through(runtime, tmp_path, three) -> None:
    batch = _crash_mid_import(runtime, tmp_path, three)
    receipt, apps = run(runtime, batch, timeout=8)  # three small applications take about 1 s
    assert len(receipt["created"]) == 1 and len(receipt["existing"]) == 2
    for person in three:
        assert_went_on(apps, person)
