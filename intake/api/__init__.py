"""The HTTP upload endpoint (CONTRACTS §6): `create_app` builds the ASGI application."""

from intake.api.app import Limits, create_app

__all__ = ["Limits", "create_app"]
