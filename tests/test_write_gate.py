"""The write gate: a cross-origin write is refused before the view when the policy would not
have preflighted it (API.md, "Cross-origin writes"), through the Flask test client."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Blueprint, Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_crossorigin import CrossOrigin, cors_refused, cross_origin, exempt_writes

from .helpers import EARTH, VENUS, bare_app

#: The test client's own origin (its default base URL).
SELF = "http://localhost"


def gated_app(**options: Any) -> Flask:
    """An app whose views count their calls: a refused write leaves the count at zero."""
    app = bare_app()
    app.calls = []  # type: ignore[attr-defined]
    CrossOrigin(app, **options)

    def record(name: str) -> str:
        app.calls.append(name)  # type: ignore[attr-defined]
        return name

    @app.route("/oxygen", methods=["GET", "POST", "DELETE"])
    @cross_origin(origins=EARTH, methods=["GET", "POST"])
    def oxygen() -> str:
        return record("oxygen")

    @app.post("/session")
    @cross_origin(origins=EARTH, supports_credentials=True)
    def session() -> str:
        return record("session")

    @app.post("/plain")
    def plain() -> str:
        return record("plain")

    @app.post("/saml/acs")
    @exempt_writes
    def saml() -> str:
        return record("saml")

    return app


def calls(app: Flask) -> list[str]:
    return app.calls  # type: ignore[attr-defined, no-any-return]


def post(app: Flask, path: str, **headers: str) -> Any:
    """POST with these headers (``Sec_Fetch_Site`` for ``Sec-Fetch-Site``); the client keeps
    no cookie jar, which would replace a ``Cookie`` header with its own."""
    return app.test_client(use_cookies=False).post(
        path, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


def allow_headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.headers if k.startswith("Access-Control-Allow")}


# What the gate refuses: the preflight's three checks.


@pytest.mark.parametrize(
    ("path", "headers", "option"),
    [
        ("/oxygen", {"Origin": VENUS}, "origins"),
        ("/oxygen", {"Origin": VENUS, "Sec_Fetch_Site": "cross-site"}, "origins"),
        ("/oxygen", {"Sec_Fetch_Site": "cross-site"}, "origins"),  # no Origin
        ("/oxygen", {"Origin": "null"}, "origins"),
        ("/oxygen", {"Origin": EARTH, "Cookie": "session=1"}, "supports_credentials"),
        ("/oxygen", {"Origin": EARTH, "Authorization": "Basic eDp5"}, "supports_credentials"),
    ],
    ids=["origin", "origin with metadata", "no origin", "null", "cookie", "browser auth"],
)
def test_cross_origin_write_the_policy_refuses_is_403_before_the_view(
    path: str, headers: dict[str, str], option: str
) -> None:
    app = gated_app()
    received: list[dict[str, Any]] = []
    with cors_refused.connected_to(lambda sender, **event: received.append(event), app):
        response = post(app, path, **headers)

    assert response.status_code == 403
    assert calls(app) == []
    assert allow_headers(response) == {}
    (event,) = received
    assert (event["kind"], event["method"], event["enforced"]) == ("write", "POST", True)
    assert event["refusal"].option == option


def test_write_with_a_method_the_policy_does_not_allow_is_refused() -> None:
    app = gated_app()
    response = app.test_client().delete("/oxygen", headers={"Origin": EARTH})
    assert response.status_code == 403
    assert "methods" in response.get_data(as_text=True)
    assert calls(app) == []


def test_write_from_an_allowed_origin_runs_the_view_with_its_cors_headers() -> None:
    app = gated_app()
    response = post(app, "/oxygen", Origin=EARTH, Sec_Fetch_Site="cross-site")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EARTH
    assert calls(app) == ["oxygen"]


def test_credentialed_write_is_allowed_where_the_policy_supports_credentials() -> None:
    app = gated_app()
    response = post(app, "/session", Origin=EARTH, Cookie="session=1")
    assert response.status_code == 200
    assert calls(app) == ["session"]


def test_authorization_a_page_added_after_a_preflight_is_not_taken_for_credentials() -> None:
    """A JSON POST with a bearer token was preflighted: the page, not the browser, added it."""
    app = gated_app()
    response = app.test_client().post(
        "/oxygen",
        json={"o2": 21},
        headers={"Origin": EARTH, "Authorization": "Bearer t0ken"},
    )
    assert response.status_code == 200
    assert calls(app) == ["oxygen"]


# Which requests are cross-origin.


@pytest.mark.parametrize(
    ("headers", "gated"),
    [
        ({"Sec_Fetch_Site": "cross-site", "Origin": VENUS}, True),
        ({"Sec_Fetch_Site": "same-site", "Origin": VENUS}, True),
        ({"Sec_Fetch_Site": "same-origin", "Origin": VENUS}, False),
        ({"Sec_Fetch_Site": "none"}, False),
        ({"Origin": SELF}, False),
        ({"Origin": "http://localhost:80"}, True),  # no browser sends the default port
        ({"Origin": "https://localhost"}, True),  # another scheme
        ({"Origin": "http://localhost:8080"}, True),  # another port
        ({"Origin": "http://user@localhost"}, True),  # not a serialized origin
        ({"Origin": "null"}, True),
        ({}, False),  # curl, a webhook, another server
    ],
)
def test_cross_origin_is_decided_by_sec_fetch_site_first_then_by_origin(
    headers: dict[str, str], gated: bool
) -> None:
    app = gated_app()
    response = post(app, "/oxygen", **headers)
    assert (response.status_code == 403) is gated
    assert (calls(app) == []) is gated


def test_own_origin_with_a_port_matches_the_host_header() -> None:
    app = gated_app()
    client = app.test_client()
    response = client.post(
        "/oxygen", base_url="http://mars.test:5001", headers={"Origin": "http://mars.test:5001"}
    )
    assert response.status_code == 200
    response = client.post(
        "/oxygen", base_url="https://mars.test:443", headers={"Origin": "https://mars.test"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("base", ["http://my_api:5000", "http://MARS.test", "http://[::1]:8080"])
def test_own_origin_is_read_from_the_host_header_as_the_browser_wrote_it(base: str) -> None:
    """An underscore (a docker-compose service name), upper case or an IPv6 literal: the
    app's own form POST over http, with no Fetch Metadata, passes the gate."""
    app = gated_app()
    origin = base.replace("MARS", "mars")  # a browser's Origin has the host in lower case
    response = app.test_client().post("/oxygen", base_url=base, headers={"Origin": origin})
    assert response.status_code == 200
    assert calls(app) == ["oxygen"]


def test_behind_a_tls_proxy_the_own_origin_follows_proxy_fix() -> None:
    app = gated_app()
    client = app.test_client()
    forwarded = {"Origin": "https://mars.test", "X-Forwarded-Proto": "https"}
    # Without ProxyFix, Flask sees http:// and a same-origin form looks cross-origin.
    assert client.post("/oxygen", base_url="http://mars.test", headers=forwarded).status_code == 403
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)  # type: ignore[method-assign]
    assert client.post("/oxygen", base_url="http://mars.test", headers=forwarded).status_code == 200


def test_a_proxy_flask_is_not_told_about_is_named_once_with_the_fix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = gated_app()
    client = app.test_client()
    for _ in range(3):
        client.post("/oxygen", base_url="http://mars.test", headers={"Origin": "https://mars.test"})
    client.post("/oxygen", headers={"Origin": VENUS})
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)" in warning


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_are_never_gated(method: str) -> None:
    app = gated_app()
    response = app.test_client().open("/oxygen", method=method, headers={"Origin": VENUS})
    assert response.status_code in (200, 204)


def test_preflights_are_answered_as_before() -> None:
    app = gated_app()
    client = app.test_client()
    allowed = client.options(
        "/oxygen", headers={"Origin": EARTH, "Access-Control-Request-Method": "POST"}
    )
    refused = client.options(
        "/oxygen", headers={"Origin": VENUS, "Access-Control-Request-Method": "POST"}
    )
    assert allowed.status_code == 204
    assert refused.status_code == 403
    assert calls(app) == []


# Modes and reach.


def test_report_mode_serves_the_write_and_signals_it_as_not_enforced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="flask_crossorigin")
    app = gated_app(protect_writes="report")
    received: list[dict[str, Any]] = []
    with cors_refused.connected_to(lambda sender, **event: received.append(event), app):
        response = post(app, "/oxygen", Origin=VENUS)

    assert response.status_code == 200
    assert calls(app) == ["oxygen"]
    (event,) = received
    assert (event["kind"], event["enforced"]) == ("write", False)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "flask_crossorigin"]
    assert "report only" in line


@pytest.mark.parametrize(
    "configure",
    [
        lambda app: CrossOrigin(app, protect_writes=False),
        lambda app: (app.config.update(CORS_PROTECT_WRITES=False), CrossOrigin(app)),
        lambda app: CrossOrigin(app, resources={"/*": {"protect_writes": False}}, origins=[EARTH]),
    ],
    ids=["keyword", "config key", "resources entry"],
)
def test_protect_writes_false_lets_writes_through_in_every_app_layer(configure: Any) -> None:
    app = Flask("mars")
    app.config["TESTING"] = True
    configure(app)

    @app.post("/oxygen")
    @cross_origin(origins=EARTH)
    def oxygen() -> str:
        return "stored"

    assert app.test_client().post("/oxygen", headers={"Origin": VENUS}).status_code == 200


def test_protect_writes_of_a_decorator_overrides_the_app_level() -> None:
    app = Flask("mars")
    CrossOrigin(app, protect_writes=False)

    @app.post("/gated")
    @cross_origin(origins=EARTH, protect_writes=True)
    def gated() -> str:
        return "stored"

    @app.post("/open")
    @cross_origin(origins=EARTH)
    def open_() -> str:
        return "stored"

    client = app.test_client()
    assert client.post("/gated", headers={"Origin": VENUS}).status_code == 403
    assert client.post("/open", headers={"Origin": VENUS}).status_code == 200


def test_blueprint_policy_carries_protect_writes() -> None:
    app = Flask("mars")
    cors = CrossOrigin(app)
    api = Blueprint("api", __name__)

    @api.post("/items")
    def items() -> str:
        return "stored"

    cors.init_app(api, origins=[EARTH], protect_writes="report")
    app.register_blueprint(api)
    assert app.test_client().post("/items", headers={"Origin": VENUS}).status_code == 200
    cors.init_app(app)  # configuring the app again keeps the blueprint's policy
    assert app.test_client().post("/items", headers={"Origin": VENUS}).status_code == 200


def test_route_without_a_policy_is_not_gated_unless_protect_all_routes() -> None:
    assert post(gated_app(), "/plain", Origin=VENUS).status_code == 200
    app = gated_app(protect_all_routes=True)
    response = post(app, "/plain", Origin=EARTH)
    assert response.status_code == 403
    assert "protect_all_routes" in response.get_data(as_text=True)
    assert calls(app) == []
    # Same-origin pages and non-browser clients are not concerned.
    assert post(app, "/plain", Origin=SELF).status_code == 200
    assert post(app, "/plain").status_code == 200


def test_protect_all_routes_is_an_app_level_option_only() -> None:
    with pytest.raises(Exception, match="protect_all_routes is an app-level option"):
        cross_origin(protect_all_routes=True)  # type: ignore[call-arg]


def test_config_key_protect_all_routes_extends_the_gate() -> None:
    app = Flask("mars")
    app.config["CORS_PROTECT_ALL_ROUTES"] = True
    CrossOrigin(app)

    @app.post("/plain")
    def plain() -> str:
        return "stored"

    assert app.test_client().post("/plain", headers={"Origin": VENUS}).status_code == 403


def test_exempt_view_takes_cross_origin_writes_without_being_opened_to_reads() -> None:
    app = gated_app(protect_all_routes=True)
    response = post(app, "/saml/acs", Origin="https://idp.example.org")
    assert response.status_code == 200
    assert calls(app) == ["saml"]
    assert allow_headers(response) == {}


def test_exempt_blueprint_takes_cross_origin_writes() -> None:
    app = Flask("mars")
    CrossOrigin(app, protect_all_routes=True)
    callbacks = exempt_writes(Blueprint("callbacks", __name__))

    @callbacks.post("/paid")
    def paid() -> str:
        return "thanks"

    app.register_blueprint(callbacks)
    response = app.test_client().post("/paid", headers={"Origin": "https://pay.example"})
    assert response.status_code == 200


def test_invalid_protect_writes_is_a_config_error_with_the_fix() -> None:
    with pytest.raises(Exception, match=r"protect_writes: 'yes' is not True, False or 'report'"):
        cross_origin(protect_writes="yes")  # type: ignore[arg-type]


# WebSocket handshakes.


def ws_app(**options: Any) -> Flask:
    app = Flask("mars")
    app.config["TESTING"] = True
    CrossOrigin(app, **options)
    app.calls = []  # type: ignore[attr-defined]

    @app.route("/ws", websocket=True)
    @cross_origin(origins=EARTH)
    def ws() -> str:
        app.calls.append("ws")  # type: ignore[attr-defined]
        return "upgraded"

    return app


def handshake(app: Flask, **headers: str) -> Any:
    base = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}
    return app.test_client(use_cookies=False).get(
        "/ws", base_url="ws://localhost", headers={**base, **headers}
    )


def test_cross_origin_websocket_handshake_is_refused_before_the_handler() -> None:
    app = ws_app()
    received: list[dict[str, Any]] = []
    with cors_refused.connected_to(lambda sender, **event: received.append(event), app):
        response = handshake(app, Origin=VENUS)
    assert response.status_code == 403
    assert calls(app) == []
    assert [e["kind"] for e in received] == ["websocket"]


def test_websocket_handshake_from_an_allowed_origin_reaches_the_handler() -> None:
    app = ws_app()
    assert handshake(app, Origin=EARTH).status_code == 200
    assert calls(app) == ["ws"]


def test_cookie_on_a_handshake_needs_supports_credentials() -> None:
    app = ws_app()
    response = handshake(app, Origin=EARTH, Cookie="session=1")
    assert response.status_code == 403
    assert "supports_credentials" in response.get_data(as_text=True)


def test_handshake_to_a_plain_get_route_never_reaches_its_view() -> None:
    app = gated_app()
    response = app.test_client().get(
        "/oxygen", headers={"Upgrade": "websocket", "Connection": "Upgrade", "Origin": VENUS}
    )
    assert response.status_code == 400  # Werkzeug: not a websocket route
    assert calls(app) == []


# Order and hygiene.


def test_gate_runs_before_every_other_before_request_function() -> None:
    app = gated_app()
    ran: list[str] = []

    @app.before_request
    def auth() -> None:
        ran.append("auth")
        g.user = "someone"

    post(app, "/oxygen", Origin=VENUS)
    assert ran == []


def test_a_refused_write_is_told_once_even_when_another_after_request_hook_fails() -> None:
    app = gated_app()

    @app.after_request
    def broken(response: Any) -> Any:
        raise RuntimeError("broken hook")

    received: list[object] = []
    with cors_refused.connected_to(lambda sender, **event: received.append(event), app):
        response = post(app, "/oxygen", Origin=VENUS)
    assert response.status_code == 500
    assert len(received) == 1


# Flask-SocketIO: one origin list for HTTP and Socket.IO.


def test_socketio_origins_allows_own_origin_and_the_app_level_origins_and_signals_others() -> None:
    from flask_crossorigin import socketio_origins

    app = Flask("mars")
    CrossOrigin(app, origins=[EARTH, "https://*.earth.com"])
    allowed = socketio_origins(app)
    received: list[dict[str, Any]] = []
    with cors_refused.connected_to(lambda sender, **event: received.append(event), app):
        for origin, expected in [
            (EARTH, True),
            ("https://api.earth.com", True),
            ("http://mars.test:5000", True),
            (VENUS, False),
            ("http://mars.test:5001", False),
        ]:
            environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "mars.test:5000"}
            assert allowed(origin, environ) is expected, origin
    assert [(e["kind"], e["refusal"].value) for e in received] == [
        ("websocket", VENUS),
        ("websocket", "http://mars.test:5001"),
    ]


#: (SCRIPT_NAME, PATH_INFO as WSGI gives it) -> the path the log line names.
LOGGED_PATHS = {
    "socket.io": (("", "/socket.io/"), "'/socket.io/'"),
    "mounted, UTF-8": (
        ("/mars", "/\u00fc/socket.io/".encode().decode("latin-1")),
        "'/mars/\u00fc/socket.io/'",
    ),
}


@pytest.mark.parametrize(("where", "shown"), LOGGED_PATHS.values(), ids=LOGGED_PATHS.keys())
def test_socketio_refusal_is_logged_once_per_request_naming_its_path(
    caplog: pytest.LogCaptureFixture, where: tuple[str, str], shown: str
) -> None:
    """Engine.IO requests reach no endpoint: the line names the path, not ``endpoint None``."""
    from flask_crossorigin import socketio_origins

    app = Flask("mars")
    CrossOrigin(app, origins=[EARTH])
    allowed = socketio_origins(app)
    environ = {
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "mars.test",
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": where[0],
        "PATH_INFO": where[1],
    }
    caplog.set_level(logging.INFO, logger="flask_crossorigin")
    assert not allowed(VENUS, environ)
    assert not allowed(VENUS, environ)  # the same request asked again: told once

    assert [r.getMessage() for r in caplog.records] == [
        f"CORS WebSocket handshake refused for path {shown}: origin is not allowed: "
        f"{VENUS!r} (option origins)"
    ]


def test_socketio_origins_without_app_level_origins_allows_only_the_own_origin() -> None:
    from flask_crossorigin import socketio_origins

    app = Flask("mars")
    CrossOrigin(app)
    allowed = socketio_origins(app)
    environ = {"wsgi.url_scheme": "https", "HTTP_HOST": "mars.test"}
    assert allowed("https://mars.test", environ)
    assert not allowed(EARTH, environ)


def test_socketio_origins_follows_the_configuration_in_force() -> None:
    from flask_crossorigin import socketio_origins

    app = Flask("mars")
    cors = CrossOrigin(app, origins=[EARTH])
    allowed = socketio_origins(app)
    assert allowed(EARTH)
    cors.init_app(app, origins=[VENUS])
    assert not allowed(EARTH)
    assert allowed(VENUS)


# The tools act it out.


def test_fetch_reports_a_simple_post_from_a_refused_origin_as_refused_before_the_view() -> None:
    from flask_crossorigin.testing import fetch

    app = gated_app()
    refused = fetch(
        app, "/oxygen", origin=VENUS, method="POST", headers={"Content-Type": "text/plain"}
    )
    assert not refused.allowed
    assert "refused by the server before the view" in refused.transcript
    assert calls(app) == []
    allowed = fetch(
        app, "/oxygen", origin=EARTH, method="POST", headers={"Content-Type": "text/plain"}
    )
    allowed.assert_allowed()
    assert calls(app) == ["oxygen"]


# Credentials the browser attached, and requests that only look like handshakes.


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"Authorization": "Bearer t0ken", "Sec-Fetch-Mode": "cors"}, False),
        ({"Authorization": "Bearer t0ken"}, False),  # no Fetch metadata: Bearer is the page's
        ({"Authorization": "Basic eDp5", "Sec-Fetch-Mode": "cors"}, False),  # preflighted
        ({"Authorization": "Basic eDp5", "Sec-Fetch-Mode": "navigate"}, True),  # a form
        ({"Authorization": "Bearer t0ken", "Sec-Fetch-Mode": "no-cors"}, True),
        ({"Authorization": "Negotiate abc"}, True),
    ],
    ids=["bearer cors", "bearer no metadata", "basic cors", "basic form", "no-cors", "negotiate"],
)
def test_authorization_counts_as_credentials_only_where_the_browser_attached_it(
    headers: dict[str, str], refused: bool
) -> None:
    """A bearer token on a FormData or empty POST was added by the page after its preflight."""
    app = gated_app()
    response = app.test_client().post(
        "/oxygen", data={"o2": "21"}, headers={"Origin": EARTH, **headers}
    )
    assert (response.status_code == 403) is refused
    if refused:
        assert "supports_credentials" in response.get_data(as_text=True)


def test_get_with_another_upgrade_is_a_safe_request_not_a_handshake() -> None:
    app = gated_app(protect_all_routes=True)
    response = app.test_client().get(
        "/oxygen",
        headers={"Origin": VENUS, "Upgrade": "h2c", "Connection": "Upgrade, HTTP2-Settings"},
    )
    assert response.status_code == 200


def test_post_claiming_a_handshake_is_checked_as_a_post() -> None:
    app = Flask("mars")
    CrossOrigin(app)

    ran: list[str] = []

    @app.route("/reads", methods=["GET", "POST"])
    @cross_origin(origins=EARTH, methods=["GET"])
    def reads() -> str:
        ran.append("reads")
        return "ran"

    # With Connection: upgrade, Werkzeug's routing refuses it (400); without, the gate does.
    for connection, status in (("Upgrade", 400), ("keep-alive", 403)):
        response = app.test_client().post(
            "/reads", headers={"Origin": EARTH, "Upgrade": "websocket", "Connection": connection}
        )
        assert response.status_code == status
    assert ran == []


@pytest.mark.parametrize("site", ["Cross-Site", "cross-site, cross-site", "elsewhere"])
def test_a_sec_fetch_site_no_browser_sends_is_another_origin(site: str) -> None:
    app = gated_app()
    assert post(app, "/oxygen", Sec_Fetch_Site=site).status_code == 403


def test_socketio_origins_refuses_a_host_outside_trusted_hosts_even_as_its_own_origin() -> None:
    """DNS rebinding: Host and Origin are the attacker's name; Flask refuses it, and so do we."""
    from flask_crossorigin import socketio_origins

    app = Flask("mars")
    app.config["TRUSTED_HOSTS"] = ["localhost", "127.0.0.1"]
    CrossOrigin(app, origins=[EARTH])
    allowed = socketio_origins(app)
    rebound = {"wsgi.url_scheme": "http", "HTTP_HOST": "attacker.example:5000"}
    assert not allowed("http://attacker.example:5000", rebound)
    assert allowed("http://localhost:5000", {**rebound, "HTTP_HOST": "localhost:5000"})


def test_socketio_origins_runs_an_origins_callable_inside_the_app_context() -> None:
    from flask import current_app

    from flask_crossorigin import socketio_origins

    app = Flask("mars")
    app.config["TENANTS"] = [EARTH]
    CrossOrigin(app, origins=lambda origin: origin in current_app.config["TENANTS"])
    allowed = socketio_origins(app)
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "mars.test", "REQUEST_METHOD": "GET"}
    assert allowed(EARTH, environ)
    assert allowed(EARTH)
    assert not allowed(VENUS, environ)


def test_exempt_class_based_view_takes_cross_origin_writes() -> None:
    from flask.views import MethodView

    app = Flask("mars")
    CrossOrigin(app, protect_all_routes=True)

    @exempt_writes
    class Callback(MethodView):
        def post(self) -> str:
            return "thanks"

    app.add_url_rule("/callback", view_func=Callback.as_view("callback"))
    response = app.test_client().post("/callback", headers={"Origin": "https://idp.example"})
    assert response.status_code == 200


def test_exempt_writes_on_a_method_is_an_error_saying_to_put_it_on_the_class() -> None:
    from flask.views import MethodView

    app = Flask("mars")

    class Callback(MethodView):
        @exempt_writes
        def post(self) -> str:
            return "thanks"

    app.add_url_rule("/callback", view_func=Callback.as_view("callback"))
    with pytest.raises(Exception, match="put @exempt_writes on the class itself"):
        CrossOrigin(app, protect_all_routes=True)


def test_socketio_origins_warns_once_when_the_app_level_names_no_origins(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Origins given only in resources entries do not reach Socket.IO: the log says how."""
    from flask_crossorigin import socketio_origins

    app = Flask("mars")
    CrossOrigin(app, resources={"/api/*": {"origins": [EARTH]}})
    allowed = socketio_origins(app)
    for _ in range(3):
        assert not allowed(EARTH, {"wsgi.url_scheme": "http", "HTTP_HOST": "mars.test"})
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "CrossOrigin(app, origins=[...], resources='/api/*')" in warning


def test_fetch_advises_a_policy_or_an_exemption_for_a_write_to_a_route_without_policy() -> None:
    from flask_crossorigin.testing import fetch

    app = gated_app(protect_all_routes=True)
    result = fetch(
        app, "/plain", origin=EARTH, method="POST", headers={"Content-Type": "text/plain"}
    )
    assert "refused by the server before the view" in result.transcript
    assert "@cross_origin(origins=[...])" in result.transcript
    assert "@exempt_writes" in result.transcript
    assert calls(app) == []
