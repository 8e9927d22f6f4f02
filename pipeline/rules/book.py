"""The rule sets in force: the operator's file (`--rules` / ZHICHENG_RULES) and the shipped ones.

The configured file is read at start, so a malformed one is refused before any work begins
(RuleSetError names the line). Other years are read from the shipped files when first needed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.rules.loader import load_ruleset
from pipeline.rules.ruleset import RuleSet, default_ruleset_path


class RuleBook:
    """The rule set of each application year, or None for a year nobody has written rules for."""

    def __init__(self, configured: Path | None = None) -> None:
        self._by_year: dict[int, RuleSet | None] = {}
        self._lock = threading.Lock()
        if configured is not None:
            rules = load_ruleset(configured)
            self._by_year[rules.year] = rules

    def for_year(self, year: int | None) -> RuleSet | None:
        """The rule set for an application year."""
        if not year:
            return None
        with self._lock:
            if year not in self._by_year:
                path = default_ruleset_path(year)
                self._by_year[year] = load_ruleset(path) if path.exists() else None
            return self._by_year[year]
