"""Control and bidirectional-override characters made visible, for text written where they would
act: a spreadsheet cell (openpyxl refuses C0 controls outright), an operator's terminal (ESC
starts a sequence that can retitle the window or write the clipboard), a printed list (U+202E
turns `学历证书\u202egpj.exe` into what looks like a JPEG)."""

from __future__ import annotations

import re

# C0 controls but tab/newline/carriage return, DEL, C1 controls (0x9b is a one-byte CSI),
# and the bidi embeddings, overrides and isolates.
_ACTING = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _show(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␀ for NUL
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible_controls(text: str) -> str:
    """`text` with every control or bidi character replaced by a visible stand-in."""
    return _ACTING.sub(_show, text)


def has_controls(text: str) -> bool:
    """True when `text` holds a character `visible_controls` would replace."""
    return _ACTING.search(text) is not None
