"""A returned application, corrected and imported again, runs the automatic stages again and
says what changed since the return (on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from pathlib import Path

from PIL import Image

from pipeline.domain.states import State
from pipeline.services import queries, review
from tests.helpers import register_sample_units
from zhicheng.app import import_batch
from zhicheng.sample import make_batch


def test_a_corrected_resubmission_replaces_what_changed_and_says_so(runtime, tmp_path: Path) -> None:
    register_sample_units(runtime.ctx)
    sample = make_batch(tmp_path / "in", applicants=3, seed=41, light=True, flaws=False,
                        roster_format="csv")
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    app = queries.list_applications(runtime.ctx, batch=batch_id, state=State.UNIT_REVIEW)[0]
    review.decide(runtime.ctx, app["id"], "return", "学历证书模糊，手机号码有误", reviewer="单位经办人")

    folder = next(p for p in Path(sample.path).iterdir() if p.is_dir() and app["id_number"] in p.name)
    diploma = next(p for p in folder.iterdir() if p.name.startswith("学历证书"))
    with Image.open(diploma) as img:  # a new scan of the same certificate: other bytes
        img.convert("RGB").rotate(0.5, expand=True, fillcolor="white").save(diploma, "JPEG", quality=90)
    roster = Path(sample.path) / "roster.csv"
    with roster.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    phone_col = rows[0].index("手机号码")
    for row in rows[1:]:
        if app["id_number"] in row:
            old_phone, row[phone_col] = row[phone_col], "13912345678"
    with roster.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)

    again = import_batch(runtime, sample.path, wait=True, timeout=120)
    receipt = queries.batch_receipt(runtime.ctx, again)
    assert receipt["resubmitted"] == [app["id"]] and receipt["created"] == []
    shown = queries.show_application(runtime.ctx, app["id"])
    assert shown["state"] == State.UNIT_REVIEW                      # through every stage again
    changes = shown["changes"]
    assert changes["after"] == State.RETURNED
    assert [(m["kind"], m["change"]) for m in changes["materials"]] == [("学历证书", "replaced")]
    assert changes["fields"] == [{"field": "phone", "label": "手机号码", "before": old_phone,
                                  "after": "13912345678"}]
    resubmitted = next(e for e in shown["events"] if e["action"] == "resubmitted")
    assert "替换学历证书" in resubmitted["reason"] and "手机号码由" in resubmitted["reason"]
    assert [r["decision"] for r in shown["reviews"]] == ["return"]  # the history stays
    # the other applications of the batch were not touched
    others = [a for a in queries.list_applications(runtime.ctx, batch=again) if a["id"] != app["id"]]
    assert all(queries.show_application(runtime.ctx, a["id"])["changes"] is None for a in others)
