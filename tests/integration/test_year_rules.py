"""The year's rules run in the check stage, from the rule-set file, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.domain.states import State
from pipeline.rules.book import RuleBook
from pipeline.rules.ruleset import RuleSetError, default_ruleset_path
from pipeline.services import queries
from tests.helpers import register_sample_units, rules_of
from zhicheng.app import import_batch
from zhicheng.sample import make_batch

YEAR_FLAWS = ["ce_hours.insufficient", "tenure.insufficient", "report.too_short"]


def test_the_year_rules_find_what_the_sample_breaks(runtime, tmp_path: Path) -> None:
    register_sample_units(runtime.ctx)
    sample = make_batch(tmp_path / "in", applicants=6, seed=31, light=True, flaws=YEAR_FLAWS)
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    apps = {a["id_number"]: a for a in queries.list_applications(runtime.ctx, batch=batch_id)}
    for id_number, expected in sample.expected.items():
        found = rules_of(apps[id_number])
        assert set(expected) <= found, (expected, apps[id_number]["findings"])
        if expected:
            assert apps[id_number]["state"] == State.RETURNED
    too_short = next(a for i, a in apps.items() if "report.too_short" in sample.expected[i])
    [finding] = [f for f in too_short["findings"] if f["rule"] == "report.too_short"]
    assert "述职报告" in finding["message"] and "3000" in finding["message"].replace(",", "")


def test_an_application_year_without_rules_is_flagged_for_the_reviewer(runtime, tmp_path: Path) -> None:
    register_sample_units(runtime.ctx)
    sample = make_batch(tmp_path / "in", applicants=2, seed=32, light=True, flaws=False, year=2031)
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    for app in queries.list_applications(runtime.ctx, batch=batch_id):
        [f] = [f for f in app["findings"] if f["rule"] == "rules.unavailable"]
        assert "2031" in f["message"] and f["severity"] == "warn"


def test_a_malformed_rule_file_is_refused_at_start_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "2026.toml"
    lines = default_ruleset_path(2026).read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("min_working_days"))
    lines[at] = "min_working_days = \"五\""
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RuleSetError) as error:
        RuleBook(broken)
    assert f"第{at + 1}行" in str(error.value) or f"line {at + 1}" in str(error.value)
    run = subprocess.run([sys.executable, "-m", "zhicheng", "--rules", str(broken), "status"],
                         capture_output=True, text=True,
                         env={"ZHICHENG_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 5 and "Traceback" not in run.stderr  # a configuration error
    assert str(at + 1) in run.stderr
