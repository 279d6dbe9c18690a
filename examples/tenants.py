"""A SaaS whose customers' domains live in its own database: origins that change at run time.

Each tenant row names the origin its front end is served from. The API allows exactly
those origins, read through an ``OriginSource``: loaded once per worker, reloaded in
the background every 30 s, and reloaded at once in the worker that adds a tenant.

Run it, then add a tenant and ask as its front end would::

    python examples/tenants.py
    curl -X POST http://127.0.0.1:5000/admin/tenants -H 'X-Admin-Token: change-me' \
         -H 'Content-Type: application/json' \
         -d '{"name": "shop", "origin": "https://shop.example"}'
    curl -i http://127.0.0.1:5000/api/invoices -H 'Origin: https://shop.example'

The table lives in the system's temporary directory (``TENANTS_DB`` names another file).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile

from flask import Flask, abort, request

from flask_crossorigin import CrossOrigin, OriginSource

DEFAULT_DATABASE = os.path.join(tempfile.gettempdir(), "flask_crossorigin_tenants.sqlite")


def create_app(database: str = os.environ.get("TENANTS_DB", DEFAULT_DATABASE)) -> Flask:
    app = Flask(__name__)
    app.config["ADMIN_TOKEN"] = os.environ.get("ADMIN_TOKEN", "change-me")

    def connect() -> contextlib.closing[sqlite3.Connection]:
        return contextlib.closing(sqlite3.connect(database, timeout=5))

    with connect() as db, db:
        db.execute("CREATE TABLE IF NOT EXISTS tenants (name TEXT PRIMARY KEY, origin TEXT)")

    def load_tenants() -> list[str]:
        """Every tenant's origin; called once per worker, then every 30 s in the background."""
        with connect() as db:
            return [origin for (origin,) in db.execute("SELECT origin FROM tenants")]

    tenant_origins = OriginSource(load_tenants, ttl=30)
    CrossOrigin(
        app,
        resources={"/api/*": {"origins": tenant_origins, "supports_credentials": True}},
    )

    @app.get("/api/invoices")
    def invoices() -> list[str]:
        return ["INV-1", "INV-2"]

    @app.post("/admin/tenants")
    def add_tenant() -> tuple[dict[str, str], int]:
        if request.headers.get("X-Admin-Token") != app.config["ADMIN_TOKEN"]:
            abort(403)
        body = request.get_json(force=True)
        if not isinstance(body, dict) or "origin" not in body:
            abort(400, 'send {"name": "...", "origin": "https://..."}')
        origin = str(body["origin"])
        name = str(body.get("name") or origin)
        with connect() as db, db:
            db.execute("INSERT OR REPLACE INTO tenants VALUES (?, ?)", (name, origin))
        # This worker allows the new origin from its next request; the other workers
        # (and machines) read the same table within ttl.
        tenant_origins.refresh()
        return {"name": name, "origin": origin}, 201

    return app


if __name__ == "__main__":
    create_app().run(port=5000)
