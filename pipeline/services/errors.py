"""The refusal every workflow service raises: an operator's request that cannot be done as asked."""

from __future__ import annotations

from pipeline.errors import Refused


class WorkflowError(Refused):
    """A decision, publicity or recommendation that is refused; the message says why, in Chinese."""
