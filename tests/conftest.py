"""Shared fixtures: pytest-flask's ``app``/``client`` on a small Mars API (helpers: helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, abort

from flask_crossorigin import CrossOrigin, cross_origin

from .helpers import EARTH, bare_app, preflight_headers

# test_testing_plugin.py runs a user's test file in this process.
pytest_plugins = ["pytester"]


@pytest.fixture
def app() -> Flask:
    """Mars: the seed's API, plus a few routes that the tests share."""
    app = bare_app()
    app.calls = []  # type: ignore[attr-defined]

    @app.post("/oxygen-data")
    @cross_origin(origins=EARTH, max_age=600)
    def oxygen_data() -> dict[str, bool]:
        app.calls.append("oxygen_data")  # type: ignore[attr-defined]
        return {"stored": True}

    @app.get("/public")
    @cross_origin()
    def public() -> str:
        return "open to all"

    @app.route("/private", methods=["GET", "PUT", "PATCH"])
    @cross_origin(origins=[EARTH], supports_credentials=True, expose_headers=["X-Trace"])
    def private() -> tuple[str, int, dict[str, str]]:
        return "secret", 200, {"X-Trace": "abc"}

    @app.get("/missing")
    @cross_origin(origins=EARTH)
    def missing() -> str:
        abort(404)

    @app.get("/boom")
    @cross_origin(origins=EARTH)
    def boom() -> str:
        raise RuntimeError("boom")

    @app.get("/plain")
    def plain() -> str:
        return "no policy"

    CrossOrigin(app)
    return app


@pytest.fixture
def preflight(client: Any) -> Callable[..., Any]:
    """Send a preflight to ``path`` through the test client."""

    def send(path: str, origin: str = EARTH, method: str = "POST", **kw: Any) -> Any:
        return client.options(path, headers=preflight_headers(origin, method, **kw))

    return send
