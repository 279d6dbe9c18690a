"""A credentialed login across sites in Chromium, Firefox and WebKit, against the cookie model.

The page signs in with ``fetch(api + "/login", {method: "POST", credentials: "include"})``
and then asks ``fetch(api + "/me", {credentials: "include"})`` who it is. The app's
CORS answer is right in every case, so only the cookie jar decides; each test states
what the engine does (CORS-FACTS-cookies.md, 8.3) and that
:func:`flask_crossorigin.testing.fetch` says the same about the session cookie.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, session

from flask_crossorigin import CrossOrigin
from flask_crossorigin._cookies import FLASK_PARTITIONS
from flask_crossorigin.testing import fetch as model_fetch

from ..helpers import ModelEngine
from .engines import Engine
from .harness import Pages

pytestmark = pytest.mark.browser

#: The browser fixture's engine names, and the engine the model calls each.
MODEL_ENGINE: dict[str, ModelEngine] = {
    "chromium": "chromium",
    "firefox": "firefox",
    "webkit": "safari",
}


def create_api(page: str, **session_config: Any) -> Flask:
    app = Flask(__name__)
    # The browser keeps one cookie jar for the session: each test its own cookie name,
    # and a path of its own, so no other browser test ever gets these cookies.
    tag = uuid.uuid4().hex[:8]
    app.config.update(
        SECRET_KEY="dev", SESSION_COOKIE_NAME=f"c_{tag}", SESSION_COOKIE_PATH=f"/{tag}/"
    )
    app.config.update(session_config)
    CrossOrigin(app, origins=[page], supports_credentials=True)

    @app.post(f"/{tag}/login")
    def login() -> dict[str, bool]:
        session["user"] = "ada"
        return {"ok": True}

    @app.get(f"/{tag}/me")
    def me() -> dict[str, str | None]:
        return {"user": session.get("user")}

    return app


def signed_in(browser: Engine, page: str, api: str, app: Flask) -> bool:
    """Log in from ``page``, then ask the API who we are: did the session cookie come back?"""
    api += app.config["SESSION_COOKIE_PATH"].rstrip("/")
    browser.open(page + "/")
    login = browser.fetch(api + "/login", {"method": "POST", "credentials": "include"})
    assert login["readable"], login
    me = browser.fetch(api + "/me", {"credentials": "include"})
    assert me["readable"], me
    return '"ada"' in me["body"]


def engines_warned_about(caplog: pytest.LogCaptureFixture) -> set[str] | None:
    """The engines the server's session cookie warning names, or None if it did not warn."""
    for record in caplog.records:
        found = re.search(r"another site, in ([A-Za-z, ]+) \(", record.getMessage())
        if record.name == "flask_crossorigin" and found:
            return {name.lower() for name in found.group(1).split(", ")}
    return None


def model_says_it_travels(app: Flask, page: str, api: str, engine: str) -> bool:
    result = model_fetch(
        app,
        app.config["SESSION_COOKIE_PATH"] + "login",
        method="POST",
        origin=page,
        credentials="include",
        browser=MODEL_ENGINE[engine],
        base_url=api,
    )
    result.assert_allowed()
    names = {note.cookie for note in result.cookies}
    return app.config["SESSION_COOKIE_NAME"] not in names


CASES: dict[str, tuple[str, dict[str, Any], dict[str, bool]]] = {
    # Page and API on one site (localhost, ports differ): Flask's defaults work everywhere.
    "same-site-defaults": (
        "same",
        {},
        {"chromium": True, "firefox": True, "webkit": True},
    ),
    # One site over http, Secure: WebKit never keeps a Secure cookie from http://.
    "same-site-secure-over-http": (
        "same",
        {"SESSION_COOKIE_SECURE": True},
        {"chromium": True, "firefox": True, "webkit": False},
    ),
    # Across sites, SameSite=Lax: no engine sends it on a cross-site fetch.
    "cross-site-lax": (
        "cross",
        {"SESSION_COOKIE_SAMESITE": "Lax"},
        {"chromium": False, "firefox": False, "webkit": False},
    ),
    # Across sites, Flask's defaults: only Firefox keeps it (in the page site's jar).
    "cross-site-defaults": (
        "cross",
        {},
        {"chromium": False, "firefox": True, "webkit": False},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cookie_model_agrees_with_each_engine_on_a_credentialed_login(
    case: str,
    browser: Engine,
    pages: Pages,
    serve: Callable[[Any], int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The session cookie comes back to /me in the engine exactly when the model says so,
    and the server's warning names the engine exactly when it does not (across sites)."""
    site, config, expected = CASES[case]
    page = pages.c  # http://localhost:<port>
    app = create_api(page, **config)
    port = serve(app)
    api = f"http://localhost:{port}" if site == "same" else f"http://127.0.0.1:{port}"
    caplog.set_level(logging.WARNING, "flask_crossorigin")
    did = signed_in(browser, page, api, app)
    assert did == expected[browser.name], f"{browser.name} no longer does what 8.3 measured"
    assert model_says_it_travels(app, page, api, browser.name) == did
    warned = engines_warned_about(caplog)
    if site == "same":
        assert warned is None
    else:
        assert warned is not None
        assert (MODEL_ENGINE[browser.name] in warned) is not did, warned


def test_partitioned_secure_none_cookie_crosses_sites_in_chromium_and_firefox_as_the_model_says(
    browser: Engine, pages: Pages, serve: Callable[[Any], int], caplog: pytest.LogCaptureFixture
) -> None:
    """The cross-site fix the model gives works in the engines where it says so."""
    if browser.name == "webkit":
        pytest.skip("WebKitGTK keeps no cross-site cookie; Safari 26.2+ (the model's) keeps CHIPS")
    if not FLASK_PARTITIONS:
        pytest.skip("SESSION_COOKIE_PARTITIONED takes effect from Flask 3.1")
    page = pages.c
    config = {
        "SESSION_COOKIE_SAMESITE": "None",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_PARTITIONED": True,
    }
    app = create_api(page, **config)
    api = f"http://127.0.0.1:{serve(app)}"
    caplog.set_level(logging.WARNING, "flask_crossorigin")
    assert signed_in(browser, page, api, app)
    assert model_says_it_travels(app, page, api, browser.name)
    # Over http only Safari (no Secure cookie from http://) is left, and only one site helps it.
    assert engines_warned_about(caplog) == {"safari"}
