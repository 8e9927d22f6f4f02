"""The review workflow through the real `zhicheng` command, on SQLite and on PostgreSQL:
unit decisions, a publicity with an objection, its closing, the recommendation, the supervising
unit's and the center's review, the jobs and the scheduler (docs/reference.md §4, §5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.domain.states import State
from tests.cli_support import environment, zhicheng
from tests.e2e.test_cli import assert_clean_failure, in_parallel, one_json_document
from zhicheng.sample import make_batch, sample_units, write_units_file
from zhicheng.sample.units import _DEPT_CODE as DEPT


# About 45 calls of the command, each a new process (~1 s idle, several seconds on a loaded machine).
@pytest.mark.timeout(900)
def test_the_whole_review_chain_through_the_command(database_url: str, tmp_path: Path) -> None:
    env = environment(tmp_path / "var", database_url)

    def run(*args: str):
        return zhicheng(*args, env=env, cwd=tmp_path)

    def ok(*args: str) -> str:
        r = run(*args)
        assert r.code == 0 and "Traceback" not in r.err, r
        return r.out

    ok("units", "import", str(write_units_file(tmp_path / "units.csv", sample_units())))
    sample = make_batch(tmp_path / "in", applicants=6, seed=31, light=True,
                        flaws=["offline_review.not_passed"])
    ok("intake", "import", str(sample.path), "--wait")

    queue = one_json_document(run("review", "list", "--stage", "unit", "--json"))
    assert queue and all(a["state"] == State.UNIT_REVIEW for a in queue)
    times = [a["state_changed_at"] for a in queue]
    assert times == sorted(times)
    by_unit: dict[str, list[dict]] = {}
    for a in queue:
        by_unit.setdefault(a["unit_code"], []).append(a)

    # a return needs an opinion; a decision outside the stage is refused
    first = queue[0]
    assert_clean_failure(run("review", "decide", str(first["id"]), "--decision", "return"))
    assert_clean_failure(run("review", "decide", str(first["id"]), "--decision", "pass",
                             "--stage", "center"))
    passes = in_parallel({a["id"]: ("review", "decide", str(a["id"]), "--decision", "pass",
                                    "--opinion", "材料齐全", "--reviewer", "单位经办人甲")
                          for a in queue}, env, tmp_path)
    assert all(r.code == 0 for r in passes.values()), passes
    assert_clean_failure(run("review", "decide", str(first["id"]), "--decision", "pass"))

    # one publicity per unit, starting on the make-up Saturday of 2026: last day 2026-10-15
    publicities = {}
    for unit in by_unit:
        view = one_json_document(run("publicity", "open", "--unit", unit, "--start", "2026-10-10",
                                     "--days", "5", "--contact", "王老师", "--phone",
                                     "0731-88886666", "--by", "单位王五", "--force", "--reason",
                                     "补登十月已进行的公示", "--json"))
        assert view["end_date"] == "2026-10-15" and view["id"]
        publicities[unit] = view["id"]
    assert_clean_failure(run("publicity", "open", "--unit", DEPT, "--start", "2026-10-10",
                             "--days", "3", "--contact", "王", "--phone", "13800138000"))
    objected = by_unit[next(iter(by_unit))][0]
    pub = publicities[objected["unit_code"]]
    oid = ok("publicity", "object", str(pub), "--applicant", objected["id_number"],
             "--reason", "反映其业绩材料与实际不符", "--today", "2026-10-12").strip()
    ok("publicity", "resolve", oid, "--result", "upheld", "--note", "经核实，异议成立")

    # nothing is due on the last day itself; the day after, every publicity closes once
    assert one_json_document(run("publicity", "close-due", "--today", "2026-10-15", "--json"))["closed"] == []
    closing = one_json_document(run("publicity", "close-due", "--today", "2026-10-16", "--json"))
    assert sorted(closing["closed"]) == sorted(publicities.values())
    assert closing["failed"] == 1 and closing["passed"] == len(queue) - 1  # proposals
    assert one_json_document(run("jobs", "run", "close-publicities", "--today", "2026-10-16",
                                 "--json"))["closed"] == []
    confirmed = in_parallel({p: ("publicity", "confirm", str(p), "--by", "单位王五")  # the units save
                             for p in publicities.values()}, env, tmp_path)
    assert all(r.code == 0 for r in confirmed.values()), confirmed
    shown = one_json_document(run("apps", "show", str(objected["id"]), "--json"))
    assert shown["state"] == State.PUBLICITY_FAILED
    assert any("异议成立" in (e["reason"] or "") for e in shown["events"])
    assert shown["events"][-1]["actor"] == "单位王五"

    # recommendation: building twice gives the same batch
    batches = {}
    for unit in by_unit:
        built = one_json_document(run("recommend", "build", "--unit", unit, "--year", "2026", "--json"))
        again = one_json_document(run("recommend", "build", "--unit", unit, "--year", "2026", "--json"))
        assert again["id"] == built["id"] and again["created"] is False
        batches[unit] = built

    supervised = one_json_document(run("review", "list", "--stage", "supervisor", "--unit", DEPT, "--json"))
    passes = in_parallel({a["id"]: ("review", "decide", str(a["id"]), "--decision", "pass",
                                    "--unit", DEPT, "--reviewer", "主管单位审核人")
                          for a in supervised}, env, tmp_path)
    assert all(r.code == 0 for r in passes.values()), passes

    center = one_json_document(run("review", "list", "--stage", "center", "--json"))
    assert len(center) == len(queue) - 1
    # the center's window records its own offline review (here: what each unit declared)
    shows = in_parallel({a["id"]: ("apps", "show", str(a["id"]), "--json") for a in center},
                        env, tmp_path)
    declared = {i: one_json_document(r) for i, r in shows.items()}
    window = tmp_path / "线下审查结果.csv"
    window.write_text("身份证号,姓名,结果\n" + "".join(
        f"{d['id_number']},{d['name']},{d['offline_review']}\n" for d in declared.values()),
        encoding="utf-8")
    ok("review", "offline", "--file", str(window), "--by", "中心窗口")
    decided = in_parallel({a["id"]: ("review", "decide", str(a["id"]), "--decision", "pass",
                                     "--reviewer", "中心审核人") for a in center}, env, tmp_path)
    for a in center:
        r = decided[a["id"]]
        if declared[a["id"]]["offline_review"] == "未通过":
            assert r.code == 3 and "--decision reject" in r.err and "Traceback" not in r.err, r
            assert one_json_document(run("apps", "show", str(a["id"]), "--json"))["state"] == \
                State.CENTER_REVIEW  # the refusal changed nothing
            ok("review", "decide", str(a["id"]), "--decision", "reject", "--opinion",
               "线下形式审查未通过", "--by", "中心审核人")
        else:
            assert r.code == 0, r
    states = [a["state"] for a in one_json_document(run("apps", "list", "--json"))]
    assert states.count(State.REJECTED) == 1 and states.count(State.PUBLICITY_FAILED) == 1
    assert states.count(State.CENTER_PASSED) == len(queue) - 2

    # the reports of the chain: a recommendation batch's roster and the zip of its packets
    # (written by a pool of worker processes started from `python -m zhicheng`)
    biggest = max(batches.values(), key=lambda b: b["count"])
    files = one_json_document(run("report", "batch", str(biggest["id"]), "--out",
                                  str(tmp_path / "reports"), "--json"))["files"]
    import zipfile

    archive = next(f for f in files if f.endswith(".zip"))
    with zipfile.ZipFile(archive) as zf:
        packets = [n for n in zf.namelist() if n.startswith("审核包/") and n.endswith(".pdf")]
    assert len(packets) == biggest["count"]
    listed = one_json_document(run("report", "packet", *[str(a["id"]) for a in queue[:3]],
                                   "--out", str(tmp_path / "packets"), "--json"))["files"]
    assert len([f for f in listed if f.endswith(".pdf")]) == 3

    # the periodic jobs: by hand, by the scheduler (twice does no harm), and their last runs
    ok("scheduler", "--once")
    ok("scheduler", "--once")
    runs = one_json_document(run("jobs", "list", "--json"))
    assert {r["job"] for r in runs} == {"close-publicities", "build-recommendations", "recover-stuck"}
    assert all(r["ok"] for r in runs)
    assert json.loads(ok("jobs", "run", "recover-stuck", "--json")) == {"resent": [], "failed": []}
