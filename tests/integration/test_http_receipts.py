"""The HTTP receipt lists every applicant; another unit's duplicate stays the center's business."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from pipeline.services import recheck
from pipeline.storage.db.models import Application
from tests.http_support import DESIGN, RESEARCH, issue_tokens, live_server, materials, person, setup_units
from zhicheng.app import drain


@pytest.fixture
def api(runtime: Any) -> Iterator[SimpleNamespace]:
    setup_units(runtime.ctx)
    tokens = issue_tokens(runtime.ctx)
    with live_server(runtime) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield SimpleNamespace(tokens=tokens, client=client, runtime=runtime)


def _send(api: SimpleNamespace, who: str, fields: dict[str, str]) -> httpx.Response:
    parts = [("files", (name, data)) for name, data in materials(1).items()]
    return api.client.post("/api/v1/applications", data=fields, files=parts,
                           headers={"Authorization": f"Bearer {api.tokens[who]}"})


def test_the_upload_answer_lists_the_applicant_and_a_duplicate_shows_no_other_unit(
        api: SimpleNamespace) -> None:
    first = _send(api, DESIGN, person(1, DESIGN) | {"申报资格名称": "高级工程师", "申报级别": "副高级",
                                                    "学历层次": "本科"})
    assert first.status_code == 201, first.text
    body = first.json()
    assert [p["code"] for p in body["problems"]] == ["roster.unknown_column"]
    assert "“学历层次”，是否应为“最高学历”" in body["problems"][0]["message"]
    assert [a["name"] for a in body["applicants"]] == ["测试1"]
    assert set(body["applicants"][0]) >= {"id", "name", "id_number", "state", "state_label", "messages"}

    later = _send(api, RESEARCH, person(1, RESEARCH) | {"手机号码": "13800000002"})
    assert later.status_code == 201, later.text
    drain(api.runtime)
    app_id = later.json()["applicants"][0]["id"]
    # Both lack materials and may be checked in either order; to check the later one against a
    # first one that stands (as it does once in review), the first is put in review and the later
    # one re-checked.
    with api.runtime.ctx.db.uow() as s:
        s.execute(update(Application).where(Application.id == body["applicants"][0]["id"])
                  .values(state="unit_review"))
        s.commit()
    assert recheck.start_recheck(api.runtime.ctx, [app_id], api.runtime.queue.start).started == [app_id]
    drain(api.runtime)
    receipt = api.client.get(f"/api/v1/batches/{later.json()['id']}",
                             headers={"Authorization": f"Bearer {api.tokens[RESEARCH]}"}).json()
    assert receipt["applicants"][0]["state"] != "returned" or not any(
        "其他单位" in m for m in receipt["applicants"][0]["messages"])
    seen = api.client.get(f"/api/v1/applications/{app_id}",
                          headers={"Authorization": f"Bearer {api.tokens[RESEARCH]}"}).json()
    dup = [f for f in seen["findings"] if f["rule"] == "application.duplicate"]
    assert len(dup) == 1 and dup[0]["severity"] == "warn"
    assert DESIGN not in str(seen) and "高级工程师" not in str(seen)
    center = api.client.get(f"/api/v1/applications/{app_id}",
                            headers={"Authorization": f"Bearer {api.tokens['center']}"}).json()
    flagged = [e for e in center["events"] if e["action"] == "duplicate.flagged"]
    assert len(flagged) == 1 and DESIGN in flagged[0]["reason"]
