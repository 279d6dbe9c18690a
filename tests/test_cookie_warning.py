"""The server's own warning: a credentialed policy answers another site, the cookie stays home.

API.md, "Credentials across sites": one WARNING on the ``flask_crossorigin`` logger per
app, naming the setting to change; none for a same-site page, a policy without
credentials or a refused origin. The rules are those of :mod:`flask_crossorigin._cookies`.
"""

from __future__ import annotations

import ast
import logging
import re
from typing import Any

import pytest
from flask import Flask, session
from werkzeug.test import EnvironBuilder, run_wsgi_app

from flask_crossorigin import CrossOrigin
from flask_crossorigin import _hooks as hooks
from flask_crossorigin._cookies import FLASK_PARTITIONS
from flask_crossorigin._extension import HOOKS_KEY

from .helpers import records

PAGE = "https://earth.com"
API = "https://api.mars.test"
CHIPS: dict[str, Any] = {
    "SESSION_COOKIE_SAMESITE": "None",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_PARTITIONED": True,
}


def skip_unless_flask_partitions(*texts: object) -> None:
    """SESSION_COOKIE_PARTITIONED takes effect from Flask 3.1; CI also runs Flask 3.0."""
    if not FLASK_PARTITIONS and any("PARTITIONED" in str(text) for text in texts):
        pytest.skip("SESSION_COOKIE_PARTITIONED takes effect from Flask 3.1")


def create_app(origins: Any = (PAGE,), credentials: bool = True, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev"
    app.config.update(config)
    CrossOrigin(app, origins=list(origins), supports_credentials=credentials)

    @app.route("/me", methods=["GET", "PUT"])
    def me() -> dict[str, str | None]:
        return {"user": session.get("user")}

    return app


def ask(app: Flask, origin: str = PAGE, api: str = API, times: int = 1) -> None:
    client = app.test_client()
    for _ in range(times):
        client.get("/me", headers={"Origin": origin}, base_url=api)


def test_credentialed_answers_to_another_site_warn_once_per_app(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ten credentialed cross-site requests log one warning, naming the cookie and the keys."""
    app = create_app()
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    ask(app, times=10)

    [message] = records(caplog)
    assert "the session cookie 'session'" in message
    assert "from 'https://earth.com', another site, in Chromium, Safari" in message
    assert "SESSION_COOKIE_SAMESITE='None'" in message
    assert "one site" in message


def test_over_http_localhost_the_keys_still_work_but_safari_needs_one_site(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On http://localhost the keys fix Chromium; the warning says Safari needs one site."""
    app = create_app()
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    ask(app, api="http://localhost:5000")

    [message] = records(caplog)
    assert "set SESSION_COOKIE_SAMESITE='None'" in message
    assert "Safari 26.2+ once the API is on https" in message
    assert message.endswith(
        "; in Safari only one site will do (over http no Secure cookie crosses sites here). "
        "(Logged once per app.)"
    )


def test_allowed_credentialed_preflight_warns_too(caplog: pytest.LogCaptureFixture) -> None:
    """A preflight the policy allows is an answer to that page as well: it warns once."""
    app = create_app()
    caplog.set_level(logging.WARNING, "flask_crossorigin")
    client = app.test_client()

    for _ in range(3):
        response = client.options(
            "/me",
            headers={"Origin": PAGE, "Access-Control-Request-Method": "PUT"},
            base_url=API,
        )
        assert response.status_code == 204

    assert len(records(caplog)) == 1


def test_after_the_warning_the_hooks_only_read_one_flag(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the app has warned, the cookie rules are never consulted again."""
    app = create_app()
    caplog.set_level(logging.WARNING, "flask_crossorigin")
    ask(app)
    calls: list[str] = []

    def again(*args: object) -> str:
        calls.append("called")
        return "again"

    monkeypatch.setattr("flask_crossorigin._hooks.session_cookie_warning", again)

    ask(app, times=5)

    assert calls == []
    assert len(records(caplog)) == 1


@pytest.mark.parametrize(
    ("origin", "api"),
    [
        ("https://app.mars.test", "https://api.mars.test"),
        ("https://mars.test", "https://api.mars.test:8443"),
        ("http://localhost:5173", "http://localhost:5000"),
        ("http://www.app.localhost:5173", "http://api.app.localhost:5000"),
    ],
)
def test_same_site_page_gets_no_warning(
    origin: str, api: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A page on the API's registrable domain (ports never count) sends every valid cookie."""
    app = create_app(origins=[origin])
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    ask(app, origin=origin, api=api, times=3)

    assert records(caplog) == []


def test_localhost_page_and_127_0_0_1_api_are_two_sites(caplog: pytest.LogCaptureFixture) -> None:
    """``localhost`` and ``127.0.0.1`` are different sites, as every engine measured says."""
    app = create_app(origins=["http://localhost:5173"])
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    ask(app, origin="http://localhost:5173", api="http://127.0.0.1:5000")

    [message] = records(caplog)
    assert "will not reach 'http://127.0.0.1:5000'" in message


def test_policy_without_credentials_never_warns(caplog: pytest.LogCaptureFixture) -> None:
    """A policy that does not take credentials needs no cookie: nothing is logged."""
    app = create_app(credentials=False)
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    ask(app, times=3)

    assert records(caplog) == []


def test_refused_origin_never_warns(caplog: pytest.LogCaptureFixture) -> None:
    """The policy does not answer an unlisted origin, so its cookies are not in question."""
    app = create_app()
    caplog.set_level(logging.INFO, "flask_crossorigin")

    ask(app, origin="https://venus.test", times=3)

    assert records(caplog) == []
    assert any("origin is not allowed" in r.getMessage() for r in caplog.records)


def test_app_without_a_session_never_warns(caplog: pytest.LogCaptureFixture) -> None:
    """No SECRET_KEY, no session cookie: there is nothing to warn about."""
    app = create_app(SECRET_KEY=None)
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    ask(app)

    assert records(caplog) == []


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"SESSION_COOKIE_SAMESITE": "Lax"},
        {"SESSION_COOKIE_SAMESITE": "None"},
        {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True},
        {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_PARTITIONED": True},
    ],
)
def test_the_settings_the_warning_names_silence_it_when_applied(
    config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Pasting the SESSION_COOKIE_* keys of the warning into the config ends it, over https."""
    caplog.set_level(logging.WARNING, "flask_crossorigin")
    ask(create_app(**config))
    [message] = records(caplog)
    skip_unless_flask_partitions(config, message)
    keys = dict(re.findall(r"(SESSION_COOKIE_\w+)=('[^']*'|True|False|None)", message))
    fixed = {**config, **{key: ast.literal_eval(value) for key, value in keys.items()}}
    assert fixed != config, message
    caplog.clear()

    ask(create_app(**fixed), times=3)

    assert records(caplog) == []


def test_over_http_the_warning_says_only_one_site_will_do_for_safari(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """WebKit keeps no Secure cookie from http://, so for Safari the one fix is one site."""
    skip_unless_flask_partitions(CHIPS)
    app = create_app(origins=["http://localhost:5173"], **CHIPS)
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    ask(app, origin="http://localhost:5173", api="http://127.0.0.1:5000")

    [message] = records(caplog)
    assert "in Safari (Safari: WebKit never keeps a Secure cookie" in message
    assert "serve the page and the API from one site" in message
    assert "SESSION_COOKIE" not in message.partition("To fix it:")[2]


def test_warning_quotes_the_request_host(caplog: pytest.LogCaptureFixture) -> None:
    """The host comes from the request: it is quoted and cut short in the log line."""
    app = create_app()
    caplog.set_level(logging.WARNING, "flask_crossorigin")

    host = ".".join(["a" * 60] * 4) + ".test"
    ask(app, api="https://" + host)

    [message] = records(caplog)
    assert f"will not reach {'https://' + host[:92] + '...'!r}" in message


@pytest.mark.parametrize("host", ["[::1", "a b", "earth.com:99999"])
def test_unreadable_host_neither_warns_nor_uses_up_the_warning(
    host: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Werkzeug reads an invalid Host as empty: nothing to judge, and the real one still warns."""
    app = create_app()
    caplog.set_level(logging.WARNING, "flask_crossorigin")
    # Straight to the app: some Werkzeug versions' test client cannot parse such a Host.
    environ = EnvironBuilder("/me", headers=[("Origin", PAGE), ("Host", host)]).get_environ()
    _body, status, _headers = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    assert status == "200 OK"
    assert records(caplog) == []

    ask(app)
    assert len(records(caplog)) == 1


def test_judging_the_cookie_never_turns_the_answer_into_a_500(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warning is never worth a failed request: an error is swallowed, once, at DEBUG."""
    app = create_app()

    def broken(*args: object) -> str:
        raise RuntimeError("a session interface of its own")

    monkeypatch.setattr("flask_crossorigin._hooks.session_cookie_warning", broken)
    caplog.set_level(logging.DEBUG, "flask_crossorigin")
    client = app.test_client()

    statuses = [
        client.get("/me", headers={"Origin": PAGE}, base_url=API).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 200]
    assert records(caplog) == []
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG] == [
        "could not judge the session cookie"
    ]


def test_a_page_whose_cookie_travels_is_judged_once_per_host(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the cookie travels, each (origin, host) pair is judged once, and at most 256."""
    judged: list[tuple[str, str]] = []

    def counting(app: Flask, origin: str, own_origin: str) -> None:
        judged.append((origin, own_origin))

    monkeypatch.setattr(hooks, "session_cookie_warning", counting)
    app = create_app(**CHIPS)
    client = app.test_client()
    for _ in range(3):
        ask(app, times=2)
    assert judged == [(PAGE, API)]

    for index in range(hooks.COOKIE_JUDGED + 10):
        client.get("/me", headers={"Origin": PAGE}, base_url=f"https://h{index}.test")
    remembered = app.extensions[HOOKS_KEY].cookie_fine
    assert len(remembered) == hooks.COOKIE_JUDGED
    assert records(caplog) == []
