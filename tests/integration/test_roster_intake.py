"""The roster as a unit's 经办人 fills it in, through the real import (SQLite and PostgreSQL).

Everyday headers, an ID number typed as a number, limits, invisible characters, unit blockers
before OCR, re-check, per-applicant receipts, the 退回清单, the template's round trip, and the
privacy of a duplicate filed by another unit.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from intake.template import ROSTER_SHEET, build_template
from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.domain.states import State
from pipeline.services import queries, receipts
from pipeline.services import recheck as recheck_service
from pipeline.services.units import import_units, set_status
from pipeline.storage.db.models import Application, Event, Extraction
from reports.receipt import write_receipt
from tests.integration import badfiles
from tests.integration.badfiles import HEADERS, Person
from zhicheng.app import drain, import_batch

UNIT = make_uscc("91430111MA4PQ7R2X")
OTHER_UNIT = make_uscc("91430105MA4QWER1X")
PENDING = make_uscc("91430602MA4BCDE71")
TIMEOUT = 60


def _unit(runtime: Any, code: str, name: str = badfiles.UNIT_NAME, status: str = "已审核") -> str:
    report = import_units(runtime.ctx, [(2, {"code": code, "name": name, "region": "雨花区",
                                             "kind": "非公企业", "approver": "主管机构",
                                             "status": status})])
    assert not report.problems, report.problems
    return code


@pytest.fixture
def unit(runtime: Any) -> str:
    return _unit(runtime, UNIT)


def person(name: str, prefix: str, code: str, **row: object) -> Person:
    return Person(name, make_id_number(prefix), code, row=dict(row))


def run(runtime: Any, path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    batch_id = import_batch(runtime, path, wait=True, timeout=TIMEOUT)
    receipt = queries.batch_receipt(runtime.ctx, batch_id)
    apps = {a["id_number"]: a for a in queries.list_applications(runtime.ctx, batch=batch_id)}
    return receipt, apps


def codes(receipt: dict[str, Any]) -> list[str]:
    return [p["code"] for p in receipt["problems"]]


def rules(app: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in app["findings"]}


# --- headers -----------------------------------------------------------------------------------

SYNONYMS = {"id_number": "身份证号码", "phone": "联系电话", "unit_code": "统一社会信用代码",
            "current_title_date": "取得时间", "education": "学历", "degree": "学位",
            "ce_public_hours": "公需科目", "ce_professional_hours": "专业科目（必填）"}


def test_everyday_headers_are_read_and_an_unknown_column_is_named_with_its_nearest(
        runtime: Any, unit: str, tmp_path: Path) -> None:
    people = [person("张伟", "43010219920315123", unit), person("李娜", "43010519880607242", unit)]
    batch = tmp_path / "in" / "批次"
    for p in people:
        badfiles.write_applicant(batch, p)
    fields = list(HEADERS)
    with (batch / "花名册.csv").open("w", encoding="gbk", newline="") as fh:  # as Chinese Excel saves
        w = csv.writer(fh)
        w.writerow([SYNONYMS.get(f, HEADERS[f]) for f in fields] + ["学历层次"])
        for p in people:
            w.writerow([badfiles._cell_text(p.row.get(f)) for f in fields] + ["本科"])
    receipt, apps = run(runtime, batch)
    assert codes(receipt) == ["roster.unknown_column"]
    message = receipt["problems"][0]["message"]
    assert "未识别的列“学历层次”" in message and "是否应为“最高学历”" in message and "未导入" in message
    for p in people:
        app = apps[p.id_number]
        assert app["state"] == State.UNIT_REVIEW, app["findings"]
        shown = queries.show_application(runtime.ctx, app["id"])
        assert shown["current_title_date"] == "2020-07-01" and shown["degree"] == "学士"
        assert shown["ce_public_hours"] == 32 and shown["ce_professional_hours"] == 64


def test_two_columns_for_one_field_are_a_batch_problem(runtime: Any, unit: str, tmp_path: Path) -> None:
    good = person("张伟", "43010219920315123", unit)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, good)
    badfiles.write_roster(batch / "roster.csv", [good.row], extra={"学历": ["大学本科"]})
    receipt, _ = run(runtime, batch)
    assert codes(receipt) == ["roster.duplicate_column"]
    assert "最高学历" in receipt["problems"][0]["message"] and "“学历”" in receipt["problems"][0]["message"]


# --- an ID number typed as a number --------------------------------------------------------------

def test_an_id_number_stored_as_a_number_in_xlsx_is_explained_and_never_listed_as_e17(
        runtime: Any, unit: str, tmp_path: Path) -> None:
    good = person("张伟", "43010219920315123", unit)
    numeric = person("李娜", "43010519880607241", unit)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, good)
    path = badfiles.write_roster(batch / "roster.xlsx", [good.row, numeric.row])
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=3, column=2).value = float(numeric.id_number)   # as Excel keeps a typed number
    book.save(path)
    receipt, apps = run(runtime, batch)
    people = {a["name"]: a for a in receipt["applicants"]}
    li = people["李娜"]
    assert li["state"] == State.RETURNED
    assert any("被 Excel 存成了数字" in m for m in li["messages"]), li
    assert not any("校验位" in m for m in li["messages"])
    assert "E+" not in li["id_number"].upper() and li["id_number"] == receipts.EXCEL_NUMBER_ID
    assert people["张伟"]["state"] == State.UNIT_REVIEW


# --- limits --------------------------------------------------------------------------------------

def test_a_roster_past_the_row_cap_is_refused_whole_with_one_message(
        runtime: Any, unit: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import intake.roster

    monkeypatch.setattr(intake.roster, "MAX_ROSTER_ROWS", 5)
    people = [person(f"申报人{i}", f"430102199203{i:02d}123", unit) for i in range(1, 8)]
    batch = tmp_path / "in" / "批次"
    badfiles.write_roster(batch / "roster.csv", [p.row for p in people])
    batch_id = import_batch(runtime, batch, wait=True, timeout=TIMEOUT)
    receipt = queries.batch_receipt(runtime.ctx, batch_id)
    assert receipt["status"] == "rejected"
    assert codes(receipt) == ["roster.too_many_rows"]
    assert "每批上限 5 人" in receipt["problems"][0]["message"]
    with runtime.ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_rows_without_name_or_id_are_not_applicants_and_problems_are_collapsed(
        runtime: Any, unit: str, tmp_path: Path) -> None:
    good = person("张伟", "43010219920315123", unit)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, good)
    folderless = [person(f"无材料{i}", f"4301021985{i:04d}123"[:17], unit) for i in range(30)]
    path = badfiles.write_roster(batch / "roster.xlsx", [good.row] + [p.row for p in folderless])
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    year_col = list(HEADERS).index("year") + 1
    for row in range(sheet.max_row + 1, 3000):   # a default value dragged down the sheet
        sheet.cell(row=row, column=year_col).value = 2026
    book.save(path)
    receipt, apps = run(runtime, batch)
    assert len(apps) == 31
    not_applicant = [p for p in receipt["problems"] if p["code"] == "roster.not_applicant"]
    assert len(not_applicant) == 1 and "另有" in not_applicant[0]["message"]
    folder_problems = [p for p in receipt["problems"] if p["code"] == "batch.row_without_folder"]
    assert len(folder_problems) == 21 and "另有 10 处" in folder_problems[-1]["message"]


# --- invisible characters ------------------------------------------------------------------------

def test_control_and_direction_characters_are_stripped_and_said(
        runtime: Any, unit: str, tmp_path: Path) -> None:
    good = person("张\u202e伟", "43010219920315123", unit)
    formula = person("=1+1", "43010519880607242", unit)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, good, folder=f"{good.id_number}_张伟",
                             files={"学历证书\u202egpj.exe": b"MZ not a picture"})
    badfiles.write_applicant(batch, formula, folder=f"{formula.id_number}_公式")
    badfiles.write_roster(batch / "roster.csv", [good.row, formula.row])
    receipt, apps = run(runtime, batch)
    named = [p for p in receipt["problems"] if p["code"] == "file.control_chars"]
    assert len(named) == 1 and "U+202E" in named[0]["message"] and "\u202e" not in named[0]["message"]
    zhang = queries.show_application(runtime.ctx, apps[good.id_number]["id"])
    assert zhang["name"] == "张伟"
    assert "text.control_chars" in rules(zhang)
    assert all("\u202e" not in m["name"] for m in zhang["materials"])
    eq = apps[formula.id_number]
    assert eq["state"] == State.RETURNED
    assert any("像是Excel公式" in f["message"] for f in eq["findings"])


# --- unit blockers before OCR, identical re-import, re-check -----------------------------------

def test_an_unapproved_unit_is_returned_at_intake_and_recheck_moves_it_on_after_approval(
        runtime: Any, tmp_path: Path) -> None:
    _unit(runtime, PENDING, status="待审核")
    applicant = person("王强", "43011119900101357", PENDING)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, applicant)
    badfiles.write_roster(batch / "roster.csv", [applicant.row])
    receipt, apps = run(runtime, batch)
    app = apps[applicant.id_number]
    assert app["state"] == State.RETURNED and "unit.not_approved" in rules(app)
    with runtime.ctx.db.uow() as s:   # returned before any file was read
        assert s.scalar(select(func.count()).select_from(Extraction)) == 0
        actions = list(s.scalars(select(Event.action).where(Event.application_id == app["id"])))
    assert actions == ["received", "intake.blocked"]

    again, _ = run(runtime, batch)   # the same batch, as the unit sends it again
    assert again["existing"] == [app["id"]]
    note = receipts.unchanged_note([receipts.ApplicantReceipt(**a) for a in again["applicants"]])
    assert note is not None and "已存在 1 份，内容未变化" in note and "尚未审核通过" in note
    assert "zhicheng recheck" in note

    set_status(runtime.ctx, PENDING)
    started = recheck_service.start_recheck(
        runtime.ctx, recheck_service.select_returned(runtime.ctx, unit=PENDING),
        runtime.queue.start)
    assert started.started == [app["id"]]
    drain(runtime)
    summary = recheck_service.summarize(runtime.ctx, started.started)
    assert summary.by_state == {str(State.UNIT_REVIEW): 1}, summary
    assert "1 份已进入所在单位初审" in summary.text()


def test_recheck_reads_nothing_again_and_leaves_a_reviewers_return_alone(
        runtime: Any, unit: str, tmp_path: Path) -> None:
    lacking = person("刘芳", "43020319910822468", unit)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, lacking, files={"业绩材料.pdf": None})
    badfiles.write_roster(batch / "roster.csv", [lacking.row])
    _, apps = run(runtime, batch)
    app_id = apps[lacking.id_number]["id"]
    assert apps[lacking.id_number]["state"] == State.RETURNED
    with runtime.ctx.db.uow() as s:
        read = s.scalar(select(func.count()).select_from(Extraction))
    assert read
    started = recheck_service.start_recheck(runtime.ctx, [app_id, 999999], runtime.queue.start)
    assert started.started == [app_id] and started.skipped[0][0] == 999999
    drain(runtime)
    summary = recheck_service.summarize(runtime.ctx, [app_id])
    assert summary.returned and any("业绩材料" in m for m in summary.returned[0][2])
    with runtime.ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Extraction)) == read   # nothing read again
        s.add(Event(application_id=app_id, subject="application", subject_id=str(app_id),
                    action="review.decided", from_state="unit_review", to_state="returned",
                    actor="审核人", reason="退回", created_at=runtime.ctx.clock.now()))
        s.commit()
    refused = recheck_service.start_recheck(runtime.ctx, [app_id], runtime.queue.start)
    assert refused.started == [] and "审核人员退回" in refused.skipped[0][1]


# --- receipts ------------------------------------------------------------------------------------

def test_the_receipt_lists_every_applicant_and_the_xlsx_is_written_for_the_unit(
        runtime: Any, unit: str, tmp_path: Path) -> None:
    good = person("张伟", "43010219920315123", unit)
    lacking = person("=刘芳", "43020319910822468", unit)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, good)
    badfiles.write_applicant(batch, lacking, folder=f"{lacking.id_number}_刘芳",
                             files={"述职报告.pdf": None})
    badfiles.write_roster(batch / "roster.csv", [good.row, lacking.row])
    receipt, _ = run(runtime, batch)
    people = {a["id_number"]: a for a in receipt["applicants"]}
    assert set(people) == {good.id_number, lacking.id_number}
    assert set(people[good.id_number]) >= {"id", "name", "id_number", "state", "state_label",
                                           "messages"}
    assert people[good.id_number]["state_label"] == "所在单位初审"
    returned = people[lacking.id_number]
    assert returned["state"] == State.RETURNED and any("述职报告" in m for m in returned["messages"])

    path = write_receipt(runtime.ctx, receipt["batch"], tmp_path / "out")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = rows.index(next(r for r in rows if r[0] == "花名册行号"))
    first = rows[header + 1]   # returned first, full ID number (the unit's own applicant)
    assert first[2] == lacking.id_number and "述职报告" in str(first[6])
    cell = sheet.cell(row=header + 2, column=2)
    assert cell.value == "=刘芳" and cell.data_type == "s" and cell.quotePrefix   # never a formula


# --- the template --------------------------------------------------------------------------------

def test_the_template_filled_in_imports_with_no_problem(runtime: Any, unit: str, tmp_path: Path) -> None:
    good = person("张伟", "43010219920315123", unit)
    batch = tmp_path / "in" / "批次"
    badfiles.write_applicant(batch, good)
    book = build_template()
    sheet = book[ROSTER_SHEET]
    headers = [c.value for c in sheet[1]]
    by_header = {v: k for k, v in HEADERS.items()}
    for col, header in enumerate(headers, start=1):
        value = good.row.get(by_header[header])
        if isinstance(value, dt.date):
            value = value.isoformat()   # the date columns are text: typed as 2014-07-01
        sheet.cell(row=2, column=col).value = None if value is None else (
            value if sheet.cell(row=2, column=col).number_format != "@" else str(value))
    book.save(batch / "花名册.xlsx")
    receipt, apps = run(runtime, batch)
    assert receipt["problems"] == []
    app = apps[good.id_number]
    assert app["state"] == State.UNIT_REVIEW, app["findings"]
    assert not {r for r in rules(app) if r.startswith(("roster.", "id_number.", "phone."))}


# --- duplicates ----------------------------------------------------------------------------------

def test_another_units_duplicate_is_told_without_details_and_flagged_to_the_center(
        runtime: Any, unit: str, tmp_path: Path) -> None:
    _unit(runtime, OTHER_UNIT, name="湖南另一家科技有限公司")
    first = person("张伟", "43010219920315123", OTHER_UNIT, unit_name="湖南另一家科技有限公司",
                   title_name="高级工程师", level="副高级")
    real = person("张伟", "43010219920315123", unit)
    batch_a = tmp_path / "a" / "批次"
    badfiles.write_applicant(batch_a, first)
    badfiles.write_roster(batch_a / "roster.csv", [first.row])
    _, apps_a = run(runtime, batch_a)
    batch_b = tmp_path / "b" / "批次"
    badfiles.write_applicant(batch_b, real)
    badfiles.write_roster(batch_b / "roster.csv", [real.row])
    _, apps_b = run(runtime, batch_b)
    later = queries.show_application(runtime.ctx, apps_b[real.id_number]["id"])
    dup = [f for f in later["findings"] if f["rule"] == "application.duplicate"]
    assert len(dup) == 1 and dup[0]["severity"] == "warn"
    assert OTHER_UNIT not in dup[0]["message"] and "高级工程师" not in dup[0]["message"]
    assert later["state"] == State.UNIT_REVIEW     # filing first does not win by itself
    earlier_id = apps_a[first.id_number]["id"]
    for app_id in (later["id"], earlier_id):
        flagged = [e for e in queries.show_application(runtime.ctx, app_id)["events"]
                   if e["action"] == "duplicate.flagged"]
        assert len(flagged) == 1 and OTHER_UNIT in flagged[0]["reason"] and unit in flagged[0]["reason"]
