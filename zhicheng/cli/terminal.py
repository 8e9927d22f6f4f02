"""The operator's terminal is safe from what units typed: every line the CLI prints goes through a
stream that shows control and bidi characters as visible stand-ins (pipeline.domain.controls), so a
name holding ESC sequences cannot retitle the window or write the clipboard, and U+202E cannot
disguise a file name. JSON stays JSON: json.dumps already escapes C0 controls, and a visible
stand-in for a bidi character is still a valid string character."""

from __future__ import annotations

import io
import sys
from typing import TextIO

from pipeline.domain.controls import visible_controls


class SafeStream(io.TextIOBase):
    """A text stream that writes `visible_controls(text)` to the stream it wraps. It offers no
    `buffer`, so nothing (Click included) can write around it."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(visible_controls(text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    # Read-only here, an attribute in typeshed's TextIOBase: the wrapped stream's own values.
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._inner.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._inner.errors


def install() -> None:
    """Wrap this process's stdout and stderr (the `zhicheng` command's entry point calls it)."""
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)
