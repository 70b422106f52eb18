"""The quote (CPQ) API that validates Power Pages implicit-grant tokens."""

from quote_api.app import create_app

__all__ = ["create_app"]
