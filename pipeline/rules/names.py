"""Whether a name read by OCR is the declared one: OCR's confusions (look-alike characters, a
left-right character read as its halves, spaces and dots inside a name) are forgiven, a different
name never (a different surname, a dropped or an extra character)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from pipeline.documents.fields.text import CJK
from pipeline.domain.identity import halfwidth

# --- names --------------------------------------------------------------------------------------

# Groups of CJK characters that look alike and that OCR takes for one another; each character may
# be read as any other of its group.
CONFUSABLE_GROUPS: tuple[str, ...] = (
    "己已巳", "未末", "土士", "千干于", "人入八", "王玉主壬", "日曰", "天夭", "大太犬丈", "刀力",
    "田由甲申", "贝见", "毛手", "戊戌戍", "今令", "休体", "免兔", "候侯", "鸟乌", "鸣呜", "晴睛",
    "崇祟", "冶治", "准淮", "佳住", "折析", "兵乒乓", "辨辩辫", "拔拨", "历厉", "采釆", "斤斥",
    "儿几", "木本术", "子孑", "宇字", "明朋", "思恩", "英荚", "春舂", "永水", "午牛", "帅师",
    "白自", "贞员", "余佘", "宫官", "巨臣", "国囯", "玲伶", "峰锋", "凤风", "亨享", "杨扬",
)
CONFUSABLE: dict[str, frozenset[str]] = {}
for _group in CONFUSABLE_GROUPS:
    for _ch in _group:
        CONFUSABLE[_ch] = CONFUSABLE.get(_ch, frozenset()) | frozenset(_group.replace(_ch, ""))

# A left-right character that OCR may read as its two halves: 明 -> 日月.
SPLITS: dict[str, str] = {
    "明": "日月", "林": "木木", "好": "女子", "鹏": "朋鸟", "娟": "女肙", "婷": "女亭", "妍": "女开",
    "姗": "女册", "炜": "火韦", "晖": "日军", "琳": "王林", "玲": "王令", "湘": "氵相", "江": "氵工",
    "沙": "氵少", "洋": "氵羊", "松": "木公", "柏": "木白", "桦": "木华", "彬": "林彡", "妙": "女少",
    "姚": "女兆", "娇": "女乔", "帆": "巾凡", "旺": "日王", "昕": "日斤", "晴": "日青", "孙": "子小",
    "敏": "每攵", "颖": "匕页",
}

# Common surnames: a surname is never accepted as a misreading of another one (田 / 申 are both
# surnames, so a 申 on the certificate is not the applicant 田).
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤颜易伍符申文阳常康洪施牛聂章葛欧"
)
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "澹台", "申屠", "闻人",
})

SURNAME_STARTS = COMMON_SURNAMES | {s[0] for s in COMPOUND_SURNAMES}
_GAP_CHARS = frozenset(" \u3000")
_DOTS = frozenset("·•・.")
_CJK_RE = re.compile(f"[{CJK}]")
# What may stand right before a name without a space: a label.
_NAME_PREFIXES = ("姓名", "名", "学生", "研究生", "证明", "兹有", "持证人", "同志", "申请人", "申报人",
                  "本人", "学员")
# What may follow a name without a space: a label or a word of the sentence around it.
_NAME_FOLLOWERS = ("同志", "同学", "先生", "女士", "性别", "性", "身份", "公民", "出生", "生于", "于",
                   "在", "为", "系", "是", "的", "自", "从", "现", "已", "经", "学号", "民族", "籍贯",
                   "工作", "单位", "专业", "职务", "证书", "编号", "参加", "获得", "具备", "完成", "同",
                   "等", "所", "因")


def clean_text(text: str) -> str:
    """The text in NFKC with full-width forms made ASCII."""
    return unicodedata.normalize("NFKC", halfwidth(text or ""))


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.fullmatch(ch))


def name_chars(declared: str) -> str:
    """The characters of a declared name, without spaces and dots."""
    return "".join(ch for ch in clean_text(declared) if not ch.isspace() and ch not in _DOTS)


def _walk(text: str, pos: int, name: str, k: int, used: int, limit: int,
          surname_len: int) -> Iterator[int]:
    """End positions of `name[k:]` matched in `text` from `pos`, with at most `limit` confusions."""
    if k == len(name):
        yield pos
        return
    if k > 0:  # spaces (up to 3) and one dot may sit between the characters of a name
        gap = 0
        while pos < len(text) and text[pos] in _GAP_CHARS and gap < 3:
            pos, gap = pos + 1, gap + 1
        if pos < len(text) and text[pos] in _DOTS:
            pos += 1
            while pos < len(text) and text[pos] in _GAP_CHARS:
                pos += 1
    if pos >= len(text):
        return
    c, t = name[k], text[pos]
    if t == c:
        yield from _walk(text, pos + 1, name, k + 1, used, limit, surname_len)
        return
    if used >= limit:
        return
    if t in CONFUSABLE.get(c, ()) and not (k < surname_len and t in COMMON_SURNAMES):
        yield from _walk(text, pos + 1, name, k + 1, used + 1, limit, surname_len)
    halves = SPLITS.get(c)
    if halves and text.startswith(halves[0], pos):
        nxt = pos + 1
        if nxt < len(text) and text[nxt] == " ":
            nxt += 1
        if text.startswith(halves[1], nxt):
            yield from _walk(text, nxt + 1, name, k + 1, used + 1, limit, surname_len)


def _cjk_word_before(text: str, end: int, most: int = 4) -> str:
    """The CJK characters right before `end` (at most `most`: enough for every label)."""
    start = end
    while start > 0 and end - start < most and _is_cjk(text[start - 1]):
        start -= 1
    return text[start:end]


def _cjk_word_after(text: str, start: int, most: int = 4) -> str:
    end = start
    while end < len(text) and end - start < most and _is_cjk(text[end]):
        end += 1
    return text[start:end]


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether the match stands as a whole name: no character of another name glued to it."""
    # before
    j, spaces = start, 0
    while j > 0 and text[j - 1] in _GAP_CHARS:
        j, spaces = j - 1, spaces + 1
    if j > 0 and spaces < 2 and _is_cjk(text[j - 1]):
        word = _cjk_word_before(text, j)
        if spaces == 0 and not word.endswith(_NAME_PREFIXES):
            return False
        if spaces == 1 and len(word) == 1 and word in COMMON_SURNAMES:
            return False
    # after
    j, spaces = end, 0
    while j < len(text) and text[j] in _GAP_CHARS:
        j, spaces = j + 1, spaces + 1
    if j < len(text) and spaces < 2 and _is_cjk(text[j]):
        word = _cjk_word_after(text, j)
        if spaces == 0 and not word.startswith(_NAME_FOLLOWERS):
            return False
        if spaces == 1 and len(word) == 1 and word not in _NAME_FOLLOWERS:
            return False
    return True


# Longer than this, a "name" is compared exactly (no look-alikes): no person's name is that long.
_LONGEST_NAME = 12


def names_match(declared: str, seen_text: str) -> bool:
    """Whether `seen_text` (a certificate's OCR text, or a name read from it) shows the name
    `declared`, allowing for OCR: spaces or a dot between its characters, full-width forms, one
    character read as a similar-looking one (two in names of four or more characters; never a
    surname read as another common surname), a left-right character read as its two halves.
    A different name is never accepted: the name must stand whole, not glued to another character
    that would make it a longer name (王伟 is not shown by 王伟华)."""
    name = name_chars(declared or "")
    text = clean_text(seen_text or "")
    if len(name) < 2 or len(text) < 2:
        return False
    if len(name) > _LONGEST_NAME:
        return name in "".join(text.split())
    limit = 1 if len(name) <= 3 else 2
    surname_len = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    first_ok = {name[0]} | CONFUSABLE.get(name[0], frozenset()) | {SPLITS.get(name[0], " ")[0]}
    for start, ch in enumerate(text):
        if ch not in first_ok:
            continue
        for end in _walk(text, start, name, 0, 0, limit, surname_len):
            if _bounded(text, start, end):
                return True
    return False

