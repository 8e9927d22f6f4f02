"""Routing is a pure function of the findings: any block returns the application, else unit review."""

from __future__ import annotations

import re

import pytest

from pipeline.domain.findings import RULES, Finding, Severity, route
from pipeline.domain.states import State

# The minimum rule set of docs/reference.md §3, copied here so that a rename in code fails this test.
CONTRACT_RULES = [
    "roster.invalid", "id_number.invalid", "phone.invalid", "gender.mismatch",
    "unit.unregistered", "unit.not_approved", "material.missing", "material.unknown_name",
    "material.bad_type", "material.too_large", "material.unreadable", "material.wrong_form",
    "material.duplicate", "ocr.unreadable", "ocr.name_mismatch", "ocr.id_mismatch",
    "tenure.insufficient", "ce_hours.insufficient", "application.duplicate",
    "offline_review.not_passed", "report.too_short", "date.after_cutoff", "age.over_limit",
]


def block(rule: str = "material.missing") -> Finding:
    return Finding(rule, "缺少必备材料“述职报告”", "述职报告", Severity.BLOCK)


def warn(rule: str = "material.duplicate") -> Finding:
    return Finding(rule, "文件“业绩材料-2.pdf”与“业绩材料.pdf”内容完全相同", "业绩材料-2.pdf",
                   Severity.WARN)


def info(rule: str = "path.relaxed") -> Finding:
    return Finding(rule, "按破格途径申报，已放宽任职年限", None, Severity.INFO)


def test_an_application_without_findings_goes_to_unit_review() -> None:
    assert route([]) is State.UNIT_REVIEW


def test_warnings_and_notes_alone_go_to_unit_review() -> None:
    assert route([warn(), info(), warn("ocr.name_mismatch")]) is State.UNIT_REVIEW


def test_only_notes_go_to_unit_review() -> None:
    assert route([info()]) is State.UNIT_REVIEW


def test_a_single_block_returns_the_application() -> None:
    assert route([block()]) is State.RETURNED


@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_block_among_warnings_returns_the_application_wherever_it_is(position: int) -> None:
    findings = [warn(), info()]
    findings.insert(position, block("phone.invalid"))
    assert route(findings) is State.RETURNED


def test_routing_takes_any_iterable_of_findings() -> None:
    assert route(f for f in [warn(), block()]) is State.RETURNED
    assert route(f for f in [warn()]) is State.UNIT_REVIEW


def test_a_rule_without_explicit_severity_uses_its_registered_default() -> None:
    assert route([Finding("id_number.invalid", "身份证号校验位错误")]) is State.RETURNED
    assert route([Finding("material.duplicate", "内容完全相同")]) is State.UNIT_REVIEW


def test_an_explicit_severity_overrides_the_rule_default() -> None:
    assert route([Finding("material.missing", "说明", severity=Severity.WARN)]) is State.UNIT_REVIEW
    assert route([Finding("material.wrong_form", "格式不符", severity=Severity.BLOCK)]) is State.RETURNED


def test_an_unregistered_rule_code_defaults_to_a_warning() -> None:
    finding = Finding("something.new", "新的检查项")
    assert finding.level is Severity.WARN
    assert route([finding]) is State.UNIT_REVIEW


@pytest.mark.parametrize("rule", CONTRACT_RULES)
def test_every_contract_rule_code_has_a_severity(rule: str) -> None:
    assert rule in RULES
    assert isinstance(RULES[rule], Severity)


def test_every_registered_rule_code_follows_the_area_dot_problem_style() -> None:
    bad = [r for r in RULES if not re.fullmatch(r"[a-z][a-z_]*\.[a-z][a-z_]*", r)]
    assert bad == []


@pytest.mark.parametrize("rule", [r for r, s in RULES.items() if s is Severity.BLOCK])
def test_each_blocking_rule_alone_returns_the_application(rule: str) -> None:
    assert route([Finding(rule, "退回原因")]) is State.RETURNED


@pytest.mark.parametrize("rule", [r for r, s in RULES.items() if s is not Severity.BLOCK])
def test_each_non_blocking_rule_alone_goes_to_unit_review(rule: str) -> None:
    assert route([Finding(rule, "提示")]) is State.UNIT_REVIEW
