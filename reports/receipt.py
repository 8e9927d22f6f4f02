"""The batch receipt as a spreadsheet for the unit (退回清单): every applicant, returned ones first.

It goes to the unit that filed the batch, so ID numbers are shown in full; every cell is written
as a value (never a formula) and stripped of invisible control and direction characters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.context import Context
from pipeline.domain.states import State
from pipeline.domain.text import strip_unsafe
from pipeline.services import queries
from pipeline.services.receipts import OUTCOME_LABELS
from reports.xlsx import write_table

HEADERS = ("花名册行号", "姓名", "身份证号", "申报编号", "处理情况", "当前状态", "退回原因 / 需处理的问题")
WIDTHS = (10, 12, 24, 10, 10, 16, 90)


def _clean(value: object) -> object:
    return strip_unsafe(value, newlines_ok=True) if isinstance(value, str) else value


def receipt_rows(receipt: dict[str, Any]) -> list[list[object]]:
    """One row per applicant, returned ones first, then by roster line."""
    people = sorted(receipt.get("applicants", []),
                    key=lambda a: (a["state"] != State.RETURNED, a.get("roster_line") or 0, a["id"]))
    rows: list[list[object]] = []
    for a in people:
        messages = a["messages"]
        text = "\n".join(f"{i}. {m}" for i, m in enumerate(messages, 1)) if len(messages) > 1 \
            else "".join(messages)
        rows.append([_clean(v) for v in (a.get("roster_line"), a["name"], a["id_number"], a["id"],
                                         OUTCOME_LABELS.get(a.get("outcome", ""), ""), a["state_label"],
                                         text)])
    return rows


def write_receipt(ctx: Context, batch_id: int, out_dir: Path) -> Path:
    """Write 退回清单-批次N.xlsx into `out_dir`; return its path."""
    receipt = queries.batch_receipt(ctx, batch_id)
    returned = sum(1 for a in receipt["applicants"] if a["state"] == State.RETURNED)
    lines = [f"来源：{_clean(receipt['source'])}",
             f"共 {len(receipt['applicants'])} 位申报人，其中退回 {returned} 位；"
             "退回的申报请按“退回原因”逐项修改后，将整个批次重新提交（未修改的申报不会重复处理）。"]
    lines += [f"批次问题：{_clean(p['message'])}" for p in receipt["problems"]]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"退回清单-批次{batch_id}.xlsx"
    return write_table(target, "退回清单", f"批次{batch_id} 申报回执（退回清单）", lines,
                       HEADERS, receipt_rows(receipt), WIDTHS)
