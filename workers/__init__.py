"""Dramatiq bindings: the broker, one thin actor per stage, the embedded in-process worker."""
