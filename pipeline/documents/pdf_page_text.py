"""A PDF page's text read straight from its content stream, for the pages that need no more.

pypdf's `extract_text` parses every operator of a page in pure Python: ~20 ms for a 述职报告 of
~4,000 Chinese characters, the largest part of the pipeline's CPU per application without OCR.
Most pages of a text document hold nothing but text drawn in fonts whose codes map to Unicode by
a table: this module reads only the operators that show text and place lines, with one regular
expression, and maps the codes with the font's ToUnicode CMap (or the predefined UCS-2 encoding
of a non-embedded CJK font, such as STSong-Light's UniGB-UCS2-H). It reads the same characters
as pypdf, about three times faster (bench/bench_pdf_text.py, tests/unit/test_pdf_page_text.py).

Anything it cannot read exactly makes `page_text` return None, and the caller has pypdf read the
page: a form XObject (text may be inside), an inline image (binary data among the operators), a
literal string with nested parentheses, a Type3 font, a simple font with /Differences and no
ToUnicode, a code its font does not map. It is never the only reader of a page it is unsure of.
Line breaks follow the text's baseline; the spaces between words are approximated (the rules
count the characters that are not white space).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
from typing import Any

from pipeline.errors import ZhichengError

Decoder = Callable[[bytes], str]

# One token of a content stream: a literal string without nested parentheses, a hex string,
# a dictionary's brackets, a name, a number, an operator, an array's bracket, a comment, or a
# lone parenthesis (a literal string this reader does not handle).
_TOKEN = re.compile(
    rb"\((?:[^()\\]|\\.)*\)"          # literal string
    rb"|<<|>>"                        # a dictionary (marked-content properties)
    rb"|<[0-9A-Fa-f\s]*>"             # hex string
    rb"|/[^\s/\[\]()<>{}%]*"          # name
    rb"|(?:[-+]?(?:\d+\.?\d*|\.\d+)\s+)*[-+]?(?:\d+\.?\d*|\.\d+)"  # numbers (the last counts)
    rb"|[A-Za-z'\"*][A-Za-z0-9'\"*]*" # operator
    rb"|[\[\]]"                       # array
    rb"|%[^\r\n]*"                    # comment
    rb"|[()]",                        # a literal string this reader does not handle
    re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.S)
# A literal whose escapes Python's unicode_escape reads as PDF does: octal, \n \r \t \b \f \\,
# \( \) and a backslash before a line feed (not \x, \a, \u or a CR after the backslash).
_SAFE_ESCAPES = re.compile(rb"(?:[^\\]|\\[0-7\\nrtbf\n()])*", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f",
            b"\r\n": b"", b"\n": b"", b"\r": b""}
# Predefined CMaps whose codes are the characters' UCS-2 / UTF-16 code units.
_UNICODE_CMAPS = re.compile(r"Uni(GB|CNS|JIS|KS)-(UCS2|UTF16)-[HV]")
_SIMPLE_ENCODINGS = {"/WinAnsiEncoding": "cp1252", "/MacRomanEncoding": "mac_roman"}
_GAP = -250   # a TJ offset (thousandths of an em) wider than a quarter em reads as a space


class Unreadable(ZhichengError):
    """The page holds something this reader does not read exactly: pypdf reads it (never raised
    out of this module; the reasons are for whoever debugs it, not for a person)."""


def page_text(page: Any) -> str | None:
    """The page's text, or None when pypdf must read it (see the module's docstring)."""
    try:
        contents = page.get_contents()
        if contents is None:
            return ""
        resources = page.get("/Resources")
        return _read(contents.get_data(), resources.get_object() if resources is not None else {})
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - Unreadable, or a malformed operand: pypdf reads the page
        return None


def read_page(page: Any) -> str:
    """The page's text: by its text operators, or by pypdf where they are not enough."""
    text = page_text(page)
    return text if text is not None else page.extract_text() or ""


def _read(data: bytes, resources: Mapping[str, Any]) -> str:
    """The text of one content stream; strings are bytes, names and numbers str."""
    fonts = _resolved(resources.get("/Font"))
    xobjects = _resolved(resources.get("/XObject"))
    decoders: dict[str, Decoder] = {}
    parts: list[str] = []
    operands: list[Any] = []
    array: list[Any] | None = None
    decode: Decoder | None = None
    line_y = 0.0                    # the baseline of the text line matrix
    shown_y: float | None = None    # the baseline of the last text shown
    leading = 0.0
    for match in _TOKEN.finditer(data):
        token = match.group()
        first = token[:1]
        if first == b"(":
            if len(token) == 1:
                raise Unreadable("nested parentheses")
            (operands if array is None else array).append(_literal(token))
        elif first == b"<" and token != b"<<":
            (operands if array is None else array).append(bytes.fromhex(token[1:-1].decode()))
        elif first == b"[":
            array = []
        elif first == b"]":
            operands.append(array if array is not None else [])
            array = None
        elif first == b"/":
            (operands if array is None else array).append(token.decode("latin-1"))
        elif first in b"+-.0123456789":  # a run of numbers: only the last is ever needed
            (operands if array is None else array).append(token.rsplit(None, 1)[-1].decode())
        elif first in b"%<>":  # a comment or a dictionary's brackets
            continue
        elif first == b")":
            raise Unreadable("nested parentheses")
        else:
            if token in (b"Tj", b"TJ", b"'", b'"'):
                if decode is None:
                    raise Unreadable("text shown before a font is set")
                if token in (b"'", b'"'):
                    line_y -= leading
                if shown_y is not None and line_y != shown_y:
                    parts.append("\n")
                shown_y = line_y
                parts.append(_shown(token, operands, decode))
            elif token == b"Tf":
                name = _operand(operands, -2)
                if name not in decoders:
                    decoders[name] = _decoder(fonts.get(name))
                decode = decoders[name]
            elif token == b"BT":  # the text matrix starts as the identity
                line_y = 0.0
            elif token == b"Tm":
                line_y = float(_operand(operands, -1))
            elif token in (b"Td", b"TD"):
                ty = float(_operand(operands, -1))
                line_y += ty
                if token == b"TD":
                    leading = -ty
            elif token == b"TL":
                leading = float(_operand(operands, -1))
            elif token == b"T*":
                line_y -= leading
            elif token == b"Do":
                xobject = xobjects.get(_operand(operands, -1))
                if xobject is None or xobject.get_object().get("/Subtype") != "/Image":
                    raise Unreadable("form XObject")
            elif token in (b"BI", b"ID"):
                raise Unreadable("inline image")
            operands = []
    return "".join(parts)


def _shown(op: bytes, operands: list[Any], decode: Decoder) -> str:
    """The text of one text-showing operator: its string, or its array's strings."""
    if op == b"TJ":
        if not operands or not isinstance(operands[-1], list):
            raise Unreadable("TJ without an array")
        return "".join(decode(item) if isinstance(item, bytes)
                       else " " if float(item) < _GAP else "" for item in operands[-1])
    if not operands or not isinstance(operands[-1], bytes):
        raise Unreadable("text operator without a string")
    return decode(operands[-1])


def _operand(operands: list[Any], index: int) -> str:
    """A name or number operand (str), where the operator expects one."""
    operand = operands[index] if len(operands) >= -index else None
    if not isinstance(operand, str):
        raise Unreadable("missing operand")
    return operand


def _literal(token: bytes) -> bytes:
    """A literal string's bytes, its escapes resolved."""
    inner = token[1:-1]
    if b"\\" not in inner:
        return inner
    if _SAFE_ESCAPES.fullmatch(inner):  # decoded in C
        # Every parenthesis of a matched literal is escaped (an odd run of backslashes).
        inner = inner.replace(b"\\(", b"(").replace(b"\\)", b")")
        return inner.decode("unicode_escape").encode("latin-1")
    return _ESCAPE.sub(_unescape, inner)


def _unescape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    if escaped[:1].isdigit():
        return bytes([int(escaped, 8) & 0xFF])
    return _ESCAPES.get(escaped, escaped)


def _resolved(value: Any) -> dict[str, Any]:
    """A resource dictionary (fonts, XObjects) with its values' indirect references resolved."""
    if value is None:
        return {}
    return {str(key): item.get_object() for key, item in value.get_object().items()}


def _decoder(font: Any) -> Decoder:
    """How a font's codes become text, or Unreadable when this reader cannot map them exactly."""
    if font is None:
        raise Unreadable("unknown font")
    subtype = font.get("/Subtype")
    unicode_map = font.get("/ToUnicode")
    if subtype == "/Type0":
        if unicode_map is not None:
            return _cmap_decoder(unicode_map.get_object().get_data())
        encoding = font.get("/Encoding")
        if isinstance(encoding, str) and _UNICODE_CMAPS.fullmatch(encoding[1:]):
            return _utf16
        raise Unreadable("CID font without a Unicode map")
    if subtype in ("/Type1", "/TrueType", "/MMType1"):
        if unicode_map is not None:
            return _cmap_decoder(unicode_map.get_object().get_data())
        encoding = font.get("/Encoding")
        codec = _SIMPLE_ENCODINGS.get(encoding) if isinstance(encoding, str) else None
        if codec is None:
            raise Unreadable("simple font without a known encoding")
        return lambda raw: raw.decode(codec, "strict")
    raise Unreadable(f"font {subtype}")


def _utf16(raw: bytes) -> str:
    try:
        return raw.decode("utf-16-be", "strict")
    except UnicodeDecodeError as error:
        raise Unreadable("not UTF-16") from error


_CMAP_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])")


def _cmap_decoder(cmap: bytes) -> Decoder:
    """A decoder for a ToUnicode CMap: codes of one length (1 or 2 bytes) to their text."""
    if b"usecmap" in cmap:
        raise Unreadable("CMap uses another CMap")
    table: dict[int, str] = {}
    widths: set[int] = set()
    for block in _BFCHAR.findall(cmap):
        pairs = _CMAP_HEX.findall(block)
        for source, target in zip(pairs[0::2], pairs[1::2], strict=False):
            widths.add(len(source))
            table[int(source, 16)] = _target(target)
    for block in _BFRANGE.findall(cmap):
        for low, high, target in _RANGE.findall(block):
            widths.add(len(low))
            first, last = int(low, 16), int(high, 16)
            if last - first > 0xFFFF:
                raise Unreadable("CMap range too wide")
            if target.startswith(b"["):
                for code, item in zip(range(first, last + 1), _CMAP_HEX.findall(target),
                                      strict=False):
                    table[code] = _target(item)
            else:
                start = int(target[1:-1], 16)
                for offset in range(last - first + 1):
                    table[first + offset] = _target(b"%X" % (start + offset))
    if widths == {2}:  # one-byte codes (hex digits counted)
        return lambda raw: _mapped(table, raw)
    if widths == {4}:
        return lambda raw: _mapped(table, _two_byte_codes(raw))
    raise Unreadable("CMap codes of mixed or unusual lengths")


def _target(hex_digits: bytes) -> str:
    digits = hex_digits.decode()
    digits = digits.zfill((len(digits) + 3) // 4 * 4)
    return bytes.fromhex(digits).decode("utf-16-be", "surrogatepass")


def _mapped(table: dict[int, str], codes: bytes | tuple[int, ...]) -> str:
    try:
        return "".join(map(table.__getitem__, codes))
    except KeyError as error:
        raise Unreadable("a code the font does not map") from error


def _two_byte_codes(raw: bytes) -> tuple[int, ...]:
    if len(raw) % 2:
        raise Unreadable("an odd number of bytes for two-byte codes")
    return struct.unpack(f">{len(raw) // 2}H", raw)
