"""What the tests share: the origins they send from, bare apps, and the requests a browser makes."""

from __future__ import annotations

import logging
from typing import Any, Literal

import pytest
from click.testing import Result
from flask import Flask

from flask_crossorigin import CrossOrigin
from flask_crossorigin._cli import cors_cli

#: The frontend origin that most tests allow.
EARTH = "https://earth.com"
#: A second, real-looking origin that a policy names or refuses.
VENUS = "https://venus.com"
#: The API's own origin, where a test needs one that differs from the page's.
MARS = "https://mars.com"
#: A development frontend, as flask-cors users write it.
LOCALHOST = "http://localhost:3000"
#: An attacker's page.
EVIL = "https://evil.com"

#: The engines whose behaviour :func:`flask_crossorigin.testing.fetch` models.
ModelEngine = Literal["chromium", "firefox", "safari"]


def bare_app() -> Flask:
    """A fresh app without the extension; error propagation off so 500s are real responses."""
    app = Flask("mars")
    app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)
    return app


def make_app(**options: Any) -> Flask:
    """A fresh app with the extension, given ``options`` at the app level."""
    app = bare_app()
    CrossOrigin(app, **options)
    return app


def flask_cors(app: Flask, *args: str) -> Result:
    """``flask cors ARGS`` on ``app``, through Flask's CLI test runner."""
    return app.test_cli_runner().invoke(cors_cli, args)


def preflight_headers(
    origin: str = EARTH, method: str = "POST", headers: str | None = None, **extra: str
) -> dict[str, str]:
    """The headers of a browser preflight (Fetch, "CORS-preflight fetch" step 1-3)."""
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    sent.update(extra)
    return sent


def send_preflight(
    app: Flask, path: str, origin: str = EARTH, method: str = "POST", **kw: Any
) -> Any:
    """Send a preflight to ``path`` on ``app`` through a fresh test client."""
    return app.test_client().options(path, headers=preflight_headers(origin, method, **kw))


def cors_headers(response: Any) -> dict[str, str]:
    """The ``Access-Control-*`` headers of a response, for compact assertions."""
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def records(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    """The ``flask_crossorigin`` messages logged at exactly ``level``."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "flask_crossorigin" and r.levelno == level
    ]


def vary_values(response: Any) -> set[str]:
    """The field names of every ``Vary`` line of a response, lower-cased."""
    return {
        part.strip().lower()
        for line in response.headers.getlist("Vary")
        for part in line.split(",")
        if part.strip()
    }


def add_routes(app: Flask) -> None:
    """Two routes without a policy of their own."""
    app.add_url_rule("/items", "items", lambda: "items", methods=["GET", "POST"])
    app.add_url_rule("/admin/stats", "stats", lambda: "stats", methods=["GET", "POST"])
