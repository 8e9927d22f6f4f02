"""The sample's unit registry: six Hunan units and the units file (docs/reference.md §1b).

Unit codes are real GB 32100 codes: a GB 11714 organization code in the middle, the check character
of `pipeline.domain.identity.make_uscc` at the end.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.domain.identity import make_uscc

from .workbook import xlsx_bytes

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(body8: str) -> str:
    """A 9-character GB 11714 organization code (the middle of a USCC) with its check character."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body8]
    c = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    return body8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def _unit_code(department: str, category: str, region: str, body8: str) -> str:
    """A GB 32100 unit code around the GB 11714 organization code made from `body8`."""
    return make_uscc(department + category + region + _org_code(body8))


UNIT_HEADERS: tuple[tuple[str, str], ...] = (
    ("code", "统一社会信用代码"),
    ("name", "单位名称"),
    ("region", "统筹区"),
    ("kind", "单位性质"),
    ("approver", "审核单位"),
    ("supervisor_code", "主管单位统一社会信用代码"),
    ("parent_code", "上级单位统一社会信用代码"),
    ("status", "注册状态"),
)


@dataclass
class SampleUnit:
    """One unit of the registry, with the columns of the units file (docs/reference.md §1b)."""

    code: str
    name: str
    region: str
    kind: str
    approver: str
    supervisor_code: str
    parent_code: str
    status: str


_DEPT_CODE = _unit_code("1", "1", "430000", "00618826")
_DESIGN_CODE = _unit_code("9", "1", "430000", "18376542")
_RESEARCH_CODE = _unit_code("9", "1", "430000", "44488123")
_PRIVATE_CODE = _unit_code("9", "1", "430111", "MA4PQ7R2")
_HOSPITAL_CODE = _unit_code("1", "2", "430111", "44763918")
_PENDING_CODE = _unit_code("9", "1", "430304", "MA4TEK6U")
# A unit that is deliberately absent from the registry (flaw unit.unregistered).
UNREGISTERED_UNIT = ("湖南湘岳路桥建设有限公司", _unit_code("9", "1", "430602", "73284561"))


def sample_units() -> list[SampleUnit]:
    """Six Hunan units: a supervising department, two units under it, a private company and a
    hospital reviewed by the center directly, and one unit still waiting for approval."""
    return [
        SampleUnit(_DEPT_CODE, "湖南省交通运输厅", "省本级", "机关", "主管机构", "", "", "已审核"),
        SampleUnit(_DESIGN_CODE, "湖南省交通规划勘察设计院有限公司", "省本级", "国有企业", "主管单位",
                   _DEPT_CODE, _DEPT_CODE, "已审核"),
        SampleUnit(_RESEARCH_CODE, "湖南省交通科学研究院有限公司", "省本级", "国有企业", "主管单位",
                   _DEPT_CODE, _DEPT_CODE, "已审核"),
        SampleUnit(_PRIVATE_CODE, "湖南智诚数字科技有限公司", "雨花区", "非公企业", "主管机构",
                   "", "", "已审核"),
        SampleUnit(_HOSPITAL_CODE, "长沙市雨花区第二人民医院", "雨花区", "事业单位", "主管机构",
                   "", "", "已审核"),
        SampleUnit(_PENDING_CODE, "湘潭华信工程咨询有限公司", "岳塘区", "非公企业", "主管机构",
                   "", "", "待审核"),
    ]


def write_units_file(path: Path, units: Sequence[SampleUnit]) -> Path:
    """Write the units as a CSV (UTF-8 with BOM) or XLSX file, by the extension of `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [h for _, h in UNIT_HEADERS]
    rows = [[getattr(u, f) for f, _ in UNIT_HEADERS] for u in units]
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(xlsx_bytes("单位", header, rows, text_columns={0, 5, 6}))
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    return path


def choose_units(units: Sequence[SampleUnit]) -> tuple[list[SampleUnit], list[SampleUnit]]:
    """(units whose applications are accepted, units registered but not approved)."""
    approved = {u.code for u in units if u.status == "已审核"}
    ready = [u for u in units if u.status == "已审核" and (not u.parent_code or u.parent_code in approved)]
    superiors = {u.parent_code for u in units} | {u.supervisor_code for u in units}
    working = [u for u in ready if u.code not in superiors] or ready
    pending = [u for u in units if u.status != "已审核"]
    return working, pending


def applicant_weights(units: Sequence[SampleUnit]) -> list[int]:
    """How often each unit sends an applicant: the design institute most, an unknown unit 20."""
    weights = {_DESIGN_CODE: 40, _RESEARCH_CODE: 25, _PRIVATE_CODE: 20, _HOSPITAL_CODE: 15}
    return [weights.get(u.code, 20) for u in units]
