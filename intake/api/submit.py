"""What an upload does once its body is on disk: authorize, claim, import once, answer.

Runs in a worker thread (the services are synchronous). The same `open_batch` and
`submit_batch` as `zhicheng intake import`; a single application becomes a one-row batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from intake.api.errors import ApiError
from intake.api.streaming import Form
from intake.bulk import open_batch
from pipeline.context import Context
from pipeline.domain.intake_value import ApplicationIntake, BatchIntake, IncomingFile
from pipeline.domain.problems import Problem
from pipeline.domain.text import strip_unsafe
from pipeline.domain.vocabulary import BatchStatus
from pipeline.roster.columns import field_for_header, is_ignored_header, nearest_header
from pipeline.services import access, queries, uploads
from pipeline.services.intake import submit_batch
from pipeline.services.tokens import Principal
from pipeline.stages import Send


def _check_send(ctx: Context, principal: Principal, apps: Iterable[ApplicationIntake]) -> None:
    why = access.refused_unit(ctx, principal.unit_code)
    if why is not None:
        raise ApiError(403, "unit.not_approved", why)
    refused = access.outside_scope(ctx, access.scope(ctx, principal), apps)
    if refused:
        shown = "、".join(refused[:5]) + (f"等{len(refused)}处" if len(refused) > 5 else "")
        raise ApiError(403, "unit.forbidden",
                       f"{shown}不是本单位或本单位的下级单位，本令牌无权为其提交申报；"
                       "整个请求未受理，请删去这些申报或由其所在单位提交", refused=len(refused))


def _answer(ctx: Context, batch_id: int, replayed: bool) -> tuple[int, dict[str, Any]]:
    receipt = queries.batch_receipt(ctx, batch_id)
    if receipt["status"] == BatchStatus.REJECTED:
        raise ApiError(422, "batch.rejected",
                       "整个批次未能受理：" + "；".join(p["message"] for p in receipt["problems"][:3]),
                       batch=batch_id, problems=receipt["problems"], replayed=replayed)
    return (200 if replayed else 201), {"id": batch_id, "replayed": replayed, **receipt}


def _once(ctx: Context, principal: Principal, kind: str, digest: str, key: str | None,
          run: Callable[[], int]) -> tuple[int, bool]:
    """Import at most once per (principal, content) and per Idempotency-Key; (batch, replayed)."""
    try:
        claim = uploads.claim(ctx, principal.name, kind, digest, key)
    except uploads.KeyReused:
        raise ApiError(422, "idempotency.key_reused",
                       "该 Idempotency-Key 已用于另一份内容不同的上传；重试时请原样重发，"
                       "新的上传请使用新的 Idempotency-Key") from None
    if claim.batch_id is not None:
        return claim.batch_id, True
    if claim.busy or claim.upload_id is None:
        raise ApiError(409, "upload.in_progress", "相同的上传正在处理中，请稍后用同一请求重试以取得批次号")
    try:
        batch_id = run()
    except BaseException:
        uploads.release(ctx, claim.upload_id)
        raise
    uploads.finish(ctx, claim.upload_id, batch_id)
    return batch_id, False


def import_zip(ctx: Context, send: Send, principal: Principal, path: Path, digest: str,
               key: str | None, name: str, client: str | None = None) -> tuple[int, dict[str, Any]]:
    """Import an uploaded batch zip (docs/reference.md §1) for this principal."""

    def run() -> int:
        with open_batch(path, ctx.settings, submitted_by=principal.label) as intake:
            _check_send(ctx, principal, intake.applications)
            intake.source, intake.source_kind = f"HTTP上传：{name}（{principal.label}）", "upload"
            return submit_batch(ctx, intake, send)

    batch_id, replayed = _once(ctx, principal, "batch", digest, key, run)
    access.log_access(ctx, principal, "upload.batch", "batch", batch_id, 200 if replayed else 201,
                      client)
    return _answer(ctx, batch_id, replayed)


def application_intake(form: Form) -> ApplicationIntake:
    """The roster row and files of a single-application upload, or ApiError(422) saying why."""
    raw: dict[str, object] = {}
    extra: dict[str, str] = {}
    for name, value in form.fields.items():
        canonical = field_for_header(name)
        if canonical is None:
            extra[name] = value
        elif canonical in raw:
            raise ApiError(422, "field.duplicate", f"字段“{name}”与另一个字段重复（同一花名册列）")
        else:
            raw[canonical] = value.strip()
    for required, label in (("id_number", "身份证号"), ("unit_code", "单位统一社会信用代码")):
        if not raw.get(required):
            raise ApiError(422, "field.missing", f"缺少“{label}”（{required}）：请填写后重新提交")
    seen: set[str] = set()
    for f in form.files:
        if f.name in seen:
            raise ApiError(422, "file.duplicate_name",
                           f"文件名“{f.name}”出现了不止一次；同类材料有多份时请加后缀，如“业绩材料-2.pdf”")
        seen.add(f.name)
    folder = f"{str(raw['id_number']).upper()}_{raw.get('name') or ''}".rstrip("_")
    files = [IncomingFile(relpath=f"{folder}/{f.name}", name=f.name, size=f.size,
                          open=_opener(f.path)) for f in form.files]
    return ApplicationIntake(raw=raw, extra=extra, line=1, folder=folder, files=files)


def _opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: open(path, "rb")


def unknown_fields(form: Form) -> list[Problem]:
    """A problem for each form field that is no roster column: kept, never used without a word."""
    out = []
    for name in form.fields:
        if field_for_header(name) is None and not is_ignored_header(name):
            near = nearest_header(name)
            hint = f"是否应为“{near}”？" if near else "它不是花名册的标准字段；"
            out.append(Problem("roster.unknown_column",
                               f"未识别的字段“{strip_unsafe(name, newlines_ok=False)}”，{hint}"
                               "该字段内容未导入（仅原样保存，不参与审核）", name))
    return out


def form_digest(form: Form) -> str:
    doc = {"fields": form.fields, "files": sorted((f.name, f.sha256) for f in form.files)}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def import_application(ctx: Context, send: Send, principal: Principal, form: Form,
                       key: str | None, client: str | None = None) -> tuple[int, dict[str, Any]]:
    """Import one application (roster fields and files) as a one-row batch."""
    intake = application_intake(form)
    _check_send(ctx, principal, [intake])
    digest = form_digest(form)

    def run() -> int:
        batch = BatchIntake(source=f"HTTP上传：单份申报（{principal.label}）", source_kind="upload",
                            digest=digest, applications=[intake], submitted_by=principal.label,
                            problems=unknown_fields(form))
        return submit_batch(ctx, batch, send)

    batch_id, replayed = _once(ctx, principal, "application", digest, key, run)
    access.log_access(ctx, principal, "upload.application", "batch", batch_id,
                      200 if replayed else 201, client)
    status, body = _answer(ctx, batch_id, replayed)
    apps = body["applications"]
    body["application"] = apps[0] if apps else None
    return status, body
