"""Configurations that real flask-cors apps ship: each starts and does what it says.

Seven open-source apps were ported to flask_crossorigin; these are the shapes their
CORS configuration takes (origins from an environment variable that may be unset or
``*``, origins in ``app.config`` with a plain ``CrossOrigin(app)``, a regex default),
each driven through the test client with a preflight and an actual request, allowed
and refused.
"""

from __future__ import annotations

import ast
import logging
import os
import re

import pytest
from flask import Flask

from flask_crossorigin import CorsConfigError, CrossOrigin

FRONTEND = "http://localhost:5173"
EVIL = "https://evil.example"


def shop_api() -> Flask:
    """A small JSON API: a read and a write."""
    app = Flask("shop")
    app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/api/products", "products", lambda: {"products": []})
    app.add_url_rule("/api/cart", "cart", lambda: {"ok": True}, methods=["PUT"])
    return app


def preflight(app: Flask, origin: str) -> int:
    """A preflight for ``PUT /api/cart`` with a JSON body; its status."""
    response = app.test_client().options(
        "/api/cart",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    allowed = response.headers.get("Access-Control-Allow-Origin")
    assert allowed in (None, "*", origin)
    return response.status_code


def reads(app: Flask, origin: str) -> bool:
    """Whether a page at ``origin`` may read ``GET /api/products``."""
    response = app.test_client().get("/api/products", headers={"Origin": origin})
    assert response.status_code == 200
    return response.headers.get("Access-Control-Allow-Origin") in ("*", origin)


def frontends_from_env() -> list[str]:
    """What the apps write: the list of frontends from a comma-separated variable."""
    return [o.strip() for o in os.environ.get("FRONTENDS", "").split(",") if o.strip()]


def test_env_driven_origins_from_an_unset_variable_start_closed_and_warn_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``FRONTENDS`` unset gives ``[]``: the app starts, every origin is refused, one WARNING."""
    monkeypatch.delenv("FRONTENDS", raising=False)
    app = shop_api()
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        CrossOrigin(app, origins=frontends_from_env())
    warnings = [r for r in caplog.records if r.name == "flask_crossorigin"]
    assert len(warnings) == 1 and "allows no origin" in warnings[0].getMessage()
    assert preflight(app, FRONTEND) == 403
    assert not reads(app, FRONTEND)


def test_env_driven_origins_from_a_set_variable_allow_exactly_those(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``FRONTENDS`` set: its origins are allowed, others refused."""
    monkeypatch.setenv("FRONTENDS", f"{FRONTEND}, https://shop.example")
    app = shop_api()
    CrossOrigin(app, origins=frontends_from_env())
    assert preflight(app, FRONTEND) == 204
    assert reads(app, FRONTEND)
    assert reads(app, "https://shop.example")
    assert preflight(app, EVIL) == 403
    assert not reads(app, EVIL)


def test_an_unfiltered_split_of_an_unset_variable_is_refused_with_the_filter_to_paste(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``"".split(",")`` is ``[""]``: the error says so and gives the filter, which then starts."""
    monkeypatch.delenv("FRONTENDS", raising=False)
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(shop_api(), origins=os.environ.get("FRONTENDS", "").split(","))
    message = str(error.value)
    assert "is empty" in message
    fix = re.search(r"e\.g\. (\[o for o in value\.split\(','\) if o\.strip\(\)\])", message)
    assert fix is not None, message
    value = os.environ.get("FRONTENDS", "")
    pasted = eval(fix[1], {"value": value})  # the user's paste, on the same value
    assert pasted == []
    app = shop_api()
    CrossOrigin(app, origins=pasted)
    assert preflight(app, FRONTEND) == 403


def test_env_driven_star_allows_every_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    """``os.environ.get("CORS_ALLOWED", "*").split(",")`` is ``["*"]``, which means ``*``."""
    monkeypatch.delenv("CORS_ALLOWED", raising=False)
    app = shop_api()
    CrossOrigin(app, origins=os.environ.get("CORS_ALLOWED", "*").split(","))
    assert preflight(app, EVIL) == 204
    response = app.test_client().get("/api/products", headers={"Origin": EVIL})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_config_driven_origins_with_a_plain_crossorigin_app_cover_every_route() -> None:
    """``CORS_ORIGINS`` in ``app.config`` and ``CrossOrigin(app)``: those origins, every route."""
    app = shop_api()
    app.config.from_mapping(CORS_ORIGINS=[FRONTEND], CORS_SUPPORTS_CREDENTIALS=True)
    CrossOrigin(app)
    assert preflight(app, FRONTEND) == 204
    response = app.test_client().get("/api/products", headers={"Origin": FRONTEND})
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert preflight(app, EVIL) == 403
    assert not reads(app, EVIL)


def test_config_driven_empty_origins_start_closed() -> None:
    """``CORS_ORIGINS = []`` (a config file with no frontend yet): starts, refuses every origin."""
    app = shop_api()
    app.config["CORS_ORIGINS"] = []
    CrossOrigin(app)
    assert preflight(app, FRONTEND) == 403
    assert not reads(app, FRONTEND)


FLASK_CORS_DEFAULT = r"http[s]?://(localhost|127\.0\.0\.1):*"


def test_a_flask_cors_regex_default_is_refused_and_its_suggested_port_allows_what_it_meant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``os.environ.get("ORIGINS", r"http[s]?://(localhost|...):*")``: the pasted fix works."""
    monkeypatch.delenv("ORIGINS", raising=False)
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(shop_api(), origins=os.environ.get("ORIGINS", FLASK_CORS_DEFAULT))
    found = re.search(r"re\.compile\((r'[^']*')\)", str(error.value))
    assert found is not None, str(error.value)
    app = shop_api()
    CrossOrigin(app, origins=re.compile(ast.literal_eval(found[1])))
    for origin in (FRONTEND, "http://127.0.0.1:3000", "https://localhost"):
        assert preflight(app, origin) == 204, origin
        assert reads(app, origin), origin
    for origin in ("http://localhost.evil.com", "http://127.0.0.1.evil.com", EVIL):
        assert preflight(app, origin) == 403, origin
        assert not reads(app, origin), origin


def test_a_compiled_regex_default_starts_and_full_matches() -> None:
    """``re.compile(r"https?://localhost:\\d+")`` as a default: ports of localhost, nothing else."""
    app = shop_api()
    CrossOrigin(
        app, origins=os.environ.get("UNSET_ORIGINS") or re.compile(r"https?://localhost:\d+")
    )
    assert preflight(app, FRONTEND) == 204
    assert reads(app, FRONTEND)
    assert preflight(app, "http://localhost:5173.evil.com") == 403
    assert not reads(app, "http://localhost")
