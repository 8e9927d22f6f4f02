"""The reader process of `pipeline.documents.pdf_text`: one JSON request a line on stdin, JSON
lines back on stdout: {"ready": true} once started, then per file {"pages": n}, {"page": text}
for each page read, and {"end": why-stopped} (null when every page was read)."""

from __future__ import annotations

import json
import resource
import sys
from typing import BinaryIO


def _send(out: BinaryIO, message: dict[str, object]) -> None:
    out.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
    out.flush()


def read(path: str, max_pages: int, max_chars: int, out: BinaryIO) -> None:
    """Read one file's pages in order within the page and character caps: each page by its text
    operators (`pdf_page_text`), or by pypdf where that reader is not sure of the page."""
    from pypdf import PdfReader

    from pipeline.documents.pdf_page_text import read_page

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # only-owner-protected files open with the empty password
        count = len(reader.pages)
    except MemoryError:
        _send(out, {"end": "memory"})
        return
    except Exception:  # noqa: BLE001 - damaged or password-protected: no text, and said so
        _send(out, {"end": "unreadable"})
        return
    _send(out, {"pages": count})
    left = max_chars
    for index in range(min(count, max_pages)):
        try:
            text = read_page(reader.pages[index])
        except MemoryError:
            _send(out, {"end": "memory"})
            return
        except Exception:  # noqa: BLE001 - one unreadable page gives no text
            text = ""
        _send(out, {"page": text[:left]})
        left -= len(text)
        if left <= 0:
            _send(out, {"end": "chars"})
            return
    _send(out, {"end": "pages" if count > max_pages else None})


def main() -> None:
    """Serve requests until stdin closes, within the address-space cap given as argv[1]."""
    cap = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import pypdf  # noqa: F401 - loaded once, before the first request

    import pipeline.documents.pdf_page_text  # noqa: F401

    out = sys.stdout.buffer
    _send(out, {"ready": True})
    for line in sys.stdin.buffer:
        if line.strip():
            request = json.loads(line)
            read(request["path"], request["max_pages"], request["max_chars"], out)


if __name__ == "__main__":
    main()
