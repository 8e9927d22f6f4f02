"""Per-applicant receipts: what became of each applicant of a batch, in words a unit can act on.

The unit's 经办人 has Excel and a browser, no shell: the receipt (`status BATCH`, the inbox note,
the HTTP answer, the 退回清单 XLSX) names every applicant with its state and, when it was
returned, every blocking message at once. Typed values here; JSON and text are made from them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import Context
from pipeline.domain.findings import Severity
from pipeline.domain.states import AUTOMATIC, LABELS, State
from pipeline.storage.db.models import Application, BatchItem, FindingRow

_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
EXCEL_NUMBER_ID = "身份证号被Excel存成了数字，无法识别"
OUTCOME_LABELS = {"created": "新建", "existing": "已存在（未变化）", "resubmitted": "重新提交"}


def shown_id(id_number: str) -> str:
    """An ID number as a list shows it: never Excel's 4.30105198006255E+17."""
    return EXCEL_NUMBER_ID if _SCIENTIFIC.fullmatch(id_number.strip()) else id_number


@dataclass(frozen=True)
class ApplicantReceipt:
    """One applicant of a batch: who, where the application is, and what blocks it."""

    id: int
    name: str
    id_number: str
    state: str
    state_label: str
    messages: list[str] = field(default_factory=list)
    roster_line: int | None = None
    outcome: str = "created"

    def to_json(self) -> dict[str, Any]:
        """The keys of `status BATCH --json` → applicants[]."""
        return {"id": self.id, "name": self.name, "id_number": self.id_number,
                "state": self.state, "state_label": self.state_label,
                "messages": list(self.messages), "roster_line": self.roster_line,
                "outcome": self.outcome}


def _messages(state: str, blocks: list[str]) -> list[str]:
    if state == State.RETURNED:
        return blocks or ["已退回（原因见审核意见）"]
    if state == State.FAILED:
        return ["处理时发生技术故障（不是申报材料的问题），运维人员排除故障后会重新处理，无需重新提交"]
    if state in {str(s) for s in AUTOMATIC}:
        return ["正在自动检查，请稍后查看结果"]
    return []


def applicants(s: Session, batch_id: int) -> list[ApplicantReceipt]:
    """Every applicant of a batch in roster order, with the blocking messages of the returned."""
    rows = s.execute(
        select(BatchItem.outcome, BatchItem.roster_line, Application.id, Application.name,
               Application.id_number, Application.state)
        .join(Application, Application.id == BatchItem.application_id)
        .where(BatchItem.batch_id == batch_id)
        .order_by(BatchItem.roster_line, BatchItem.id)).all()
    ids = [r.id for r in rows]
    blocks: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for app_id, message in s.execute(
                select(FindingRow.application_id, FindingRow.message)
                .where(FindingRow.application_id.in_(ids),
                       FindingRow.severity == str(Severity.BLOCK))
                .order_by(FindingRow.id)):
            blocks[app_id].append(message)
    return [ApplicantReceipt(r.id, r.name, shown_id(r.id_number), r.state,
                             LABELS.get(State(r.state), r.state),
                             _messages(r.state, blocks[r.id]), r.roster_line,
                             r.outcome) for r in rows]


def batch_applicants(ctx: Context, batch_id: int) -> list[ApplicantReceipt]:
    """`applicants` in its own short transaction."""
    with ctx.db.uow() as s:
        return applicants(s, batch_id)


def unchanged_note(people: list[ApplicantReceipt]) -> str | None:
    """Why an identical re-import changed nothing, and where each application is; None if none."""
    existing = [a for a in people if a.outcome == "existing"]
    if not existing:
        return None
    counts = Counter(a.state_label for a in existing)
    returned = [a for a in existing if a.state == State.RETURNED]
    reasons = Counter(m.split("；")[0] for a in returned for m in a.messages[:1])
    parts = []
    for label, n in counts.most_common():
        if label == LABELS[State.RETURNED] and reasons:
            why = "；".join(f"{r}（{k}份）" if len(reasons) > 1 else r for r, k in reasons.most_common(3))
            parts.append(f"{n} 份{label}（原因：{why}）")
        else:
            parts.append(f"{n} 份{label}")
    return (f"已存在 {len(existing)} 份，内容未变化，未重新处理：{'，'.join(parts)}。"
            "如已修正单位注册或评审规则，请由评审中心运行 zhicheng recheck 重新检查；"
            "如需修改申报信息或材料，请修改后重新提交")


def applicant_lines(receipt: dict[str, Any]) -> list[str]:
    """The applicants of a receipt (batch_receipt's dict) as Chinese lines, returned ones first."""
    people = [ApplicantReceipt(**a) for a in receipt.get("applicants", [])]
    if not people:
        return []
    lines = [f"申报人（{len(people)}）："]
    order = sorted(people, key=lambda a: (a.state != State.RETURNED, a.roster_line or 0, a.id))
    for a in order:
        where = f"第{a.roster_line}行 " if a.roster_line else ""
        lines.append(f"  {where}{a.name or '（姓名空）'}（{a.id_number}）申报{a.id}：{a.state_label}")
        numbered = len(a.messages) > 1
        lines += [f"      {f'{i}. ' if numbered else ''}{m}" for i, m in enumerate(a.messages, 1)]
    note = unchanged_note(people)
    if note:
        lines.append(note)
    return lines
