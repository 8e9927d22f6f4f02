"""The deployed password hashes stay strong; the suite's cheap ones cannot be chosen by a variable."""

from __future__ import annotations

from argon2 import extract_parameters

from pipeline.services.accounts import _HASHERS
from pipeline.settings import Settings


def test_a_deployment_hashes_with_argon2s_default_parameters() -> None:
    settings = Settings.from_env({"ZHICHENG_PASSWORD_HASHING": "fast"})
    assert settings.password_hashing == "strong"
    params = extract_parameters(_HASHERS[settings.password_hashing].hash("correct-horse-9"))
    assert (params.type.name, params.memory_cost, params.time_cost) == ("ID", 65536, 3)


def test_either_hasher_verifies_the_others_hashes() -> None:
    strong = _HASHERS["strong"].hash("correct-horse-9")
    fast = _HASHERS["fast"].hash("correct-horse-9")
    assert extract_parameters(fast).memory_cost == 1024
    assert _HASHERS["fast"].verify(strong, "correct-horse-9")
    assert _HASHERS["strong"].verify(fast, "correct-horse-9")
