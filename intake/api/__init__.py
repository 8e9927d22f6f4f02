"""The HTTP upload endpoint (docs/reference.md §6): `create_app` builds the ASGI application."""

from intake.api.app import Limits, create_app

__all__ = ["Limits", "create_app"]
