"""A PDF's text layer, read with bounds that hold whatever the file holds.

The text is read in a reader process (`pipeline.documents.pdf_text_reader`) that stays up
between files, so a file costs a message, not an interpreter start. It reads each page by its
text-showing operators (`pdf_page_text`, ~4x faster than pypdf) and has pypdf read the pages that
reader is not sure of (pypdf measured 2-5x faster than pdfium on the sample generator's Chinese
reports, with the same text: bench/RESULTS.md). The reader
reads at most `max_pages` pages, sends each page's text as it goes and stops at `max_chars`
characters; its address space is capped; the caller kills it when `seconds` have passed (and
starts a new one for the next file). A PDF whose page draws form XObjects nested many levels
deep (a few KB that expand to billions of operations) costs at most `seconds` and the memory
cap, and the text read before the stuck page is kept. Nothing falls back to an unbounded reader.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MAX_PAGES = 300                  # pages read; a 述职报告 is ten pages, not hundreds
MAX_CHARS = 1_000_000            # characters kept: the 3,000-character rule needs far fewer
SECONDS = 20.0                   # wall-clock limit of one file's reading
MEMORY_BYTES = 1024 ** 3         # the reader's address space
FILES_PER_READER = 500           # a reader is replaced after this many files (caches, leaks)
STARTUP_SECONDS = 60.0           # a new reader's start (an interpreter and pypdf) on a busy host


@dataclass(frozen=True)
class Limits:
    """The bounds of one reading."""

    max_pages: int = MAX_PAGES
    max_chars: int = MAX_CHARS
    seconds: float = SECONDS
    memory_bytes: int = MEMORY_BYTES


@dataclass(frozen=True)
class PdfText:
    """What was read: the text, how many pages there are and were read, and what stopped it."""

    text: str
    pages: int | None            # pages in the document (None: it could not be opened)
    pages_read: int
    stopped: str | None = None   # "pages" | "chars" | "time" | "memory" | "unreadable" | None

    @property
    def complete(self) -> bool:
        """True when every page was read to the end."""
        return self.stopped is None


class _Reader:
    """One reader process and the pipe ends to talk to it."""

    def __init__(self, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self.files = 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.documents.pdf_text_reader", str(memory_bytes)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True)
        assert self.process.stdout is not None
        os.set_blocking(self.process.stdout.fileno(), False)
        self._buffer = b""
        self.ready = False

    def ask(self, path: Path, limits: Limits) -> PdfText:
        """Send one file; collect its pages until the end message, the deadline or the exit."""
        assert self.process.stdin is not None
        if not self.ready:  # a new reader's start-up is not counted in the file's time limit
            if self._next(time.monotonic() + STARTUP_SECONDS) != {"ready": True}:
                self.close()
                return PdfText("", None, 0, "memory")
            self.ready = True
        self.files += 1
        request = {"path": str(path), "max_pages": limits.max_pages, "max_chars": limits.max_chars}
        texts: list[str] = []
        pages: int | None = None
        deadline = time.monotonic() + limits.seconds
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            self.close()
            return PdfText("", None, 0, "memory")
        while True:
            message = self._next(deadline)
            if message is None or "end" not in message and "pages" not in message \
                    and "page" not in message:
                stopped = "time" if self.alive else "memory"  # alive: stuck; dead: its memory cap
                self.close()
                return PdfText("\n".join(texts), pages, len(texts), stopped)
            if "pages" in message:
                pages = message["pages"]
            elif "page" in message:
                texts.append(message["page"])
            else:
                return PdfText("\n".join(texts), pages, len(texts), message["end"])

    def _next(self, deadline: float) -> dict[str, Any] | None:
        """The reader's next message, or None at the deadline or when it has exited."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = self._read()
                if chunk is None:  # woken without data
                    continue
                if not chunk:  # end of file: the reader exited
                    self.process.wait()
                    return None
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        message = json.loads(line)
        return message if isinstance(message, dict) else None

    def _read(self) -> bytes | None:
        assert self.process.stdout is not None
        try:
            return os.read(self.process.stdout.fileno(), 1 << 20)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Kill the reader (a stuck one never finishes by itself) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


_idle: list[_Reader] = []
_idle_lock = threading.Lock()


def _take(memory_bytes: int) -> _Reader:
    with _idle_lock:
        while _idle:
            reader = _idle.pop()
            if reader.alive and reader.memory_bytes == memory_bytes:
                return reader
            reader.close()
    return _Reader(memory_bytes)


def _give_back(reader: _Reader) -> None:
    if not reader.alive or reader.files >= FILES_PER_READER:
        reader.close()
        return
    with _idle_lock:
        _idle.append(reader)


def close_readers() -> None:
    """Stop the idle reader processes (they also stop when this process exits)."""
    with _idle_lock:
        readers, _idle[:] = list(_idle), []
    for reader in readers:
        reader.close()


atexit.register(close_readers)


def read_text(path: Path, limits: Limits = Limits()) -> PdfText:
    """The text layer of a PDF within `limits`; pages are joined with a newline."""
    reader = _take(limits.memory_bytes)
    try:
        result = reader.ask(path, limits)
    except BaseException:
        reader.close()
        raise
    _give_back(reader)
    return result


def pdf_text(path: Path, max_pages: int | None = None) -> str:
    """The text layer of a PDF (at most `max_pages` pages, and the default limits); "" if none."""
    limits = Limits() if max_pages is None else Limits(max_pages=min(max_pages, MAX_PAGES))
    return read_text(path, limits).text


def limits_json(limits: Limits) -> dict[str, object]:
    """The limits as plain values (stored beside a reading, shown in docs)."""
    return asdict(limits)
