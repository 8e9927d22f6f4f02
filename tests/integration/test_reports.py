"""Reports made from a real sample batch run through the pipeline, on SQLite and PostgreSQL.

The review workflow's services (decisions, publicity, recommendation) come with another issue, so
the rows they would write (Review, Publicity, RecommendationBatch) are inserted here directly.
Content is checked the way a reader meets it: pdftotext, the PDF outline, the XLSX cells.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from pipeline.domain.identity import mask_id_number
from pipeline.domain.materials import ORDER
from pipeline.domain.states import State
from pipeline.services import queries
from pipeline.storage.db.models import (
    Application,
    Publicity,
    PublicityEntry,
    RecommendationBatch,
    RecommendationEntry,
    Review,
)
from reports.lists import write_publicity, write_review_sheet, write_roster
from reports.packet import write_packet
from tests.cli_support import invoke
from tests.helpers import register_sample_units
from zhicheng.app import import_batch
from zhicheng.sample import make_batch

NOW = datetime(2026, 11, 27, 9, 0)
ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")


def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def sample_template(tmp_path_factory: pytest.TempPathFactory):
    """Six applicants with real files: one without its 述职报告, one with a broken one; the first
    clean applicant's 业绩材料 is replaced by an encrypted PDF after the batch is made."""
    batch = make_batch(tmp_path_factory.mktemp("sample"), applicants=6, seed=11, light=True,
                       flaws=["material.missing", "material.unreadable"])
    clean = [a for a in batch.applicants if not a.flaws]
    victim = clean[-1]
    target = Path(batch.path) / victim.folder / "业绩材料.pdf"
    writer = PdfWriter(clone_from=PdfReader(target))
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(target, "wb") as fh:
        writer.write(fh)
    return batch, victim.id_number


@pytest.fixture
def imported(tmp_path: Path, runtime, sample_template):
    """The sample batch imported and processed; a dict id_number -> application summary."""
    batch, encrypted_id = sample_template
    register_sample_units(runtime.ctx)
    copy = tmp_path / "in" / Path(batch.path).name
    shutil.copytree(batch.path, copy)
    batch_id = import_batch(runtime, copy, wait=True, timeout=180)
    apps = {a["id_number"]: a for a in queries.list_applications(runtime.ctx, batch=batch_id)}
    return dataclasses.replace(batch, path=copy), apps, encrypted_id


def _by_flaw(batch, apps, flaw):
    return next(apps[a.id_number] for a in batch.applicants if flaw in a.flaws)


def _clean(batch, apps, encrypted_id):
    return next(apps[a.id_number] for a in batch.applicants
                if not a.flaws and a.id_number != encrypted_id)


def test_a_packet_shows_the_cover_then_every_material_in_contract_order(runtime, imported, tmp_path) -> None:
    batch, apps, encrypted_id = imported
    app = _clean(batch, apps, encrypted_id)
    pdf, html = write_packet(runtime.ctx, app["id"], tmp_path / "out")
    shown = queries.show_application(runtime.ctx, app["id"])

    cover = squeeze(pdf_text(pdf, 1, 2))
    assert app["name"] in cover and app["id_number"] in cover
    assert shown["title_name"] in cover and shown["series"] in cover
    assert "线下形式审查" in cover and "材料目录" in cover

    reader = PdfReader(pdf)
    titles = [item.title for item in reader.outline]
    starts = [reader.get_destination_page_number(item) for item in reader.outline]
    materials = [m for m in shown["materials"]]
    assert titles[0].startswith("封面")
    assert len(titles) == 1 + len(materials)
    kinds = [re.sub(r"^\d+\. ", "", t).split("：")[0].split("（")[0] for t in titles[1:]]
    rank = [ORDER.index(next(k for k in ORDER if k.value == kind)) for kind in kinds]
    assert rank == sorted(rank), kinds
    assert starts == sorted(starts) and len(set(starts)) == len(starts)

    # Each PDF material's pages are its own pages, starting at its bookmark; pages add up.
    cover_pages = starts[1]
    total = cover_pages
    for title, start, m in zip(titles[1:], starts[1:], sorted(
            materials, key=lambda m: (ORDER.index(next(k for k in ORDER if k.value == m["kind"])),
                                      m["part"], m["id"]))):
        assert m["name"] in title
        if m["media_type"] == "application/pdf":
            original = runtime.ctx.blobs.path(m["sha256"])
            assert squeeze(pdf_text(pdf, start + 1, start + 1))[:80] == \
                squeeze(pdf_text(original, 1, 1))[:80]
            total += m["pages"]
        else:
            page_text = squeeze(pdf_text(pdf, start + 1, start + 1))
            assert m["kind"] in page_text and m["name"] in page_text
            total += 1
    assert len(reader.pages) == total

    # The table of contents on the cover gives the same page numbers as the bookmarks.
    toc = pdf_text(pdf, 1, cover_pages)
    for title, start in zip(titles[1:], starts[1:]):
        name = title.split("：", 1)[1]
        line = next(row for row in toc.splitlines() if name in row)
        assert line.split()[-1] == str(start + 1), (line, start)

    page = html.read_text(encoding="utf-8")
    assert app["name"] in page and "材料目录" in page


def test_a_missing_material_gets_a_page_that_says_so(runtime, imported, tmp_path) -> None:
    batch, apps, _ = imported
    app = _by_flaw(batch, apps, "material.missing")
    pdf = write_packet(runtime.ctx, app["id"], tmp_path)[0]
    reader = PdfReader(pdf)
    item = next(i for i in reader.outline if "述职报告" in i.title)
    assert "缺失" in item.title
    page = squeeze(pdf_text(pdf, reader.get_destination_page_number(item) + 1,
                            reader.get_destination_page_number(item) + 1))
    assert "述职报告：材料缺失" in page and "未提交“述职报告”" in page


def test_broken_and_encrypted_pdfs_get_a_page_that_says_so(runtime, imported, tmp_path) -> None:
    batch, apps, encrypted_id = imported
    for app, kind, words in ((_by_flaw(batch, apps, "material.unreadable"), "述职报告", "无法"),
                             (apps[encrypted_id], "业绩材料", "加密")):
        pdf = write_packet(runtime.ctx, app["id"], tmp_path / str(app["id"]))[0]
        reader = PdfReader(pdf)
        item = next(i for i in reader.outline if i.title.split("：")[0].endswith(kind))
        assert "无法打开" in item.title
        n = reader.get_destination_page_number(item) + 1
        page = squeeze(pdf_text(pdf, n, n))
        assert f"{kind}：材料无法打开" in page and words in page


def test_findings_are_grouped_by_severity_with_their_messages(runtime, imported, tmp_path) -> None:
    batch, apps, _ = imported
    app = _by_flaw(batch, apps, "material.missing")
    pdf = write_packet(runtime.ctx, app["id"], tmp_path)[0]
    text = squeeze(pdf_text(pdf))
    assert "退回（" in text
    for f in app["findings"]:
        assert squeeze(f["message"])[:40] in text


def test_names_and_opinions_with_markup_render_as_text(runtime, imported, tmp_path) -> None:
    batch, apps, encrypted_id = imported
    app = _clean(batch, apps, encrypted_id)
    opinion = '<script>alert("x")</script> 材料"不清晰"，请重传'
    with runtime.ctx.db.uow() as s:
        row = s.get(Application, app["id"])
        row.name = "<b>张'三</b>"
        s.add(Review(application_id=app["id"], stage="unit", decision="return", opinion=opinion,
                     reviewer="李<i>审核</i>", created_at=NOW))
        s.commit()
    pdf, html = write_packet(runtime.ctx, app["id"], tmp_path)
    text = pdf_text(pdf)
    assert "<b>张'三</b>" in text
    assert '<script>alert("x")</script>' in text and "李<i>审核</i>" in text
    assert "审核记录" in text and "退回" in text
    page = html.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert "<b>张" not in page


def test_what_changed_since_the_return_is_listed(runtime, imported, tmp_path) -> None:
    batch, apps, encrypted_id = imported
    app = _clean(batch, apps, encrypted_id)
    with runtime.ctx.db.uow() as s:
        s.get(Application, app["id"]).changes = {
            "materials": [{"kind": "学历证书", "change": "replaced", "name": "学历证书-新.jpg"},
                          {"kind": "业绩材料"}],          # keys may be missing
            "fields": [{"field": "ce_hours", "before": 80, "after": 112}, {"after": "x"}],
        }
        s.commit()
    text = squeeze(pdf_text(write_packet(runtime.ctx, app["id"], tmp_path)[0], 1, 3))
    assert "退回后重新提交的变化" in text
    assert "学历证书替换学历证书-新.jpg" in text
    assert "继续教育学时80112" in text


def _publicity(runtime, app_ids: list[int]) -> int:
    with runtime.ctx.db.uow() as s:
        unit = s.get(Application, app_ids[0]).unit_code
        p = Publicity(unit_code=unit, contact="王经办", phone="0731-84561234",
                      start_date=date(2026, 12, 1), days=5, end_date=date(2026, 12, 7),
                      created_at=NOW)
        s.add(p)
        s.flush()
        for i in app_ids:
            s.add(PublicityEntry(publicity_id=p.id, application_id=i))
        s.commit()
        return p.id


def test_the_publicity_notice_shows_no_full_id_number_anywhere(runtime, imported, tmp_path) -> None:
    batch, apps, _ = imported
    pid = _publicity(runtime, [a["id"] for a in apps.values()])
    pdf, xlsx = write_publicity(runtime.ctx, pid, tmp_path)
    text = pdf_text(pdf)
    flat = squeeze(text)
    assert "公示期自2026-12-01起至2026-12-07止（5个工作日）" in flat
    assert "王经办" in flat and "0731-84561234" in flat
    for a in apps.values():
        shown = queries.show_application(runtime.ctx, a["id"])
        assert a["name"] in flat and mask_id_number(a["id_number"]) in flat
        assert a["id_number"] not in flat
        assert shown["phone"] not in flat
        assert shown["phone"][:3] + "****" + shown["phone"][-4:] in flat
    assert not ID_RE.search(flat)

    cells = [str(c.value) for row in load_workbook(xlsx).active.iter_rows() for c in row
             if c.value is not None]
    assert any(mask_id_number(a["id_number"]) == c for a in apps.values() for c in cells)
    with zipfile.ZipFile(xlsx) as zf:
        raw = b"".join(zf.read(n) for n in zf.namelist())
    for a in apps.values():
        assert a["id_number"].encode() not in raw
    # The PDF's own bytes, uncompressed: no ID number hidden in metadata or a text layer.
    reader = PdfReader(pdf)
    for page in reader.pages:
        assert not ID_RE.search(page.extract_text() or "")
    assert not ID_RE.search(str(reader.metadata))


def test_spreadsheet_cells_that_look_like_formulas_stay_text(runtime, imported, tmp_path) -> None:
    batch, apps, _ = imported
    ids = [a["id"] for a in apps.values()][:3]
    values = {"name": '=HYPERLINK("http://x","点我")', "specialty": "@SUM(A1:A9)",
              "title_name": "-2+3", "series": "+cmd|' /C calc'!A0"}
    with runtime.ctx.db.uow() as s:
        for k, v in values.items():
            setattr(s.get(Application, ids[0]), k, v)
        s.commit()
    _, xlsx = write_publicity(runtime.ctx, _publicity(runtime, ids), tmp_path)
    ws = load_workbook(xlsx).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    for v in values.values():
        assert v in cells, v
        assert cells[v].data_type == "s" and cells[v].quotePrefix
    with zipfile.ZipFile(xlsx) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_the_roster_zip_holds_the_roster_and_every_packet(runtime, imported, tmp_path) -> None:
    batch, apps, encrypted_id = imported
    chosen = [a for a in apps.values() if a["state"] == State.UNIT_REVIEW][:2]
    assert len(chosen) == 2
    with runtime.ctx.db.uow() as s:
        b = RecommendationBatch(unit_code=chosen[0]["unit_code"], year=2026, created_at=NOW,
                                created_by="王经办")
        s.add(b)
        s.flush()
        for a in chosen:
            s.add(RecommendationEntry(batch_id=b.id, application_id=a["id"]))
        s.commit()
        batch_id = b.id
    pdf, xlsx, archive = write_roster(runtime.ctx, batch_id, tmp_path)
    text = squeeze(pdf_text(pdf))
    assert "推荐上报名单" in text and "湖南省人力资源服务中心" in text
    for a in chosen:
        assert a["name"] in text and a["id_number"] in text
    cells = {str(c.value) for row in load_workbook(xlsx).active.iter_rows() for c in row}
    assert {a["name"] for a in chosen} <= cells
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert pdf.name in names and xlsx.name in names
        packets = [n for n in names if n.startswith("审核包/")]
        assert len(packets) == 2
        for n in packets:
            assert len(PdfReader(io.BytesIO(zf.read(n))).pages) > 3


def test_the_review_sheet_lists_the_units_queue_with_its_flags(runtime, imported, tmp_path) -> None:
    batch, apps, _ = imported
    queued = [a for a in apps.values() if a["state"] == State.UNIT_REVIEW]
    unit = queued[0]["unit_code"]
    with runtime.ctx.db.uow() as s:
        others = list(s.scalars(select(Application).where(Application.unit_code == unit,
                                                          Application.state != State.UNIT_REVIEW)))
        s.get(Application, queued[0]["id"]).name = "排队测试"
        s.commit()
    pdf = write_review_sheet(runtime.ctx, unit, tmp_path)[0]
    text = squeeze(pdf_text(pdf))
    mine = [a for a in queued if a["unit_code"] == unit]
    assert f"待审核：{len(mine)}份" in text
    assert "排队测试" in text
    for a in mine[1:]:
        assert a["name"] in text
        for f in a["findings"]:
            if f["severity"] == "warn":
                assert squeeze(f["message"])[:30] in text
    for o in others:
        assert o.name not in text


def test_the_report_commands_print_the_files_they_wrote(runtime, imported, settings, tmp_path) -> None:
    import json

    batch, apps, _ = imported
    pid = _publicity(runtime, [a["id"] for a in apps.values()][:2])

    def report(*args: str):
        return invoke(settings.data_dir, settings.database_url, "report", *args)

    app_id = next(iter(apps.values()))["id"]

    result = report("packet", str(app_id), "--out", str(tmp_path / "a"))
    assert result.exit_code == 0, result.output
    files = result.stdout.split()
    assert len(files) == 2 and all(Path(f).is_file() for f in files)
    assert files[0].endswith(".pdf") and files[1].endswith(".html")

    result = report("packet", "--state", "unit_review", "--json", "--out", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)["files"]
    queued = [a for a in apps.values() if a["state"] == State.UNIT_REVIEW]
    assert len(listed) == 2 * len(queued) and all(Path(f).is_file() for f in listed)

    result = report("publicity", str(pid), "--json", "--out", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    assert [Path(f).suffix for f in json.loads(result.stdout)["files"]] == [".pdf", ".xlsx"]

    for args, message, code in ((["packet", "999999"], "错误：申报999999不存在", 4),
                                (["publicity", "999999"], "错误：公示999999不存在", 4),
                                (["batch", "999999"], "错误：推荐上报批次999999不存在", 4),
                                (["review-sheet", "--unit", "91430100MA4L00009"],
                                 "错误：单位91430100MA4L00009未注册", 4),
                                (["packet"], "错误：请给出申报编号", 3)):
        result = report(*args, "--out", str(tmp_path / "d"))
        assert result.exit_code == code, (args, result.output)
        assert message in result.stderr and "Traceback" not in result.output
        assert result.stdout == ""


def test_a_queue_of_packets_is_written_by_recycled_processes(runtime, tmp_path) -> None:
    """Several packets through the pool (2 processes, each replaced after 2 packets): every
    packet is written, in order, the same as one written in this process."""
    from pypdf import PdfReader

    from reports.packet import write_packet
    from reports.queue import write_packets

    register_sample_units(runtime.ctx)
    sample = make_batch(tmp_path / "in", applicants=5, seed=51, light=True, flaws=False)
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    ids = sorted(queries.batch_receipt(runtime.ctx, batch_id)["applications"])
    files = write_packets(runtime.settings, ids, tmp_path / "queue", processes=2, per_process=2)
    pdfs = [f for f in files if f.suffix == ".pdf"]
    assert [int(p.name.split("-")[0].removeprefix("申报")) for p in pdfs] == ids
    alone = write_packet(runtime.ctx, ids[0], tmp_path / "alone")[0]
    assert len(PdfReader(pdfs[0]).pages) == len(PdfReader(alone).pages)
    assert [o.title for o in PdfReader(pdfs[0]).outline] == [o.title for o in PdfReader(alone).outline]
