"""The cookie model: which cookies a credentialed ``fetch()`` would store and send, per engine.

The table is CORS-FACTS-cookies.md, 8.3 (a Flask session cookie, page on
``http://localhost:5173``); tests/browser/test_browser_cookies.py holds the model to
what the real engines do.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
from flask import Flask, make_response, session

from flask_crossorigin import CrossOrigin
from flask_crossorigin._cookies import FLASK_PARTITIONS, same_site
from flask_crossorigin.testing import FetchResult, fetch
from flask_crossorigin.testing._cookies import parse_set_cookie

from .helpers import ModelEngine, flask_cors

PAGE = "http://localhost:5173"
CROSS = "http://127.0.0.1:5000"
SAME = "http://localhost:5000"
NONE_SECURE = {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True}
CHIPS = {**NONE_SECURE, "SESSION_COOKIE_PARTITIONED": True}


def skip_unless_flask_partitions(*texts: object) -> None:
    """SESSION_COOKIE_PARTITIONED takes effect from Flask 3.1; CI also runs Flask 3.0."""
    if not FLASK_PARTITIONS and any("PARTITIONED" in str(text) for text in texts):
        pytest.skip("SESSION_COOKIE_PARTITIONED takes effect from Flask 3.1")


def login_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="dev", **config)
    CrossOrigin(app, origins=[PAGE], supports_credentials=True)

    @app.post("/login")
    def login() -> dict[str, bool]:
        session["user"] = "ada"
        return {"ok": True}

    @app.post("/remember")
    def remember() -> Any:
        response = make_response({"ok": True})
        response.set_cookie("remember", "1", samesite="Lax")
        return response

    return app


def login(app: Flask, api: str, engine: ModelEngine) -> FetchResult:
    return fetch(
        app,
        "/login",
        method="POST",
        origin=PAGE,
        credentials="include",
        browser=engine,
        base_url=api,
    )


# (config, API, engine) -> travels; CORS-FACTS-cookies.md 8.2 and 8.3.
TABLE: list[tuple[dict[str, Any], str, ModelEngine, bool]] = [
    ({}, CROSS, "chromium", False),
    ({}, CROSS, "firefox", True),
    ({}, CROSS, "safari", False),
    ({"SESSION_COOKIE_SAMESITE": "Lax"}, CROSS, "firefox", False),
    ({"SESSION_COOKIE_SAMESITE": "None"}, CROSS, "firefox", False),
    (NONE_SECURE, CROSS, "chromium", False),
    (NONE_SECURE, CROSS, "firefox", True),
    (CHIPS, CROSS, "chromium", True),
    (CHIPS, CROSS, "firefox", True),
    ({"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_PARTITIONED": True}, CROSS, "chromium", False),
    ({}, SAME, "chromium", True),
    ({}, SAME, "safari", True),
    ({"SESSION_COOKIE_SECURE": True}, SAME, "chromium", True),
    ({"SESSION_COOKIE_SECURE": True}, SAME, "safari", False),
    ({"SESSION_COOKIE_SAMESITE": "None"}, SAME, "chromium", False),
    ({"SESSION_COOKIE_SAMESITE": "None"}, SAME, "safari", True),
    ({"SESSION_COOKIE_SECURE": True}, "http://api.example.test", "firefox", False),
    ({"SESSION_COOKIE_DOMAIN": "example.test"}, SAME, "chromium", False),
]


@pytest.mark.parametrize(("config", "api", "engine", "travels"), TABLE)
def test_session_cookie_verdict_follows_the_measured_rules(
    config: dict[str, Any], api: str, engine: ModelEngine, travels: bool
) -> None:
    """The session cookie set on a credentialed login travels exactly where the engine sends it."""
    skip_unless_flask_partitions(config)
    result = login(login_app(**config), api, engine)

    result.assert_allowed()
    assert (result.cookies == []) is travels, result.transcript


@pytest.mark.parametrize(("config", "api", "engine", "travels"), [r for r in TABLE if not r[3]])
def test_cookie_fix_is_correct_when_applied(
    config: dict[str, Any], api: str, engine: ModelEngine, travels: bool
) -> None:
    """Applying the SESSION_COOKIE_* keys of a note makes the cookie travel (else: one site)."""
    note = login(login_app(**config), api, engine).cookies[0]
    skip_unless_flask_partitions(config, note.fix)
    keys = dict(re.findall(r"(SESSION_COOKIE_\w+)=('[^']*'|True|False|None)", note.fix))
    if not keys:
        assert "one site" in note.fix or "https" in note.fix
        return
    fixed = {**config, **{key: ast.literal_eval(value) for key, value in keys.items()}}
    assert login(login_app(**fixed), api, engine).cookies == [], note.fix


def test_cross_site_fix_names_the_keys_that_work_in_every_engine_and_one_site() -> None:
    """The advice for Chromium is SameSite=None, Secure and Partitioned, or one site."""
    note = login(login_app(), CROSS, "chromium").cookies[0]

    assert note.cookie == "session"
    assert "Lax" in note.reason
    assert "SESSION_COOKIE_SAMESITE='None'" in note.fix
    assert "SESSION_COOKIE_SECURE=True" in note.fix
    assert "SESSION_COOKIE_PARTITIONED=True" in note.fix
    assert "one site" in note.fix


def test_secure_cookie_over_plain_http_on_another_host_needs_one_site_or_https() -> None:
    """Where no Secure cookie can be kept, the only advice is one site (or https)."""
    note = login(login_app(), "http://api.example.test", "chromium").cookies[0]

    assert "one site" in note.fix
    assert "PARTITIONED" not in note.fix


def test_cookie_the_view_sets_is_judged_with_set_cookie_keywords_as_the_fix() -> None:
    """A cookie from ``set_cookie`` gets a ``set_cookie(...)`` fix, not session config keys."""
    result = fetch(
        login_app(),
        "/remember",
        method="POST",
        origin=PAGE,
        credentials="include",
        base_url=CROSS,
        browser="firefox",
    )

    assert [note.cookie for note in result.cookies] == ["remember"]
    assert "response.set_cookie('remember'" in result.cookies[0].fix


def test_no_cookie_notes_without_credentials_include() -> None:
    """Cookies are only judged for ``credentials="include"``; the field stays empty."""
    result = fetch(login_app(), "/login", method="POST", origin=PAGE, base_url=CROSS)

    assert result.cookies == []
    assert "Cookies:" not in result.transcript


def test_assert_cookies_travel_fails_with_the_cookie_and_its_fix() -> None:
    """assert_cookies_travel fails naming the cookie; assert_allowed keeps its CORS meaning."""
    result = login(login_app(), CROSS, "chromium")

    result.assert_allowed()
    with pytest.raises(AssertionError, match=r"cookie 'session'.*SESSION_COOKIE_SAMESITE"):
        result.assert_cookies_travel()
    skip_unless_flask_partitions(CHIPS)
    login(login_app(**CHIPS), CROSS, "chromium").assert_cookies_travel()


def test_check_credentials_names_the_cookie_that_chromium_never_sends() -> None:
    """``flask cors check --credentials --url ...`` says ALLOWED for CORS and which cookie fails."""
    result = flask_cors(
        login_app(),
        "check",
        "--url",
        CROSS + "/login",
        "--origin",
        PAGE,
        "--method",
        "POST",
        "--credentials",
        "--browser",
        "chromium",
    )

    assert result.exit_code == 0, result.output
    assert "cookie 'session' (the session cookie" in result.output
    assert "does not travel" in result.output
    assert "1 cookie(s) would not reach the API" in result.output


@pytest.mark.parametrize(
    ("page", "api", "engine", "same"),
    [
        ("http://localhost:5173", "http://127.0.0.1:5000", "chromium", False),
        ("http://localhost:5173", "http://localhost:5000", "chromium", True),
        ("http://app.localhost:1", "http://localhost:2", "firefox", False),
        ("http://www.app.localhost:1", "http://api.app.localhost:2", "chromium", True),
        ("http://localhost:1", "https://localhost:2", "chromium", False),
        ("http://localhost:1", "https://localhost:2", "firefox", True),
        ("https://app.example.co.uk", "https://api.example.co.uk", "safari", True),
        ("null", "http://localhost:2", "firefox", False),
    ],
)
def test_same_site_is_scheme_and_registrable_domain_as_measured(
    page: str, api: str, engine: str, same: bool
) -> None:
    """Ports never matter, ``localhost`` is a suffix, and only Chromium counts the scheme."""
    assert same_site(page, api, engine) is same


def test_set_cookie_attributes_are_read_case_insensitively() -> None:
    """``SameSite=none; secure; PARTITIONED; Domain=.Example.com`` is read as a browser reads it."""
    cookie = parse_set_cookie("a=1; SameSite=none; secure; PARTITIONED; Domain=.Example.com", "x")

    assert cookie is not None
    assert (cookie.samesite, cookie.secure, cookie.partitioned) == ("None", True, True)
    assert cookie.domain == "example.com"


def test_partitioned_session_fix_says_it_needs_flask_3_1_where_flask_is_older(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Flask 3.0 SESSION_COOKIE_PARTITIONED is ignored: the fix must not pretend otherwise."""
    from flask_crossorigin import _cookies as cookies

    session = cookies.Cookie("session", None, False, False, None, "config", is_session=True)
    monkeypatch.setattr(cookies, "FLASK_PARTITIONS", False)
    old = cookies._setting(session, samesite="None", secure=True, partitioned=True)
    monkeypatch.setattr(cookies, "FLASK_PARTITIONS", True)
    new = cookies._setting(session, samesite="None", secure=True, partitioned=True)
    assert "from Flask 3.1" in old
    assert "Flask" not in new
