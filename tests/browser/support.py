"""Headless Chromium (Debian's package, driven by Playwright: no browser download) against a real
`zhicheng serve` child process, and the accessibility checks every page gets."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import unavailable

CHROMIUM = os.environ.get("ZHICHENG_CHROMIUM", "/usr/bin/chromium")
CLI = [sys.executable, "-c", "from zhicheng.cli import main; main()"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}   # the office screen the console is made for


def env_for(data: Path, database_url: str) -> dict[str, str]:
    env = {**os.environ, "ZHICHENG_DATA_DIR": str(data), "ZHICHENG_DATABASE_URL": database_url,
           "ZHICHENG_OCR_ENGINE": "null"}
    env.pop("ZHICHENG_BROKER_URL", None)
    return env


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(CLI + list(args), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(env: dict[str, str], log: Path) -> Iterator[str]:
    """`zhicheng serve` as a child process; its base URL once /healthz answers."""
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(CLI + ["serve", "--port", str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise AssertionError("zhicheng serve exited:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)
        else:
            raise AssertionError("zhicheng serve did not answer /healthz")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium; skipped locally (failed in CI) when Debian's chromium is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable("playwright", exc)
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        unavailable("chromium (apt install chromium)", CHROMIUM)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.screenshot(path=str(path), full_page=False)
    return path


ACCESSIBILITY = """() => {
  const problems = [];
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  let last = 0;
  for (const h of document.querySelectorAll('h1,h2,h3,h4,h5,h6')) {
    const level = +h.tagName[1];
    if (level > last + 1) problems.push(`heading ${h.tagName} "${h.textContent.trim()}" after h${last}`);
    last = level;
  }
  for (const el of document.querySelectorAll('input,select,textarea')) {
    if (el.type === 'hidden') continue;
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push(`unlabelled ${el.tagName} ${el.name}`);
  }
  return problems;
}"""

MARK_FOCUSABLE = """() => {
  const els = [...document.querySelectorAll('a[href],button,input:not([type=hidden]),select,textarea')]
    .filter(e => !e.disabled && (e.offsetParent !== null || e.classList.contains('skip')));
  const groups = new Set();
  let n = 0;
  for (const e of els) {
    if (e.type === 'radio') {            // a radio group is one Tab stop (arrows move inside it)
      if (groups.has(e.name)) { e.dataset.a11y = 'r-' + e.name; continue; }
      groups.add(e.name); e.dataset.a11y = 'r-' + e.name; n++; continue;
    }
    e.dataset.a11y = String(n++);
  }
  return n;
}"""


def check_accessible(page: Any) -> None:
    """One h1, headings in order, every field labelled, every control reachable with Tab."""
    problems = page.evaluate(ACCESSIBILITY)
    assert problems == [], (page.url, problems)
    expected = page.evaluate(MARK_FOCUSABLE)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen: set[str] = set()
    for _ in range(expected + 25):
        page.keyboard.press("Tab")
        mark = page.evaluate("() => document.activeElement && document.activeElement.dataset.a11y")
        if mark is not None:
            seen.add(mark)
        if len(seen) >= expected:
            break
    assert len(seen) == expected, (page.url, f"{len(seen)} of {expected} controls reached by Tab")
