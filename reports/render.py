"""The one Jinja2 environment, and HTML to PDF with WeasyPrint and an embedded Chinese font.

Templates render view-models (`reports.views`), never database rows. The environment escapes
everything (a `<script>` in a name is text) and refuses undefined names (a typo in a template is
an error, not an empty cell).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipeline.errors import ConfigError

# Families tried in order; Noto CJK comes with fonts-noto-cjk (scripts/setup installs it).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
# Where fonts-noto-cjk puts it, for machines without fontconfig's command line.
CJK_PATHS = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),)


class ReportError(ConfigError):
    """A report cannot be made (no Chinese font, nothing to report); the message is in Chinese."""


def _date(value: date | datetime | None, empty: str = "") -> str:
    if value is None:
        return empty
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


@functools.cache
def environment() -> Environment:
    """The report environment: autoescape on every template, strict undefined."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["d"] = _date
    env.filters["or_dash"] = lambda v: "—" if v in (None, "") else v
    return env


def render_html(template: str, **view: Any) -> str:
    """Render a template with a view-model."""
    return environment().get_template(template).render(font_family=font_family(), **view)


@functools.cache
def font_family() -> str:
    """The CSS font-family list: the Chinese font installed here first."""
    found = _installed_family()
    if found is None:
        raise ReportError("未找到中文字体（Noto CJK）；请运行 scripts/setup 安装 fonts-noto-cjk")
    rest = [f for f in CJK_FAMILIES if f != found]
    return ", ".join(f'"{f}"' for f in [found, *rest]) + ", sans-serif"


def _installed_family() -> str | None:
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":lang=zh-cn", "family"], capture_output=True,
                                 text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        families = {f.strip() for line in out.splitlines() for f in line.split(",")}
        for family in CJK_FAMILIES:
            if family in families:
                return family
    if any(p.exists() for p in CJK_PATHS):
        return CJK_FAMILIES[0]
    return None


def weasyprint_html() -> Any:
    """WeasyPrint's HTML class, imported on first use (it is slow to import).

    Importing WeasyPrint sets Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES = True`,
    which would make every truncated JPEG in this process decode without an error, so that
    normalisation and OCR no longer see a broken upload (material.unreadable). It is set back at
    once: packets only embed images that normalisation found whole.
    """
    from PIL import ImageFile
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML


def html_to_pdf(html: str, target: Path | None = None, base_url: str | None = None) -> bytes | None:
    """Lay out HTML as a PDF (A4 and the rest come from the template's CSS); fonts are embedded
    as subsets. Writes `target` when given, else returns the bytes."""
    document = weasyprint_html()(string=html, base_url=base_url or str(Path.cwd()))
    if target is not None:
        document.write_pdf(target)
        return None
    pdf: bytes = document.write_pdf()
    return pdf


def render_pdf(template: str, target: Path, **view: Any) -> Path:
    """Render a template to a PDF file (written aside, then moved into place)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    html_to_pdf(render_html(template, **view), tmp)
    os.replace(tmp, target)
    return target
