"""Hunan's 统筹区 (pooling regions), kept as data in data/hunan_regions.toml (docs/workflow.md)."""

from __future__ import annotations

import difflib
import tomllib
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "hunan_regions.toml"
PROVINCE = "省本级"


@cache
def _table() -> tuple[dict[str, list[str]], dict[str, str]]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return dict(data["市州"]), dict(data.get("简称", {}))


@cache
def accepted() -> frozenset[str]:
    """Every accepted spelling: 省本级, …本级, county names alone and prefixed by their city."""
    cities, short = _table()
    names = {PROVINCE}
    for city, counties in cities.items():
        names.add(f"{city}本级")
        names.update(counties)
        names.update(f"{city}{c}" for c in counties)
    for alias, city in short.items():
        names.add(f"{alias}本级")
        names.update(f"{alias}{c}" for c in cities[city])
    return frozenset(names)


def counties() -> int:
    """How many 县（市、区） the data lists (122 in 2026)."""
    return sum(len(c) for c in _table()[0].values())


def check_region(text: str) -> str | None:
    """None when `text` is a Hunan 统筹区, else a Chinese reason with the nearest accepted name."""
    name = "".join(text.split())
    if name in accepted():
        return None
    cities, short = _table()
    if name in cities or name in short:
        example = cities[short.get(name, name)][0]
        return (f"统筹区“{text}”不明确：市州本级请写“{name}本级”，"
                f"县（市、区）请写其名称，如“{example}”")
    near = difflib.get_close_matches(name, sorted(accepted()), n=1, cutoff=0.5)
    hint = f"，是否为“{near[0]}”？" if near else "；应为省本级、某市州本级或湖南省的县（市、区）"
    return f"统筹区“{text}”不是湖南省的统筹区{hint}"
