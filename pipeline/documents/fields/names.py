"""The holder's name on a certificate: beside its label (姓名, 学生, 兹证明 ...) or before 性别."""

from __future__ import annotations

import re

from .text import BLANK_LINES, CJK

_NAME_LABEL = re.compile(
    rf"(?:姓[ ]?名[ ]*[:：]?|持证人[ ]*[:：]|研究生|学生|兹证明|兹有|学员[ ]*[:：]?)[ ]*{BLANK_LINES}"
    rf"(?P<v>[{CJK}·]{{2,10}})"
)
_NAME_BEFORE_GENDER = re.compile(
    rf"(?:^|(?<=[\s,，。:：;；]))(?P<v>[{CJK}·]{{2,5}})[ ]*[,，][ ]*(?:性别[ ]*[:：]?[ ]*)?[男女][ ]*[,，]",
    re.MULTILINE,
)
# Words that end a name when OCR lost the separator after it: 张三性别 -> 张三.
_NAME_STOPS = ("性别", "同志", "同学", "身份", "公民", "出生", "生于", "民族", "籍贯", "工作", "单位",
               "专业", "学号", "资格", "现任", "职务", "证件", "先生", "女士", "性")
_NAME_STOP_CHARS = "男女于在为系是的自从"
_NOT_A_NAME = ("毕业", "证书", "学位", "学习", "专业", "培养", "课程", "成绩", "姓名", "性别",
               "身份", "工作", "单位", "科目", "学时", "具备", "具有", "本人", "同志")


def _trim_name(value: str) -> str | None:
    value = value.replace("·", "")
    if value.startswith(_NOT_A_NAME):
        return None
    cut = min((i for i in (value.find(s, 2) for s in _NAME_STOPS) if i >= 2), default=-1)
    if cut >= 2:
        value = value[:cut]
    elif len(value) > 3:
        cut = min((i for i in (value.find(c, 2) for c in _NAME_STOP_CHARS) if i >= 2), default=-1)
        if cut >= 2:
            value = value[:cut]
    if not 2 <= len(value) <= 4:
        return None
    return value


def holder_name(t: str) -> tuple[str, int] | None:
    """The holder's name in the normalized text `t`, and where it is."""
    for pattern in (_NAME_LABEL, _NAME_BEFORE_GENDER):
        for m in pattern.finditer(t):
            name = _trim_name(m.group("v"))
            if name is not None:
                return name, m.start("v")
    return None
