"""County-level units (县级单位): recorded in the registry, and opening the tenure rules that the
rule set opens to their staff (大学专科 for 副高级 after 7 years), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from pipeline.context import Context
from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.rules.application import run_checks
from pipeline.services.unit_records import validate
from pipeline.services.units import import_units, list_units
from pipeline.stages.check import load_facts
from pipeline.storage.db.models import Application
from tests.helpers import seed_application

COUNTY = make_uscc("12430121MB1000001")   # 长沙县人民医院
CITY = make_uscc("12430100MB1000002")     # 长沙市第三医院
DECLARED = make_uscc("12430200MB1000003")  # 株洲市…, declared county-level in the file


@pytest.mark.parametrize("raw, expected", [
    ({"region": "长沙县"}, True),
    ({"region": "城步苗族自治县"}, True),
    ({"region": "雨花区"}, False),
    ({"region": "长沙市本级"}, False),
    ({"region": "醴陵市", "county_level": "是"}, True),
    ({"region": "长沙县", "county_level": "否"}, False),
])
def test_county_level_is_read_from_the_file_or_the_region(raw: dict, expected: bool) -> None:
    data, errors = validate({"code": COUNTY, "name": "某单位", "kind": "事业单位", **raw}, "")
    assert errors == [] and data is not None and data.county_level is expected


def test_a_bad_county_level_value_is_refused_with_the_reason() -> None:
    data, errors = validate({"code": COUNTY, "name": "某单位", "county_level": "也许"}, "第2行：")
    assert data is None and "县级单位“也许”无效" in errors[0]


def roster(unit_code: str) -> dict[str, object]:
    """A 大学专科 engineer applying for 副高级, 8 years after 中级."""
    return {"name": "张伟", "id_number": make_id_number("43012119850307123"), "gender": "男",
            "phone": "13807310001", "unit_code": unit_code, "year": "2026", "series": "工程",
            "specialty": "道路与桥梁", "level": "副高级", "title_name": "高级工程师",
            "current_title": "工程师", "current_title_date": "2018-07-01", "education": "大学专科",
            "graduation_date": "2008-07-01", "work_start_date": "2008-07-15", "ce_hours": "96",
            "ce_public_hours": "32", "ce_professional_hours": "64", "path": "正常",
            "offline_review": "通过"}


def test_junior_college_staff_of_a_county_unit_meet_the_tenure_rule(ctx: Context) -> None:
    report = import_units(ctx, [
        (2, {"code": COUNTY, "name": "长沙县人民医院", "region": "长沙县", "kind": "事业单位",
             "status": "已审核"}),
        (3, {"code": CITY, "name": "长沙市第三医院", "region": "长沙市本级", "kind": "事业单位",
             "status": "已审核"}),
    ])
    assert not report.problems
    assert {u["code"]: u["county_level"] for u in list_units(ctx)} == {COUNTY: True, CITY: False}
    found = {}
    for unit in (COUNTY, CITY):
        app_id = seed_application(ctx, unit, state="extracted")
        with ctx.db.uow() as s:
            s.get(Application, app_id).roster = {"raw": roster(unit)}
            s.commit()
        facts, _ = load_facts(ctx, app_id)
        assert facts.unit is not None and facts.unit.county_level is (unit == COUNTY)
        found[unit] = [f for f in run_checks(facts, ctx.rules.for_year, ctx.today())
                       if f.rule == "tenure.insufficient"]
    assert found[COUNTY] == []
    [refused] = found[CITY]
    assert "大学专科" in refused.message and "县级单位" in refused.message
