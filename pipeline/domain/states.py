"""Application states and the one state machine that moves between them (docs/workflow.md)."""

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
    PUBLICITY_HELD = "publicity_held"   # the period is over, an objection is still open
    WITHDRAWN = "withdrawn"             # withdrawn by the unit or an operator before a decision above it


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
    State.PUBLICITY_HELD: "公示异议待处理",
    State.WITHDRAWN: "已撤回",
}

# The states in which the application waits for an automatic stage (not for a person).
AUTOMATIC: frozenset[State] = frozenset(
    {State.RECEIVED, State.NORMALIZED, State.EXTRACTED, State.CHECKED}
)
# The same, as the strings stored in the database (for `Application.state.in_(WAITING)`).
WAITING: tuple[str, ...] = tuple(sorted(str(s) for s in AUTOMATIC))

_ALLOWED: dict[State, frozenset[State]] = {
    # → RETURNED: returned at intake when the unit cannot file (unregistered, not approved),
    # before any OCR is spent.
    State.RECEIVED: frozenset({State.NORMALIZED, State.RETURNED}),
    State.NORMALIZED: frozenset({State.EXTRACTED}),
    State.EXTRACTED: frozenset({State.CHECKED}),
    State.CHECKED: frozenset({State.RETURNED, State.UNIT_REVIEW}),
    State.RETURNED: frozenset({State.RECEIVED}),  # a corrected resubmission starts again
    State.UNIT_REVIEW: frozenset({State.UNIT_PASSED, State.RETURNED, State.REJECTED}),
    State.UNIT_PASSED: frozenset({State.PUBLICITY}),
    # The closing proposes; the unit's confirmation makes 公示通过/未通过 final. An objection still
    # open at the closing holds the applicant until it is resolved.
    State.PUBLICITY: frozenset({State.PUBLICITY_PASSED, State.PUBLICITY_FAILED,
                                State.PUBLICITY_HELD}),
    State.PUBLICITY_HELD: frozenset({State.PUBLICITY}),
    # The center may reopen a wrong close while nothing was recommended yet.
    State.PUBLICITY_PASSED: frozenset({State.RECOMMENDED, State.PUBLICITY}),
    State.RECOMMENDED: frozenset({State.SUPERVISOR_REVIEW, State.CENTER_REVIEW}),
    State.SUPERVISOR_REVIEW: frozenset(
        {State.SUPERVISOR_REVIEW, State.CENTER_REVIEW, State.RETURNED, State.REJECTED}
    ),
    State.CENTER_REVIEW: frozenset({State.CENTER_PASSED, State.RETURNED, State.REJECTED}),
    State.CENTER_PASSED: frozenset(),
    State.REJECTED: frozenset(),
    State.PUBLICITY_FAILED: frozenset({State.PUBLICITY}),
    State.FAILED: frozenset({State.RECEIVED}),  # `zhicheng retry` after a fix
    State.WITHDRAWN: frozenset({State.RECEIVED}),  # a corrected resubmission of the same person
}
for _s in AUTOMATIC:
    _ALLOWED[_s] = _ALLOWED[_s] | {State.FAILED}

# Not yet decided above the unit: the unit (or an operator) may still withdraw it.
WITHDRAWABLE: frozenset[State] = AUTOMATIC | frozenset(
    {State.RETURNED, State.FAILED, State.UNIT_REVIEW, State.UNIT_PASSED, State.PUBLICITY,
     State.PUBLICITY_HELD, State.PUBLICITY_PASSED, State.PUBLICITY_FAILED})
for _s in WITHDRAWABLE:
    _ALLOWED[_s] = _ALLOWED[_s] | {State.WITHDRAWN}

# A new import of the same application restarts it from these states.
RESUBMITTABLE: frozenset[State] = frozenset({State.RETURNED, State.FAILED, State.WITHDRAWN})
# These do not count against the one-application-per-year rule.
NOT_COMPETING: frozenset[State] = frozenset({State.RETURNED, State.REJECTED, State.WITHDRAWN})


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
