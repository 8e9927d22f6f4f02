"""The bounded PDF text reader: a hostile PDF costs at most the time limit, the page cap and the
character cap hold, the stuck reader is killed, and ordinary Chinese text reads as before."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.documents import pdf_text as module
from pipeline.documents.pdf_text import Limits, close_readers, read_text
from tests.files.hostile import many_pages_pdf, nested_xobject_pdf


def readers_alive() -> list[int]:
    """Reader processes that are children of this process (and not zombies)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"pdf_text_reader" in cmdline:
            pids.append(int(entry))
    return pids


def test_nested_form_xobjects_are_stopped_at_the_time_limit_and_the_reader_is_killed(
        tmp_path: Path) -> None:
    path = tmp_path / "述职报告.pdf"
    path.write_bytes(nested_xobject_pdf(depth=12, fanout=4, pages=40))
    assert path.stat().st_size < 10_000  # a few KB: the work is in the nesting, not the bytes
    close_readers()
    result = read_text(path, Limits(seconds=2))
    assert result.stopped == "time"
    assert result.pages == 40 and result.pages_read < 40  # not every page was read...
    assert len(result.text) <= module.MAX_CHARS  # ...and what was read is bounded and kept
    assert readers_alive() == []  # the stuck reader was killed and reaped, not left running
    again = read_text(path.with_name("x.pdf"), Limits(seconds=2))  # the next file: a new reader
    assert again.stopped == "unreadable"


def test_the_character_cap_holds_whatever_a_page_expands_to(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(nested_xobject_pdf(depth=6, fanout=4, pages=3))  # ~27,000 characters a page
    result = read_text(path, Limits(max_chars=10_000))
    assert result.stopped == "chars"
    assert 0 < len(result.text) <= 10_000 + 2  # plus the newlines between pages


def test_the_page_cap_holds(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(many_pages_pdf(2_000))
    result = read_text(path, Limits(max_pages=50))
    assert (result.pages, result.pages_read, result.stopped) == (2_000, 50, "pages")
    assert result.text.count("A page of many") == 50


def test_a_complete_reading_says_so_and_the_reader_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(many_pages_pdf(3))
    close_readers()
    first = read_text(path)
    (reader,) = readers_alive()
    second = read_text(path)
    assert first == second and first.complete and first.pages_read == 3
    assert readers_alive() == [reader]
    close_readers()
    assert readers_alive() == []


def test_a_file_that_is_not_a_pdf_gives_no_text(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4 then nothing a reader can use")
    result = read_text(path)
    assert result.text == "" and result.stopped == "unreadable" and result.pages is None
