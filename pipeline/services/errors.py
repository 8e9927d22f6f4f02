"""The refusal every workflow service raises: an operator's request that cannot be done as asked."""

from __future__ import annotations


class WorkflowError(Exception):
    """A decision, publicity or recommendation that is refused; the message says why, in Chinese."""
