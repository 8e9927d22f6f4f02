"""The unit registry (docs/reference.md §1b) at the service level, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from intake.units_file import read_units_file
from pipeline.context import Context
from pipeline.domain.identity import make_uscc
from pipeline.services.unit_records import UnitData
from pipeline.services.units import (
    UnitError,
    import_units,
    link,
    list_units,
    register,
    set_status,
)
from pipeline.storage.db.models import Event, Unit

HEADERS = ["统一社会信用代码", "单位名称", "统筹区", "单位性质", "审核单位",
           "主管单位统一社会信用代码", "上级单位统一社会信用代码", "注册状态"]
ALIASES = ["code", "name", "region", "kind", "approver", "supervisor_code", "parent_code", "status"]


def code(n: int) -> str:
    """A valid unit code (GB 32100 check character), different for each n."""
    return make_uscc(f"12430100MB1{n:06d}")


CENTER_HOSPITAL = code(1)   # a supervising unit, reviewed by the center
CLINIC = code(2)            # under the hospital
LAB = code(3)               # under the clinic


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A CSV as Excel writes it with "CSV UTF-8": a BOM first."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def import_file(ctx: Context, path: Path):
    rows, problems = read_units_file(path)
    assert problems == []
    return import_units(ctx, rows)


def unit_row(c: str, name: str, parent: str = "", status: str = "已审核",
             region: str = "长沙市本级", kind: str = "事业单位") -> list[str]:
    return [c, name, region, kind, "主管机构", "", parent, status]


def events_of(ctx: Context, unit_code: str) -> list[tuple[str, str | None]]:
    with ctx.db.uow() as s:
        return [(e.action, e.reason) for e in s.scalars(
            select(Event).where(Event.subject == "unit", Event.subject_id == unit_code)
            .order_by(Event.id))]


def stored(ctx: Context, unit_code: str) -> dict[str, object] | None:
    """The unit's row as stored, read straight from the table (None when absent)."""
    with ctx.db.uow() as s:
        unit = s.get(Unit, unit_code)
        if unit is None:
            return None
        return {c.name: getattr(unit, c.name) for c in Unit.__table__.columns}


def by_code(ctx: Context) -> dict[str, dict[str, object]]:
    return {u["code"]: u for u in list_units(ctx)}


# --- importing files -----------------------------------------------------------------------------

def test_units_are_imported_from_a_utf8_csv_with_a_bom(ctx: Context, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(CENTER_HOSPITAL, "湖南省人民医院", region="省本级"),
        unit_row(CLINIC, "湖南省人民医院马王堆院区", parent=CENTER_HOSPITAL, status="待审核"),
    ])
    report = import_file(ctx, path)
    assert report.created == [CENTER_HOSPITAL, CLINIC]
    assert report.updated == [] and report.problems == []
    units = by_code(ctx)
    assert units[CENTER_HOSPITAL] == {**units[CENTER_HOSPITAL], "code": CENTER_HOSPITAL,
                                      "name": "湖南省人民医院", "region": "省本级", "kind": "事业单位",
                                      "status": "已审核", "parent_code": None}
    assert units[CLINIC]["parent_code"] == CENTER_HOSPITAL
    assert units[CLINIC]["status"] == "待审核"


def test_units_are_imported_from_an_xlsx_workbook(ctx: Context, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "单位.xlsx", HEADERS, [
        [CENTER_HOSPITAL, "湖南省人民医院", "省本级", "事业单位", "主管机构", None, None, "已审核"],
        [CLINIC, "长沙市雨花区卫生院", "雨花区", "事业单位", "主管单位", CENTER_HOSPITAL,
         CENTER_HOSPITAL, None],
    ])
    report = import_file(ctx, path)
    assert report.created == [CENTER_HOSPITAL, CLINIC] and report.problems == []
    clinic = stored(ctx, CLINIC)
    assert clinic is not None
    assert (clinic["name"], clinic["region"], clinic["approver"], clinic["supervisor_code"],
            clinic["parent_code"], clinic["status"]) == (
        "长沙市雨花区卫生院", "雨花区", "主管单位", CENTER_HOSPITAL, CENTER_HOSPITAL, "待审核")


def test_the_english_aliases_are_accepted_as_headers_in_any_order(ctx: Context, tmp_path: Path) -> None:
    header = ["status", "parent_code", "name", "code", "kind", "region", "备注"]
    path = write_csv(tmp_path / "units.csv", header, [
        ["已审核", "", "湖南建工集团", CENTER_HOSPITAL, "国有企业", "省本级", "unknown columns are ignored"],
        ["未通过", CENTER_HOSPITAL, "湖南建工一公司", CLINIC, "国有企业", "长沙市本级", ""],
    ])
    report = import_file(ctx, path)
    assert report.created == [CENTER_HOSPITAL, CLINIC] and report.problems == []
    units = by_code(ctx)
    assert (units[CLINIC]["name"], units[CLINIC]["kind"], units[CLINIC]["status"],
            units[CLINIC]["parent_code"]) == ("湖南建工一公司", "国有企业", "未通过", CENTER_HOSPITAL)


def test_a_row_with_a_bad_unit_code_is_refused_and_the_others_imported(
        ctx: Context, tmp_path: Path) -> None:
    good = code(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    path = write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(CENTER_HOSPITAL, "湖南省人民医院"),
        unit_row(bad, "校验位写错的单位"),
        unit_row(CLINIC, "长沙市第一医院"),
    ])
    report = import_file(ctx, path)
    assert report.created == [CENTER_HOSPITAL, CLINIC]
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.code == "unit.invalid"
    assert problem.message.startswith("第3行：")  # the header is line 1
    assert bad in problem.message and "校验位错误" in problem.message
    assert problem.path == "第3行"
    assert stored(ctx, bad) is None
    assert set(by_code(ctx)) == {CENTER_HOSPITAL, CLINIC}


def test_importing_the_same_file_again_updates_instead_of_duplicating(
        ctx: Context, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "单位.csv", HEADERS, [unit_row(CENTER_HOSPITAL, "湖南省人民医院")])
    import_file(ctx, path)
    write_csv(path, HEADERS, [unit_row(CENTER_HOSPITAL, "湖南省人民医院（更名）")])
    report = import_file(ctx, path)
    assert report.created == [] and report.updated == [CENTER_HOSPITAL]
    assert [u["name"] for u in list_units(ctx)] == ["湖南省人民医院（更名）"]
    assert [a for a, _ in events_of(ctx, CENTER_HOSPITAL)] == ["unit.registered", "unit.updated"]


# --- loops and unknown parents -------------------------------------------------------------------

def test_a_two_unit_loop_in_a_file_is_refused_with_the_chain_named(ctx: Context, tmp_path: Path) -> None:
    a, b = code(11), code(12)
    path = write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(a, "甲单位", parent=b), unit_row(b, "乙单位", parent=a),
        unit_row(CENTER_HOSPITAL, "湖南省人民医院"),
    ])
    report = import_file(ctx, path)
    assert report.created == [CENTER_HOSPITAL]
    loops = {p.path: p.message for p in report.problems if p.code == "unit.loop"}
    assert set(loops) == {a, b}
    assert f"{a} → {b} → {a}" in loops[a]
    assert f"{b} → {a} → {b}" in loops[b]
    assert "循环" in loops[a]
    assert stored(ctx, a) is None and stored(ctx, b) is None
    assert events_of(ctx, a) == [] and events_of(ctx, b) == []


def test_a_three_unit_loop_in_a_file_is_refused_with_the_chain_named(
        ctx: Context, tmp_path: Path) -> None:
    a, b, c = code(21), code(22), code(23)
    path = write_xlsx(tmp_path / "单位.xlsx", HEADERS, [
        unit_row(a, "甲单位", parent=b), unit_row(b, "乙单位", parent=c),
        unit_row(c, "丙单位", parent=a),
    ])
    report = import_file(ctx, path)
    assert report.created == [] and report.updated == []
    loops = {p.path: p.message for p in report.problems if p.code == "unit.loop"}
    assert set(loops) == {a, b, c}
    assert f"{a} → {b} → {c} → {a}" in loops[a]
    assert f"{c} → {a} → {b} → {c}" in loops[c]
    assert list_units(ctx) == []


def test_a_file_row_that_closes_a_loop_with_registered_units_is_refused(
        ctx: Context, tmp_path: Path) -> None:
    a, b = code(31), code(32)
    import_file(ctx, write_csv(tmp_path / "1.csv", HEADERS, [
        unit_row(b, "乙单位"), unit_row(a, "甲单位", parent=b)]))
    report = import_file(ctx, write_csv(tmp_path / "2.csv", HEADERS, [
        unit_row(b, "乙单位", parent=a)]))
    assert report.created == [] and report.updated == []
    assert [p.code for p in report.problems] == ["unit.loop"]
    assert f"{b} → {a} → {b}" in report.problems[0].message
    assert by_code(ctx)[b]["parent_code"] is None


def test_a_parent_that_is_not_registered_is_reported_and_the_unit_kept(
        ctx: Context, tmp_path: Path) -> None:
    ghost = code(99)
    report = import_file(ctx, write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(CLINIC, "长沙市第一医院", parent=ghost)]))
    assert report.created == [CLINIC]
    assert [p.code for p in report.problems] == ["unit.parent_unknown"]
    assert ghost in report.problems[0].message and "尚未注册" in report.problems[0].message
    assert report.problems[0].path == CLINIC
    assert by_code(ctx)[CLINIC]["parent_code"] == ghost  # kept as given, never silently dropped


def test_a_parent_refused_in_the_same_file_counts_as_not_registered(
        ctx: Context, tmp_path: Path) -> None:
    """A unit whose parent's row was refused (a loop) has a parent that is not registered."""
    a, b, child = code(41), code(42), code(43)
    report = import_file(ctx, write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(a, "甲单位", parent=b), unit_row(b, "乙单位", parent=a),
        unit_row(child, "丁单位", parent=a),
    ]))
    assert stored(ctx, a) is None
    unknown = [p for p in report.problems if p.code == "unit.parent_unknown"]
    assert [p.path for p in unknown] == [child]
    assert a in unknown[0].message


def test_a_parent_listed_later_in_the_same_file_is_not_reported(ctx: Context, tmp_path: Path) -> None:
    report = import_file(ctx, write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(LAB, "检验科", parent=CLINIC), unit_row(CLINIC, "分院", parent=CENTER_HOSPITAL),
        unit_row(CENTER_HOSPITAL, "总院"),
    ]))
    assert report.problems == []
    assert report.created == [LAB, CLINIC, CENTER_HOSPITAL]


# --- register, approve, link ---------------------------------------------------------------------

def test_registering_a_new_unit_stores_it_pending_and_logs_it(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "湖南省人民医院", "省本级", "事业单位"), actor="经办人张三")
    assert by_code(ctx)[CENTER_HOSPITAL]["status"] == "待审核"
    with ctx.db.uow() as s:
        event = s.scalars(select(Event).where(Event.subject_id == CENTER_HOSPITAL)).one()
        assert (event.subject, event.action, event.actor, event.application_id) == (
            "unit", "unit.registered", "经办人张三", None)


def test_register_refuses_a_code_that_is_already_taken(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "湖南省人民医院"))
    with pytest.raises(UnitError) as caught:
        register(ctx, UnitData(CENTER_HOSPITAL, "另一个单位"))
    assert str(caught.value) == f"单位{CENTER_HOSPITAL}已注册"
    assert [u["name"] for u in list_units(ctx)] == ["湖南省人民医院"]
    assert len(events_of(ctx, CENTER_HOSPITAL)) == 1


def test_register_refuses_a_parent_that_is_not_registered(ctx: Context) -> None:
    with pytest.raises(UnitError, match=f"上级单位{CENTER_HOSPITAL}尚未注册"):
        register(ctx, UnitData(CLINIC, "分院", parent_code=CENTER_HOSPITAL))
    assert list_units(ctx) == []


def test_set_status_approves_a_unit_and_logs_the_change(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "湖南省人民医院"))
    set_status(ctx, CENTER_HOSPITAL.lower())  # as typed by a person: case does not matter
    assert by_code(ctx)[CENTER_HOSPITAL]["status"] == "已审核"
    assert events_of(ctx, CENTER_HOSPITAL)[-1] == ("unit.status", "待审核 → 已审核")


def test_set_status_can_refuse_a_registration(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "湖南省人民医院"))
    set_status(ctx, CENTER_HOSPITAL, "未通过")
    assert by_code(ctx)[CENTER_HOSPITAL]["status"] == "未通过"


def test_set_status_of_an_unknown_unit_is_refused_in_chinese(ctx: Context) -> None:
    with pytest.raises(UnitError) as caught:
        set_status(ctx, CENTER_HOSPITAL)
    assert str(caught.value) == f"单位{CENTER_HOSPITAL}未注册"


def test_set_status_refuses_a_status_outside_the_contract(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "湖南省人民医院"))
    with pytest.raises(UnitError, match="注册状态“通过”无效"):
        set_status(ctx, CENTER_HOSPITAL, "通过")
    assert by_code(ctx)[CENTER_HOSPITAL]["status"] == "待审核"


def _three_units(ctx: Context) -> None:
    """The hospital under the center, the clinic under the hospital, the lab under the clinic."""
    register(ctx, UnitData(CENTER_HOSPITAL, "总院"))
    register(ctx, UnitData(CLINIC, "分院", parent_code=CENTER_HOSPITAL))
    register(ctx, UnitData(LAB, "检验科", parent_code=CLINIC))


def test_link_sets_a_units_superior_and_logs_it(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "总院"))
    register(ctx, UnitData(CLINIC, "分院"))
    link(ctx, CLINIC, CENTER_HOSPITAL.lower())
    assert by_code(ctx)[CLINIC]["parent_code"] == CENTER_HOSPITAL
    assert events_of(ctx, CLINIC)[-1] == ("unit.link", f"上级单位：{CENTER_HOSPITAL}")


def test_link_to_none_makes_the_center_the_superior(ctx: Context) -> None:
    _three_units(ctx)
    link(ctx, LAB, None)
    assert by_code(ctx)[LAB]["parent_code"] is None
    assert events_of(ctx, LAB)[-1] == ("unit.link", "上级单位：中心")


def test_link_refuses_a_two_unit_loop_with_the_chain_in_the_message(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "总院"))
    register(ctx, UnitData(CLINIC, "分院", parent_code=CENTER_HOSPITAL))
    before = events_of(ctx, CENTER_HOSPITAL)
    with pytest.raises(UnitError) as caught:
        link(ctx, CENTER_HOSPITAL, CLINIC)
    message = str(caught.value)
    assert f"{CENTER_HOSPITAL} → {CLINIC} → {CENTER_HOSPITAL}" in message
    assert "循环" in message
    assert by_code(ctx)[CENTER_HOSPITAL]["parent_code"] is None
    assert events_of(ctx, CENTER_HOSPITAL) == before  # a refused change leaves no event


def test_link_refuses_a_three_unit_loop_with_the_chain_in_the_message(ctx: Context) -> None:
    _three_units(ctx)
    with pytest.raises(UnitError) as caught:
        link(ctx, CENTER_HOSPITAL, LAB)
    assert f"{CENTER_HOSPITAL} → {LAB} → {CLINIC} → {CENTER_HOSPITAL}" in str(caught.value)
    assert by_code(ctx)[CENTER_HOSPITAL]["parent_code"] is None


def test_link_refuses_a_unit_as_its_own_superior(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "总院"))
    with pytest.raises(UnitError, match="上级单位不能是本单位"):
        link(ctx, CENTER_HOSPITAL, CENTER_HOSPITAL)


def test_link_refuses_a_superior_that_is_not_registered(ctx: Context) -> None:
    register(ctx, UnitData(CLINIC, "分院"))
    with pytest.raises(UnitError, match=f"上级单位{LAB}尚未注册"):
        link(ctx, CLINIC, LAB)
    assert by_code(ctx)[CLINIC]["parent_code"] is None


def test_link_of_an_unknown_unit_is_refused(ctx: Context) -> None:
    register(ctx, UnitData(CENTER_HOSPITAL, "总院"))
    with pytest.raises(UnitError, match=f"单位{CLINIC}未注册"):
        link(ctx, CLINIC, CENTER_HOSPITAL)


def test_a_chain_several_units_deep_without_a_loop_is_accepted(ctx: Context) -> None:
    _three_units(ctx)
    other = code(50)
    register(ctx, UnitData(other, "另一家医院"))
    link(ctx, CENTER_HOSPITAL, other)  # the whole chain now ends at another unit, no loop
    assert by_code(ctx)[CENTER_HOSPITAL]["parent_code"] == other


# --- the log and the listing ---------------------------------------------------------------------

def test_every_change_to_the_registry_writes_an_event(ctx: Context, tmp_path: Path) -> None:
    import_file(ctx, write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(CENTER_HOSPITAL, "总院"), unit_row(CLINIC, "分院", status="待审核")]))
    register(ctx, UnitData(LAB, "检验科"))
    set_status(ctx, CLINIC)
    link(ctx, LAB, CLINIC)
    link(ctx, LAB, None)
    import_file(ctx, write_csv(tmp_path / "单位.csv", HEADERS, [unit_row(CENTER_HOSPITAL, "总院本部")]))
    assert [a for a, _ in events_of(ctx, CENTER_HOSPITAL)] == ["unit.registered", "unit.updated"]
    assert [a for a, _ in events_of(ctx, CLINIC)] == ["unit.registered", "unit.status"]
    assert [a for a, _ in events_of(ctx, LAB)] == ["unit.registered", "unit.link", "unit.link"]
    with ctx.db.uow() as s:
        events = list(s.scalars(select(Event).where(Event.subject == "unit")))
        assert len(events) == 7
        assert all(e.created_at == ctx.clock.now() and e.actor for e in events)


def test_list_units_gives_the_contract_keys_for_each_unit_ordered_by_code(
        ctx: Context, tmp_path: Path) -> None:
    import_file(ctx, write_csv(tmp_path / "单位.csv", HEADERS, [
        unit_row(CLINIC, "分院", parent=CENTER_HOSPITAL, status="待审核", region="雨花区"),
        unit_row(CENTER_HOSPITAL, "总院", kind="国有企业"),
    ]))
    units = list_units(ctx)
    contract = {"code", "name", "region", "kind", "status", "parent_code"}
    assert all(contract <= set(u) for u in units)
    assert [{k: u[k] for k in contract} for u in units] == [
        {"code": CENTER_HOSPITAL, "name": "总院", "region": "长沙市本级", "kind": "国有企业",
         "status": "已审核", "parent_code": None},
        {"code": CLINIC, "name": "分院", "region": "雨花区", "kind": "事业单位",
         "status": "待审核", "parent_code": CENTER_HOSPITAL},
    ]


def test_an_empty_registry_lists_nothing(ctx: Context) -> None:
    assert list_units(ctx) == []
