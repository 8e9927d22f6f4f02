"""The lists a unit publishes or sends upward: the publicity notice (公示), the recommendation roster
(推荐上报) with its zip of packets, and the unit's review sheet (待审核清单)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from pipeline.context import Context
from reports.list_views import publicity_view, review_sheet_view, roster_view
from reports.queue import write_packets
from reports.render import render_pdf
from reports.xlsx import write_table


def write_publicity(ctx: Context, publicity_id: int, out_dir: Path) -> list[Path]:
    """The publicity notice as PDF and XLSX; ID and phone numbers of applicants masked."""
    v = publicity_view(ctx, publicity_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"公示{v.id}-{v.start_date.isoformat()}"
    pdf = render_pdf("publicity.html", out_dir / f"{stem}.pdf", v=v)
    headers = ["序号", "姓名", "性别", "身份证号", "联系电话", "工作单位", "申报系列", "申报专业",
               "申报级别", "申报资格", "现职称（取得时间）", "学历、学位、毕业院校", "参加工作时间",
               "申报途径"]
    rows = [[r.no, r.name, r.gender, r.id_number, r.phone, r.unit_name, r.series, r.specialty,
             r.level, r.title_name, r.current_title, r.education, r.work_start_date, r.path]
            for r in v.rows]
    lines = [f"公示期：{v.start_date.isoformat()} 至 {v.end_date.isoformat()}（{v.days}个工作日）",
             f"联系人：{v.contact}  联系电话：{v.phone}",
             "身份证号、联系电话已作部分隐藏。"]
    xlsx = write_table(out_dir / f"{stem}.xlsx", "公示名单", v.title, lines, headers, rows,
                       [6, 10, 6, 22, 15, 28, 10, 14, 10, 14, 24, 30, 13, 10])
    return [pdf, xlsx]


def write_roster(ctx: Context, batch_id: int, out_dir: Path) -> list[Path]:
    """The recommendation roster as PDF and XLSX, and a zip of the roster with every packet."""
    v = roster_view(ctx, batch_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"推荐上报{v.id}-{v.year}"
    pdf = render_pdf("roster.html", out_dir / f"{stem}.pdf", v=v)
    headers = ["序号", "申报编号", "姓名", "性别", "身份证号", "手机号码", "申报系列", "申报专业",
               "申报级别", "申报资格", "现职称（取得时间）", "学历、毕业院校", "申报途径",
               "线下形式审查", "当前状态"]
    rows = [[r.no, r.app_id, r.name, r.gender, r.id_number, r.phone, r.series, r.specialty,
             r.level, r.title_name, r.current_title, r.education, r.path, r.offline_review,
             r.state] for r in v.rows]
    lines = [f"推荐单位：{v.unit_name or v.unit_code}（{v.unit_code}）  报送：{v.target}",
             f"推荐人数：{len(v.rows)}"]
    xlsx = write_table(out_dir / f"{stem}.xlsx", "推荐上报名单", f"{v.year}年度职称申报推荐上报名单",
                       lines, headers, rows, [6, 9, 10, 6, 22, 15, 10, 14, 10, 14, 24, 28, 10, 12, 14])
    packets_dir = out_dir / f"{stem}-审核包"
    archive = out_dir / f"{stem}.zip"
    tmp = archive.with_name(f".{archive.name}.{os.getpid()}.part")
    # The packets are written by a pool of recycled processes (reports.queue), then each is
    # added to the zip, streamed from its file; they stay on disk beside it.
    written = write_packets(ctx.settings, list(v.app_ids), packets_dir)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(pdf, pdf.name)
        zf.write(xlsx, xlsx.name)
        for packet_pdf in (p for p in written if p.suffix == ".pdf"):
            zf.write(packet_pdf, f"审核包/{packet_pdf.name}", compress_type=zipfile.ZIP_STORED)
    os.replace(tmp, archive)
    return [pdf, xlsx, archive]


def write_review_sheet(ctx: Context, unit_code: str, out_dir: Path) -> list[Path]:
    """The applications waiting for a unit's decision, with their flags, as one PDF."""
    v = review_sheet_view(ctx, unit_code)
    out_dir.mkdir(parents=True, exist_ok=True)
    date = ctx.today().isoformat()  # file names keep the sortable ISO day
    return [render_pdf("review_sheet.html", out_dir / f"待审核清单-{v.unit_code}-{date}.pdf", v=v)]
