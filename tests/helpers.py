"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

from dataclasses import asdict

from pipeline.context import Context
from pipeline.services.units import import_units


def register_sample_units(ctx: Context) -> list:  # type: ignore[type-arg]
    """Register the sample units (as `zhicheng units import` would) and return them."""
    from zhicheng.sample import sample_units

    units = sample_units()
    report = import_units(ctx, [(i + 2, asdict(u)) for i, u in enumerate(units)])
    assert not report.problems, report.problems
    return units


def rules_of(app: dict) -> set[str]:  # type: ignore[type-arg]
    return {f["rule"] for f in app["findings"]}
