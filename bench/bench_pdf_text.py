"""Benchmark: reading a 述职报告's text layer, before (pdftotext + pypdf fallback) and after
(the text operators, pypdf where they are not sure, in a bounded reader process), on the sample generator's Chinese reports and on the
hostile nested-XObject PDF.

    python bench/bench_pdf_text.py --reports 40
    python bench/bench_pdf_text.py --hostile --pages 40   # the nested-XObject PDF, before and after

Each measurement runs in a fresh child process (`--one METHOD FILE...`), so its peak RSS
(ru_maxrss of the child and of its own children) is that method's alone. Correctness: the share
of the report's own characters (non-space) found, in order, in what was read.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "pdf-text"
sys.path.insert(0, str(ROOT))


def _old_pdftotext(path: Path) -> str | None:
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                              timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def _old_pypdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    texts = []
    for page in reader.pages:
        try:
            texts.append(page.extract_text() or "")
        except Exception:  # noqa: BLE001 - as the old code did
            texts.append("")
    return "\n".join(texts)


def method(name: str, path: Path) -> str:
    """Read one file with a named method."""
    if name == "before":  # the code this replaces: pdftotext (120 s timeout), then pypdf
        text = _old_pdftotext(path)
        return text if text is not None else _old_pypdf(path)
    if name == "pypdf":
        return _old_pypdf(path)
    if name == "operators":  # the reader's own page reading, in process: text operators, then pypdf
        from pypdf import PdfReader

        from pipeline.documents.pdf_page_text import read_page

        return "\n".join(map(read_page, PdfReader(path, strict=False).pages))
    if name == "pdftotext":
        return _old_pdftotext(path) or ""
    if name == "pdfium-inprocess":  # pypdfium2 is not a dependency: pip install it to compare
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(path)
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    if name == "after":
        from pipeline.documents.pdf_text import read_text

        return read_text(path).text
    raise SystemExit(f"unknown method {name}")


def one(name: str, files: list[Path]) -> None:
    """Child: read every file, print seconds, characters and the texts' digest as JSON."""
    start = time.perf_counter()
    texts = [method(name, f) for f in files]
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if name == "after":
        from pipeline.documents.pdf_text import close_readers

        close_readers()
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    OUT.mkdir(parents=True, exist_ok=True)
    for f, t in zip(files, texts):
        (OUT / f"{f.stem}.{name}.txt").write_text(t, encoding="utf-8")
    print(json.dumps({"seconds": seconds, "chars": sum(len(t) for t in texts),
                      "peak_rss_mb": own / 1024, "children_peak_rss_mb": kids / 1024}))


def reports(count: int) -> list[tuple[Path, str]]:
    """Sample 述职报告 PDFs and the text each was written from."""
    from zhicheng.sample.batch import make_batch  # noqa: F401 - the generator's own modules
    from zhicheng.sample.documents import _report_text, report_pdf
    from zhicheng.sample.people import make_person

    OUT.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        rng = random.Random(1000 + i)
        person = make_person(rng, i, 2026, ("430100000001", "湖南省测试单位", "事业单位"), set(), None)
        light = i % 2 == 0
        state = rng.getstate()
        data = report_pdf(person, light, rng)
        rng.setstate(state)
        target = rng.randint(3300, 3600) if light else rng.randint(3400, 4300)
        source = "".join(t for _, t in _report_text(person, rng, target))
        path = OUT / f"report-{i:03d}.pdf"
        path.write_bytes(data)
        out.append((path, source))
    return out


def run_child(name: str, files: list[Path], timeout: float) -> dict[str, float] | str:
    argv = [sys.executable, __file__, "--one", name, *map(str, files)]
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"still running after {time.perf_counter() - start:.0f} s (stopped by the benchmark)"
    if done.returncode:
        return f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def found(source: str, text: str) -> float:
    """Share of the source's non-space characters matched in order by the text read."""
    a = "".join(source.split())
    b = "".join(text.split())
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(m.size for m in blocks) / max(1, len(a))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--hostile", action="store_true")
    parser.add_argument("--before-timeout", type=float, default=900)
    parser.add_argument("--pages", type=int, default=40, help="pages of the hostile PDF")
    parser.add_argument("--one", nargs="+")
    args = parser.parse_args()
    if args.one:
        one(args.one[0], [Path(p) for p in args.one[1:]])
        return
    if args.hostile:
        from tests.files.hostile import nested_xobject_pdf

        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"nested-xobjects-{args.pages}.pdf"
        path.write_bytes(nested_xobject_pdf(depth=12, fanout=4, pages=args.pages))
        print(f"nested-XObject PDF: {path.stat().st_size} bytes")
        for name in ("after", "before"):
            print(name, run_child(name, [path], args.before_timeout))
        return
    made = reports(args.reports)
    files = [p for p, _ in made]
    pages = sum(int(subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True).stdout
                    .split("Pages:")[1].split()[0]) for p in files)
    print(f"{len(files)} sample 述职报告 PDFs, {pages} pages")
    methods = ["before", "pypdf", "operators", "after"]
    if importlib.util.find_spec("pypdfium2") is not None:
        methods.insert(3, "pdfium-inprocess")
    for name in methods:
        result = run_child(name, files, 3600)
        if isinstance(result, dict):
            shares = [found(src, (OUT / f"{p.stem}.{name}.txt").read_text(encoding="utf-8"))
                      for p, src in made]
            result["ms_per_file"] = result["seconds"] * 1000 / len(files)
            result["found_min"] = min(shares)
            result["found_mean"] = sum(shares) / len(shares)
        print(name, json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
