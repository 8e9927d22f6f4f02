"""View-models of a packet's materials: each material in the order of docs/reference.md §2, as
a PDF to merge, an image to place or a notice page saying why the file cannot be shown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.context import Context
from pipeline.domain.materials import ORDER, MaterialKind, required_kinds
from pipeline.storage.db.models import Application, Material


@dataclass(frozen=True)
class MaterialView:
    """One material as the packet shows it: a PDF to merge, an image to place, or a notice page."""

    anchor: str
    kind: str
    name: str
    form: str                 # pdf | image | notice
    path: Path | None         # the stored file (the upright copy of a rotated photo)
    pages: int = 1            # pages shown (a PDF's first PACKET_MAX_PAGES at most)
    notice: str = ""          # why there is only a notice page
    total_pages: int = 0      # a PDF's pages when more than are shown, else 0
    removed: tuple[str, ...] = ()  # active content stripped from a PDF (Chinese names)


def packet_materials(ctx: Context, app: Application, materials: list[Material]) -> list[MaterialView]:
    """Materials in the order of docs/reference.md §2, with a notice for each required one that is absent."""
    present = {m.kind for m in materials}
    missing = [k for k in required_kinds(app.level, app.degree) if k.value not in present]
    out: list[MaterialView] = []
    entries: list[tuple[int, int, Material | MaterialKind]] = []
    rank = {k.value: i for i, k in enumerate(ORDER)}
    for m in materials:
        entries.append((rank.get(m.kind, len(ORDER)), m.part * 100000 + m.id, m))
    for k in missing:
        entries.append((rank[k.value], 0, k))
    for n, (_, _, item) in enumerate(sorted(entries, key=lambda e: (e[0], e[1])), start=1):
        anchor = f"m{n}"
        if isinstance(item, MaterialKind):
            out.append(MaterialView(anchor, item.value, "", "notice", None,
                                    notice=f"未提交“{item.value}”（必备材料缺失）。"))
            continue
        out.append(_material_view(ctx, anchor, item))
    return out


def _material_view(ctx: Context, anchor: str, m: Material) -> MaterialView:
    kind = m.kind if m.part == 1 else f"{m.kind}（{m.part}）"
    name = m.original_name

    def notice(text: str) -> MaterialView:
        return MaterialView(anchor, kind, name, "notice", None, notice=text)

    if m.intake_problem == "too_large" or m.sha256 is None:
        why = "文件超过大小限制，未能保存" if m.intake_problem == "too_large" else "文件已损坏，未能保存"
        return notice(f"文件“{name}”无法放入材料包：{why}。")
    path = ctx.blobs.path(m.sha256)
    if not path.exists():
        return notice(f"文件“{name}”在材料库中找不到，无法放入材料包；请联系管理员。")
    if m.encrypted:
        return notice(f"文件“{name}”是加密的PDF，无法打开，未能放入材料包；请申报人提交未加密的文件。")
    media = m.media_type or ""
    if media == "application/pdf":
        if not m.pages:
            return notice(f"文件“{name}”无法读取（PDF已损坏），未能放入材料包。")
        return MaterialView(anchor, kind, name, "pdf", path, pages=m.pages)
    if media.startswith("image/"):
        upright = ctx.blobs.path(m.normalized_sha256) if m.normalized_sha256 else None
        use = upright if upright is not None and upright.exists() else path
        return MaterialView(anchor, kind, name, "image", use)
    if m.inspected:
        return notice(f"文件“{name}”不是JPG、PNG或PDF文件，或已损坏，无法放入材料包。")
    return notice(f"文件“{name}”尚未完成检查，暂不能放入材料包。")
