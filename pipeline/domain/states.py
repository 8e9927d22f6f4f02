"""Application states (CONTRACTS §4) and the one state machine that moves between them."""

from __future__ import annotations

from enum import StrEnum
from pipeline.errors import Refused


class State(StrEnum):
    RECEIVED = "received"
    NORMALIZED = "normalized"
    EXTRACTED = "extracted"
    CHECKED = "checked"
    RETURNED = "returned"
    UNIT_REVIEW = "unit_review"
    UNIT_PASSED = "unit_passed"
    REJECTED = "rejected"
    PUBLICITY = "publicity"
    PUBLICITY_PASSED = "publicity_passed"
    PUBLICITY_FAILED = "publicity_failed"
    RECOMMENDED = "recommended"
    SUPERVISOR_REVIEW = "supervisor_review"
    CENTER_REVIEW = "center_review"
    CENTER_PASSED = "center_passed"
    FAILED = "failed"


LABELS: dict[State, str] = {
    State.RECEIVED: "已接收",
    State.NORMALIZED: "已规范化",
    State.EXTRACTED: "已识别",
    State.CHECKED: "已检查",
    State.RETURNED: "退回",
    State.UNIT_REVIEW: "所在单位初审",
    State.UNIT_PASSED: "单位初审通过",
    State.REJECTED: "审核不通过",
    State.PUBLICITY: "公示中",
    State.PUBLICITY_PASSED: "公示通过",
    State.PUBLICITY_FAILED: "公示未通过",
    State.RECOMMENDED: "已推荐上报",
    State.SUPERVISOR_REVIEW: "主管单位审核",
    State.CENTER_REVIEW: "中心形式审查",
    State.CENTER_PASSED: "形式审查通过",
    State.FAILED: "技术故障",
}

# The states in which the application waits for an automatic stage (not for a person).
AUTOMATIC: frozenset[State] = frozenset(
    {State.RECEIVED, State.NORMALIZED, State.EXTRACTED, State.CHECKED}
)

_ALLOWED: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.NORMALIZED}),
    State.NORMALIZED: frozenset({State.EXTRACTED}),
    State.EXTRACTED: frozenset({State.CHECKED}),
    State.CHECKED: frozenset({State.RETURNED, State.UNIT_REVIEW}),
    State.RETURNED: frozenset({State.RECEIVED}),  # a corrected resubmission starts again
    State.UNIT_REVIEW: frozenset({State.UNIT_PASSED, State.RETURNED, State.REJECTED}),
    State.UNIT_PASSED: frozenset({State.PUBLICITY}),
    State.PUBLICITY: frozenset({State.PUBLICITY_PASSED, State.PUBLICITY_FAILED}),
    State.PUBLICITY_PASSED: frozenset({State.RECOMMENDED}),
    State.RECOMMENDED: frozenset({State.SUPERVISOR_REVIEW, State.CENTER_REVIEW}),
    State.SUPERVISOR_REVIEW: frozenset(
        {State.SUPERVISOR_REVIEW, State.CENTER_REVIEW, State.RETURNED, State.REJECTED}
    ),
    State.CENTER_REVIEW: frozenset({State.CENTER_PASSED, State.RETURNED, State.REJECTED}),
    State.CENTER_PASSED: frozenset(),
    State.REJECTED: frozenset(),
    State.PUBLICITY_FAILED: frozenset(),
    State.FAILED: frozenset({State.RECEIVED}),  # `zhicheng retry` after a fix
}
for _s in AUTOMATIC:
    _ALLOWED[_s] = _ALLOWED[_s] | {State.FAILED}


class InvalidTransition(Refused):
    """A state change that the state machine does not allow."""

    def __init__(self, current: State, target: State) -> None:
        super().__init__(
            f"申报当前状态为“{LABELS[current]}”，不能变更为“{LABELS[target]}”"
        )
        self.current = current
        self.target = target


def can_move(current: State | str, target: State | str) -> bool:
    """Whether the state machine allows current → target."""
    return State(target) in _ALLOWED[State(current)]


def check_move(current: State | str, target: State | str) -> State:
    """Return the target state, or raise InvalidTransition."""
    if not can_move(current, target):
        raise InvalidTransition(State(current), State(target))
    return State(target)
