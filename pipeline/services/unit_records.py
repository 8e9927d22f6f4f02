"""A unit's record from a units file or a form: the registry's columns and accepted values, and
`validate`, which turns raw column values into a `UnitData` or the Chinese reasons it is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.domain.identity import check_uscc
from pipeline.domain.regions import check_region
from pipeline.domain.text import unsafe_chars
from pipeline.domain.vocabulary import Approver, UnitKind, UnitStatus

KINDS = tuple(UnitKind)
APPROVERS = tuple(Approver)
STATUSES = tuple(UnitStatus)
APPROVED = UnitStatus.APPROVED

UNIT_COLUMNS = {  # header / alias → field
    "统一社会信用代码": "code", "code": "code",
    "单位名称": "name", "name": "name",
    "统筹区": "region", "region": "region",
    "单位性质": "kind", "kind": "kind",
    "审核单位": "approver", "approver": "approver",
    "主管单位统一社会信用代码": "supervisor_code", "supervisor_code": "supervisor_code",
    "上级单位统一社会信用代码": "parent_code", "parent_code": "parent_code",
    "注册状态": "status", "status": "status",
    "县级单位": "county_level", "county_level": "county_level",
    "经办人": "contact_name", "经办人姓名": "contact_name", "contact_name": "contact_name",
    "经办人电话": "contact_phone", "经办人手机": "contact_phone", "contact_phone": "contact_phone",
    "业务类别": "business_category", "business_category": "business_category",
}
_PHONE = re.compile(r"^[0-9][0-9\- ]{6,19}$")
YES = ("是", "y", "yes", "true", "1")
NO = ("否", "n", "no", "false", "0")


@dataclass
class UnitData:
    code: str
    name: str
    region: str = ""
    kind: str = ""
    approver: str = Approver.AUTHORITY
    supervisor_code: str | None = None
    parent_code: str | None = None
    status: str = UnitStatus.PENDING
    county_level: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    business_category: str = ""


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def validate(raw: dict[str, object], where: str) -> tuple[UnitData | None, list[str]]:
    """A unit from raw column values, or the Chinese reasons it is refused."""
    errors: list[str] = []
    ok, code, msg = check_uscc(_clean(raw.get("code")))
    if not ok:
        errors.append(f"{where}{msg}")
    name = _clean(raw.get("name"))
    if not name:
        errors.append(f"{where}缺少单位名称")
    for key, label in (("name", "单位名称"), ("contact_name", "经办人"),
                       ("business_category", "业务类别"), ("region", "统筹区")):
        if bad := unsafe_chars(_clean(raw.get(key)), newlines_ok=False):
            errors.append(f"{where}{label}含有不可见的控制字符或文字方向字符（{'、'.join(bad)}），"
                          "请删去后重新填写")
    kind = _clean(raw.get("kind"))
    if kind and kind not in KINDS:
        errors.append(f"{where}单位性质“{kind}”无效，应为：{'、'.join(KINDS)}")
    approver = _clean(raw.get("approver")) or Approver.AUTHORITY
    if approver not in APPROVERS:
        errors.append(f"{where}审核单位“{approver}”无效，应为“主管机构”或“主管单位”")
    status = _clean(raw.get("status")) or UnitStatus.PENDING
    if status not in STATUSES:
        errors.append(f"{where}注册状态“{status}”无效，应为：{'、'.join(STATUSES)}")
    codes: dict[str, str | None] = {}
    for key, label in (("supervisor_code", "主管单位"), ("parent_code", "上级单位")):
        value = _clean(raw.get(key)).upper() or None
        if value:
            good, value, m = check_uscc(value)
            if not good:
                errors.append(f"{where}{label}：{m}")
        codes[key] = value
    if approver == Approver.SUPERVISOR and not codes["supervisor_code"]:
        errors.append(f"{where}审核单位为“主管单位”时须填写主管单位统一社会信用代码")
    if codes["parent_code"] and codes["parent_code"] == code:
        errors.append(f"{where}上级单位不能是本单位")
    region = _clean(raw.get("region"))
    if region and (why := check_region(region)):
        errors.append(f"{where}{why}")
    contact_phone = _clean(raw.get("contact_phone"))
    if contact_phone and not _PHONE.match(contact_phone):
        errors.append(f"{where}经办人电话“{contact_phone}”无效：请填写手机号或带区号的固定电话")
    county = _clean(raw.get("county_level")).lower()
    if county and county not in YES + NO:
        errors.append(f"{where}县级单位“{county}”无效，应为“是”或“否”（不填时按统筹区判断）")
    if errors:
        return None, errors
    # Not given: a unit whose 统筹区 is a county (…县, …自治县) counts as county-level.
    county_level = county in YES if county else region.endswith("县")
    return UnitData(code, name, region, kind, approver, codes["supervisor_code"],
                    codes["parent_code"], status, county_level, _clean(raw.get("contact_name")),
                    contact_phone, _clean(raw.get("business_category"))), []
