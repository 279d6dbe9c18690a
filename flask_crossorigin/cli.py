"""``flask cors ...``: tell a user which policy each route has, and why a browser blocks."""

from __future__ import annotations

from flask.cli import AppGroup

cors_cli = AppGroup("cors", help="Inspect the CORS policies of this app.")
