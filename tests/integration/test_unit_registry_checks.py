"""Registry checks on SQLite and PostgreSQL: Hunan's regions, registered supervisors, contacts,
the reason of a refusal, and an unapproved superior that stops work going upward."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pipeline.context import Context
from pipeline.domain.identity import make_uscc
from pipeline.domain.states import State
from pipeline.services import recommend
from pipeline.services.errors import WorkflowError
from pipeline.services.unit_records import validate
from pipeline.services.units import UnitError, import_units, link, list_units, refuse, register
from pipeline.storage.db.models import Application, Event
from tests.helpers import register_sample_units, seed_application
from zhicheng.sample.units import _DEPT_CODE as DEPT
from zhicheng.sample.units import _PENDING_CODE as PENDING
from zhicheng.sample.units import _PRIVATE_CODE as PRIVATE

NEW = make_uscc("91430100MA4L00061")
GHOST = make_uscc("91430100MA4L00062")
OTHER = make_uscc("91430100MA4L00063")


def test_a_region_outside_hunan_is_refused_with_the_nearest_name() -> None:
    data, errors = validate({"code": NEW, "name": "某公司", "region": "雨花"}, "第2行：")
    assert data is None and errors == ["第2行：统筹区“雨花”不是湖南省的统筹区，是否为“雨花区”？"]
    data, errors = validate({"code": NEW, "name": "某公司", "region": "湘西州本级",
                             "contact_name": "周经办", "contact_phone": "13807310000",
                             "business_category": "职称申报"}, "")
    assert errors == [] and data is not None and data.contact_name == "周经办"


def test_a_supervisor_must_be_registered(ctx: Context) -> None:
    register_sample_units(ctx)
    data, _ = validate({"code": NEW, "name": "某公司", "approver": "主管单位",
                        "supervisor_code": GHOST}, "")
    assert data is not None
    with pytest.raises(UnitError, match=f"主管单位{GHOST}尚未注册"):
        register(ctx, data)
    report = import_units(ctx, [
        (2, {"code": NEW, "name": "某公司", "approver": "主管单位", "supervisor_code": GHOST}),
        (3, {"code": OTHER, "name": "另一公司", "approver": "主管单位", "supervisor_code": DEPT,
             "contact_name": "钱经办", "contact_phone": "0731-84561234"}),
    ])
    assert report.created == [OTHER]
    assert [p.code for p in report.problems] == ["unit.supervisor_unknown"]
    units = {u["code"]: u for u in list_units(ctx)}
    assert NEW not in units and units[OTHER]["contact_phone"] == "0731-84561234"


def test_a_refusal_keeps_its_reason(ctx: Context) -> None:
    register_sample_units(ctx)
    with pytest.raises(UnitError, match="原因"):
        refuse(ctx, PENDING, " ", by="中心赵六")
    refuse(ctx, PENDING, "营业执照扫描件不清晰", by="中心赵六")
    unit = next(u for u in list_units(ctx) if u["code"] == PENDING)
    assert (unit["status"], unit["refusal_reason"]) == ("未通过", "营业执照扫描件不清晰")
    with ctx.db.uow() as s:
        last = s.scalars(select(Event).where(Event.subject_id == PENDING)
                         .order_by(Event.id.desc())).first()
        assert last is not None and (last.action, last.actor) == ("unit.refused", "中心赵六")


def test_work_does_not_go_up_to_an_unapproved_superior(ctx: Context) -> None:
    register_sample_units(ctx)
    link(ctx, PRIVATE, PENDING)
    from pipeline.storage.db.models import Publicity, PublicityEntry

    app_id = seed_application(ctx, PRIVATE, state="publicity_passed")
    with ctx.db.uow() as s:
        pub = Publicity(unit_code=PRIVATE, contact="王", phone="13800138000",
                        start_date=ctx.today(), days=5, end_date=ctx.today(), state="closed",
                        created_at=ctx.clock.now(), closed_at=ctx.clock.now())
        s.add(pub)
        s.flush()
        s.add(PublicityEntry(publicity_id=pub.id, application_id=app_id, result="passed"))
        s.commit()
    with pytest.raises(WorkflowError, match="尚未审核通过"):
        recommend.build(ctx, PRIVATE, 2026, by="单位王五")
    with ctx.db.uow() as s:
        assert s.scalar(select(Application.state).where(Application.id == app_id)) == \
            State.PUBLICITY_PASSED
