"""The inbox watcher's importer: a settled batch through the same services as `intake import`,
and the note left beside it saying what became of it (intake.watch moves the batch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intake.watch import Imported, Importer
from pipeline.domain.states import AUTOMATIC
from pipeline.domain.vocabulary import BatchStatus
from pipeline.services import receipts
from pipeline.stages import Send


def make_importer(ctx: Any, send: Send) -> Importer:
    """An importer through the same services as `intake import`, skipping known content; a
    batch from a unit's folder is refused whole unless every row is within that unit's scope."""
    from intake.bulk import open_batch
    from pipeline.services import access, queries, uploads
    from pipeline.services.intake import submit_batch

    def run(path: Path, unit: str | None = None) -> Imported:
        shown = f"{unit}/{path.name}" if unit else path.name
        why = access.refused_unit(ctx, unit)
        if why is not None:
            return Imported(None, True, f"“{shown}”未导入：{why}。")
        with open_batch(path, ctx.settings, submitted_by=f"收件箱（{unit}）" if unit else "收件箱") as intake:
            intake.source = f"收件箱：{shown}"
            if unit is not None:
                refused = access.outside_scope(ctx, access.unit_scope(ctx, unit), intake.applications)
                if refused:
                    return Imported(None, True, f"“{shown}”整个批次未导入：" + "、".join(refused[:20])
                                    + (f"等{len(refused)}处" if len(refused) > 20 else "")
                                    + f"不是单位{unit}或其下级单位，不能从本单位的收件箱提交；"
                                    "请删去这些申报，或由其所在单位从自己的收件箱提交。")
            existing = uploads.imported_batch(ctx, intake.digest)
            if existing is not None:
                note = note_for(queries.batch_receipt(ctx, existing), shown).note
                return Imported(existing, False, f"“{shown}”与已导入的批次{existing}内容相同，"
                                "未重复导入。该批次目前的情况如下：\n" + note)
            batch_id = submit_batch(ctx, intake, send)
        return note_for(queries.batch_receipt(ctx, batch_id), shown)

    return run


AUTOMATIC_STATES = {str(s) for s in AUTOMATIC}


def note_for(receipt: dict[str, Any], name: str) -> Imported:
    """The note left beside a processed or rejected batch."""
    batch_id, problems = receipt["batch"], receipt["problems"]
    lines = []
    if receipt["status"] == BatchStatus.REJECTED:
        lines.append(f"“{name}”整个批次未能受理（批次{batch_id}），原因：")
    else:
        lines.append(f"“{name}”已导入为批次{batch_id}：新建申报{len(receipt['created'])}份，"
                     f"已存在{len(receipt['existing'])}份，重新提交{len(receipt['resubmitted'])}份。")
        if problems:
            lines.append("批次问题：")
    lines += [f"  [{p['code']}] {p['message']}" + (f"（{p['path']}）" if p["path"] else "")
              for p in problems]
    lines += receipts.applicant_lines(receipt)
    if any(a["state"] in AUTOMATIC_STATES for a in receipt.get("applicants", [])):
        lines.append("“正在自动检查”的申报，检查结果请向评审中心查询或在网上查看批次回执。")
    return Imported(batch_id, receipt["status"] == BatchStatus.REJECTED, "\n".join(lines))
