"""One Chinese word for every code people read; Hunan's regions as data; one state writer."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from pipeline.domain.findings import RULES
from pipeline.domain.regions import check_region, counties
from pipeline.domain.vocabulary import (
    CHANGE_LABELS,
    EVENT_LABELS,
    RULE_LABELS,
    cn_date,
    cn_time,
    event_label,
    rule_label,
)

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_rule_code_has_a_chinese_label() -> None:
    assert set(RULES) <= set(RULE_LABELS)
    assert all(CJK.search(label) for label in RULE_LABELS.values())
    assert rule_label("path.relaxed") == "破格/绿色通道申报（需核实）"


def test_every_event_action_written_by_the_code_has_a_label() -> None:
    written = set()
    for path in (ROOT / "pipeline").rglob("*.py"):
        written |= set(re.findall(r'action="([a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert written - set(EVENT_LABELS) == set()
    assert event_label("stage.whatever") == "自动处理"


def test_one_word_for_a_replaced_material() -> None:
    assert CHANGE_LABELS["replaced"] == "替换"


def test_dates_and_times_are_written_the_chinese_way() -> None:
    assert cn_date(date(2026, 12, 3)) == "2026年12月3日"
    assert cn_time(datetime(2026, 12, 2, 16, 3, 33)) == "2026年12月3日 00:03"  # stored UTC, China
    assert cn_date(None) == cn_time(None) == ""


@pytest.mark.parametrize("region", ["省本级", "长沙市本级", "湘西州本级", "雨花区", "长沙市雨花区",
                                    "城步苗族自治县", "津市市"])
def test_hunan_regions_are_accepted(region: str) -> None:
    assert check_region(region) is None


@pytest.mark.parametrize("region, hint", [("雨花", "雨花区"), ("长沙市", "长沙市本级"),
                                          ("海淀区", "不是湖南省的统筹区")])
def test_other_regions_are_refused_with_the_nearest_name(region: str, hint: str) -> None:
    message = check_region(region)
    assert message is not None and hint in message


def test_the_region_list_has_fourteen_cities_and_their_counties() -> None:
    import tomllib

    from pipeline.domain.regions import DATA

    cities = tomllib.loads(DATA.read_text(encoding="utf-8"))["市州"]
    assert len(cities) == 14 and counties() == 122


def test_no_module_but_the_transition_module_writes_an_applications_state() -> None:
    """A grep: `update(Application)…values(…state=…)` only in pipeline/storage/transitions.py."""
    offenders = []
    for folder in ("pipeline", "workers", "intake", "reports", "zhicheng"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for m in re.finditer(r"update\(Application\)", text):
                call = text[m.end():m.end() + 600].split(".values(", 1)
                if len(call) == 2 and re.match(r"[^)]*?\bstate=", call[1]):
                    offenders.append(str(path.relative_to(ROOT)))
    assert set(offenders) == {"pipeline/storage/transitions.py"}, offenders  # found there only
