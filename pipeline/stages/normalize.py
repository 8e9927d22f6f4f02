"""Normalisation: the real file type, size, material kind, expected form, upright images."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sqlalchemy import select

from pipeline.context import Context
from pipeline.documents.preflight import Inspection, inspect_file, inspect_stored, normalized_image
from pipeline.domain.findings import Finding
from pipeline.domain.materials import EXPECTED_FORM, Form, MaterialKind
from pipeline.stages import StageResult
from pipeline.storage.db.models import Application, Material

FORM_LABEL = {Form.PDF: "PDF文件", Form.IMAGE: "图片（JPG/PNG）"}
MB = 1024 * 1024


def run(ctx: Context, app_ids: Sequence[int]) -> Mapping[int, StageResult]:
    """Inspect every material of a chunk of applications (one query loads them all)."""
    with ctx.db.uow() as s:
        present = list(s.scalars(select(Application.id).where(Application.id.in_(app_ids))))
        rows = s.execute(select(Material.application_id, Material.id, Material.original_name,
                                Material.kind, Material.recognized, Material.sha256, Material.size,
                                Material.intake_problem, Material.intake_detail)
                         .where(Material.application_id.in_(app_ids)).order_by(Material.id)).all()
    by_app: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_app[r.application_id].append(r)
    seen = inspect_all(ctx, [(r.sha256, r.original_name) for r in rows
                             if r.sha256 is not None and r.intake_problem != "too_large"])
    return {app_id: inspect_application(ctx, by_app.get(app_id, []), seen) for app_id in present}


def inspect_all(ctx: Context, files: list[tuple[str, str]]) -> dict[tuple[str, str], Inspection]:
    """Inspect a chunk's files, in other processes when there are some (the work is CPU-bound:
    decoding images, parsing PDFs), so that it leaves the process that does the database work."""
    files = list(dict.fromkeys(files))
    if len(files) < POOL_FROM:
        return {}  # a few files: not worth starting or feeding the processes
    pool = _pool(ctx)
    if pool is None:
        return {}
    args = [(str(ctx.blobs.path(sha)), name, ctx.settings.max_file_bytes, ctx.settings.max_pixels)
            for sha, name in files]
    return dict(zip(files, pool.map(inspect_stored, args, chunksize=max(1, len(args) // 8))))


POOL_FROM = 64   # files in a chunk from which inspection goes to the processes
_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool(ctx: Context) -> ProcessPoolExecutor | None:
    """The inspection processes of this process (made once): `inspect_processes`, or, unset, one
    per core in the embedded mode (where this one process does everything) and none in a
    Redis worker (whose processes already fill the cores)."""
    global _POOL
    n = ctx.settings.inspect_processes
    if n is None:
        n = len(os.sched_getaffinity(0)) if ctx.settings.embedded else 0
    if n <= 0:
        return None
    with _POOL_LOCK:
        if _POOL is None:
            # forkserver: a clean process to fork from, never this one with its threads; it
            # imports the preflight once, so that a new inspection process starts ready
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["pipeline.documents.preflight"])
            _POOL = ProcessPoolExecutor(n, mp_context=context)
        return _POOL


def inspect_application(ctx: Context, rows: Sequence[Any],
                        seen: dict[tuple[str, str], Inspection] | None = None) -> StageResult:
    """Inspect the materials of one application; every problem becomes a finding."""
    findings: list[Finding] = []
    updates: dict[int, dict[str, object]] = {}
    by_hash: dict[str, list[str]] = defaultdict(list)
    limit = ctx.settings.max_file_bytes
    for m in rows:
        name, kind = m.original_name, MaterialKind(m.kind)
        if not m.recognized:
            findings.append(Finding("material.unknown_name",
                                    f"文件“{name}”的名称不是规定的材料名称，已作为“其他材料”保存；"
                                    "如属必备材料，请按材料名称（如“学历证书”）重新命名后提交", name))
        if m.intake_problem == "too_large":
            findings.append(Finding("material.too_large",
                                    f"文件“{name}”大小约{m.size / MB:.1f}MB，超过{limit // MB}MB的限制，"
                                    "未能保存；请压缩或拆分后重新提交", name))
            updates[m.id] = _inspected()
            continue
        if m.sha256 is None:
            findings.append(Finding("material.unreadable",
                                    f"文件“{name}”在压缩包中已损坏，无法读取；请重新打包后提交", name))
            updates[m.id] = _inspected()
            continue
        by_hash[m.sha256].append(name)
        path = ctx.blobs.path(m.sha256)
        result = (seen or {}).get((m.sha256, name)) or inspect_file(
            path, name, max_bytes=limit, max_pixels=ctx.settings.max_pixels)
        findings.extend(Finding(i.rule, i.message, name) for i in result.findings)
        update = _inspected(
            media_type=result.media_type, detected=result.detected, pages=result.pages,
            has_text_layer=result.has_text_layer, text_chars=result.text_chars,
            encrypted=result.encrypted, width=result.width, height=result.height,
            orientation=result.orientation)
        readable = not any(i.rule in ("material.unreadable", "material.too_large")
                           for i in result.findings)
        if readable and result.media_type and result.media_type.startswith("image/") \
                and result.orientation not in (None, 1):
            upright = normalized_image(path)
            if upright is not None:
                update["normalized_sha256"] = ctx.blobs.put_bytes(upright)
        form = EXPECTED_FORM.get(kind, Form.ANY)
        actual = (Form.PDF if result.media_type == "application/pdf" else
                  Form.IMAGE if result.media_type and result.media_type.startswith("image/")
                  else None)
        if actual is not None and form is not Form.ANY and actual is not form:
            findings.append(Finding("material.wrong_form",
                                    f"“{kind}”应提交{FORM_LABEL[form]}，文件“{name}”是{FORM_LABEL[actual]}；"
                                    "请审核人员留意，必要时请申报人按规定格式重新提交", name))
        updates[m.id] = update
    for names in by_hash.values():
        for dup in names[1:]:
            findings.append(Finding("material.duplicate",
                                    f"文件“{dup}”与“{names[0]}”内容完全相同，请确认是否重复上传", dup))
    return StageResult(tuple(findings), updates)


def _inspected(**found: object) -> dict[str, object]:
    """A material's inspection results, every column named (one executemany updates them all)."""
    row: dict[str, object] = dict(media_type=None, detected=None, pages=None, has_text_layer=None,
                                  text_chars=None, encrypted=False, width=None, height=None,
                                  orientation=None, normalized_sha256=None, inspected=True)
    row.update(found)
    return row
