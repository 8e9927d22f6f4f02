"""The application state machine allows exactly the moves of docs/reference.md §4 and refuses the rest."""

from __future__ import annotations

import itertools
import re

import pytest

from pipeline.domain.states import AUTOMATIC, LABELS, InvalidTransition, State, can_move, check_move

S = State

# docs/reference.md §4, written out pair by pair. Where the contract needs a reading, the comment says which.
ALLOWED: set[tuple[State, State]] = {
    (S.RECEIVED, S.NORMALIZED),
    (S.RECEIVED, S.RETURNED),             # returned at intake: the unit cannot file (no OCR spent)
    (S.NORMALIZED, S.EXTRACTED),
    (S.EXTRACTED, S.CHECKED),
    (S.CHECKED, S.RETURNED),
    (S.CHECKED, S.UNIT_REVIEW),
    (S.RETURNED, S.RECEIVED),             # a corrected resubmission starts again
    (S.UNIT_REVIEW, S.UNIT_PASSED),
    (S.UNIT_REVIEW, S.RETURNED),
    (S.UNIT_REVIEW, S.REJECTED),
    (S.UNIT_PASSED, S.PUBLICITY),
    (S.PUBLICITY, S.PUBLICITY_PASSED),
    (S.PUBLICITY, S.PUBLICITY_FAILED),
    (S.PUBLICITY_PASSED, S.RECOMMENDED),
    (S.RECOMMENDED, S.SUPERVISOR_REVIEW),  # when a 主管单位 sits between
    (S.RECOMMENDED, S.CENTER_REVIEW),      # when none does
    (S.SUPERVISOR_REVIEW, S.SUPERVISOR_REVIEW),  # §1b: a chain may be several supervisors deep
    (S.SUPERVISOR_REVIEW, S.CENTER_REVIEW),
    (S.SUPERVISOR_REVIEW, S.RETURNED),     # "a reviewer's return"
    (S.SUPERVISOR_REVIEW, S.REJECTED),
    (S.CENTER_REVIEW, S.CENTER_PASSED),
    (S.CENTER_REVIEW, S.RETURNED),
    (S.CENTER_REVIEW, S.REJECTED),
    (S.RECEIVED, S.FAILED),                # a technical failure in an automatic stage
    (S.NORMALIZED, S.FAILED),
    (S.EXTRACTED, S.FAILED),
    (S.CHECKED, S.FAILED),
    (S.FAILED, S.RECEIVED),                # started again once an operator fixed the cause
    # publicity as the unit's decision (docs/workflow.md)
    (S.PUBLICITY, S.PUBLICITY_HELD),       # an objection still open at the closing holds it
    (S.PUBLICITY_HELD, S.PUBLICITY),       # resolved: waits for the unit's confirmation
    (S.PUBLICITY_PASSED, S.PUBLICITY),     # the center reopens a wrong close
    (S.PUBLICITY_FAILED, S.PUBLICITY),
    (S.WITHDRAWN, S.RECEIVED),             # a corrected resubmission of the same person
}
# withdrawal: from every state not yet decided above the unit
WITHDRAWABLE_FROM = {S.RECEIVED, S.NORMALIZED, S.EXTRACTED, S.CHECKED, S.RETURNED, S.FAILED,
                     S.UNIT_REVIEW, S.UNIT_PASSED, S.PUBLICITY, S.PUBLICITY_HELD,
                     S.PUBLICITY_PASSED, S.PUBLICITY_FAILED}
ALLOWED |= {(s, S.WITHDRAWN) for s in WITHDRAWABLE_FROM}

FORBIDDEN_SAMPLE: list[tuple[State, State]] = [
    (S.RECEIVED, S.CHECKED),               # skipping automatic stages
    (S.RECEIVED, S.UNIT_REVIEW),
    (S.NORMALIZED, S.RECEIVED),            # going backwards
    (S.CHECKED, S.PUBLICITY),
    (S.RETURNED, S.UNIT_REVIEW),           # a returned application must be checked again
    (S.UNIT_REVIEW, S.PUBLICITY),          # publicity only after the unit passed it
    (S.UNIT_REVIEW, S.CENTER_REVIEW),
    (S.UNIT_PASSED, S.RECOMMENDED),
    (S.PUBLICITY, S.RECOMMENDED),
    (S.PUBLICITY_FAILED, S.PUBLICITY_PASSED),  # a reopening goes back to 公示中, not across
    (S.SUPERVISOR_REVIEW, S.WITHDRAWN),    # decided above the unit: no withdrawal
    (S.CENTER_REVIEW, S.WITHDRAWN),
    (S.RECOMMENDED, S.WITHDRAWN),
    (S.WITHDRAWN, S.UNIT_REVIEW),
    (S.PUBLICITY_PASSED, S.CENTER_REVIEW),
    (S.RECOMMENDED, S.CENTER_PASSED),
    (S.CENTER_REVIEW, S.SUPERVISOR_REVIEW),
    (S.CENTER_PASSED, S.RECEIVED),         # final
    (S.CENTER_PASSED, S.RETURNED),
    (S.REJECTED, S.RECEIVED),              # final: a rejection is not a return
    (S.REJECTED, S.UNIT_REVIEW),
    (S.FAILED, S.CHECKED),                 # a retry starts at the beginning
    (S.UNIT_REVIEW, S.FAILED),             # a person's queue is not a technical stage
    (S.CENTER_PASSED, S.FAILED),
]

CJK = re.compile(r"[\u4e00-\u9fff]")


def _name(pair: tuple[State, State]) -> str:
    return f"{pair[0]}->{pair[1]}"


def test_the_states_are_those_of_the_contract() -> None:
    """Every state of docs/reference.md §4 exists, with these exact values, and no other."""
    assert {s.value for s in State} == {
        "received", "normalized", "extracted", "checked", "returned", "unit_review",
        "unit_passed", "rejected", "publicity", "publicity_passed", "publicity_failed",
        "recommended", "supervisor_review", "center_review", "center_passed", "failed",
        "publicity_held", "withdrawn",
    }


def test_every_state_has_a_chinese_label() -> None:
    assert set(LABELS) == set(State)
    for state, label in LABELS.items():
        assert CJK.search(label), (state, label)


def test_the_automatic_states_are_the_four_before_routing() -> None:
    assert AUTOMATIC == {S.RECEIVED, S.NORMALIZED, S.EXTRACTED, S.CHECKED}


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=_name)
def test_an_allowed_move_is_accepted(pair: tuple[State, State]) -> None:
    current, target = pair
    assert can_move(current, target) is True
    assert check_move(current, target) is target


def test_the_machine_allows_exactly_the_contract_moves_and_nothing_else() -> None:
    """Every one of the 18 × 18 pairs: allowed if and only if the contract table lists it."""
    allowed = {(a, b) for a, b in itertools.product(State, State) if can_move(a, b)}
    assert allowed - ALLOWED == set(), "moves the contract does not allow"
    assert ALLOWED - allowed == set(), "contract moves the machine refuses"


@pytest.mark.parametrize("pair", FORBIDDEN_SAMPLE, ids=_name)
def test_a_forbidden_move_is_refused_with_a_chinese_message_naming_both_states(
        pair: tuple[State, State]) -> None:
    current, target = pair
    assert pair not in ALLOWED  # the sample itself is consistent with the table
    assert can_move(current, target) is False
    with pytest.raises(InvalidTransition) as caught:
        check_move(current, target)
    message = str(caught.value)
    assert CJK.search(message), message
    assert LABELS[current] in message and LABELS[target] in message, message
    assert message.index(LABELS[current]) < message.rindex(LABELS[target]), message
    assert caught.value.current is current and caught.value.target is target


@pytest.mark.parametrize("state", sorted(AUTOMATIC), ids=str)
def test_an_automatic_state_can_go_to_failed(state: State) -> None:
    assert check_move(state, S.FAILED) is S.FAILED


@pytest.mark.parametrize("state", [S.FAILED, S.RETURNED], ids=str)
def test_failed_and_returned_applications_can_start_again_at_received(state: State) -> None:
    assert check_move(state, S.RECEIVED) is S.RECEIVED


@pytest.mark.parametrize("state", [S.CENTER_PASSED, S.REJECTED], ids=str)
def test_a_final_state_goes_nowhere(state: State) -> None:
    assert [t for t in State if can_move(state, t)] == []


def test_states_may_be_given_as_their_string_values() -> None:
    """The database stores plain strings; the machine takes them as they come."""
    assert check_move("checked", "unit_review") is S.UNIT_REVIEW
    assert can_move("unit_review", "publicity") is False
    with pytest.raises(InvalidTransition) as caught:
        check_move("center_passed", "received")
    assert "形式审查通过" in str(caught.value) and "已接收" in str(caught.value)


def test_an_unknown_state_value_is_not_silently_accepted() -> None:
    with pytest.raises(ValueError):
        can_move("received", "approved")
