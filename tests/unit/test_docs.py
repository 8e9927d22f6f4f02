"""The project's own documentation keeps up with the code: every state and every finding code is
in docs/reference.md, and nothing points at notes outside the repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.domain.findings import RULES
from pipeline.domain.states import State

ROOT = Path(__file__).resolve().parents[2]


def test_every_state_and_finding_code_is_in_the_reference() -> None:
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    missing = [f"`{code}`" for code in [*map(str, State), *RULES] if f"`{code}`" not in reference]
    assert missing == []


def test_nothing_cites_documents_outside_the_repository() -> None:
    tracked = subprocess.run(["git", "-c", "core.quotepath=off", "ls-files"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.splitlines()
    outside = ("../" + "shared", "CONTRACTS" + ".md", "CONTRACTS" + " §", "DESIGN" + " lesson", "DOMAIN" + ".md")
    cited = [path for path in tracked if path.endswith((".py", ".md", ".html", ".toml", ".yml"))
             and any(word in (ROOT / path).read_text(encoding="utf-8", errors="replace")
                     for word in outside)]
    assert cited == []


def test_the_docs_index_names_every_document() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for doc in (ROOT / "docs").glob("*.md"):
        assert doc.name == "README.md" or f"({doc.name})" in index, doc.name
