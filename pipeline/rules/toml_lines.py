"""Where each key of a TOML document is written: tomllib returns values without positions.

The rule-set loader's messages name the line of the key at fault (an operator edits the file by
hand); this is the small lexer that finds those lines: table headers, array-of-tables headers and
`key =` lines, with bare, quoted and dotted keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

Where = tuple[str | int, ...]  # a key path; an int is the index in an array of tables

_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"\s*\[\[\s*({_DOTTED})\s*\]\]")
_TABLE_HEADER = re.compile(rf"\s*\[\s*({_DOTTED})\s*\]")
_KEY_LINE = re.compile(rf"\s*({_DOTTED})\s*=")


def _key_parts(dotted: str) -> tuple[str, ...]:
    parts = []
    for part in re.findall(_KEY, dotted):
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def _index(lines: list[str]) -> dict[Where, int]:
    """The 1-based line where each table and key of the document is written."""
    index: dict[Where, int] = {}
    table: Where = ()
    counts: dict[Where, int] = {}
    for number, line in enumerate(lines, 1):
        if found := _ARRAY_HEADER.match(line):
            name = _key_parts(found.group(1))
            counts[name] = counts.get(name, -1) + 1
            table = name + (counts[name],)
        elif found := _TABLE_HEADER.match(line):
            table = _key_parts(found.group(1))
        elif found := _KEY_LINE.match(line):
            index.setdefault(table + _key_parts(found.group(1)), number)
            continue
        else:
            continue
        for size in range(1, len(table) + 1):
            index.setdefault(table[:size], number)
    return index


class KeyLines:
    """The lines of one TOML document's keys and tables."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.index = _index(self.lines)

    def __iter__(self) -> Iterator[Where]:
        """Every key path written in the document, in the order first written."""
        return iter(self.index)

    def line_of(self, where: Where, needle: str | None = None) -> int | None:
        """The 1-based line of `where` (or of the nearest enclosing table written); with `needle`,
        the line of the element of a multi-line array that holds it. None: not written."""
        for size in range(len(where), 0, -1):
            if where[:size] in self.index:
                line = self.index[where[:size]]
                break
        else:
            return None
        if needle:
            for number in range(line, len(self.lines) + 1):
                text = self.lines[number - 1]
                if number > line and (_KEY_LINE.match(text) or _TABLE_HEADER.match(text)):
                    break
                if needle in text:
                    return number
        return line
