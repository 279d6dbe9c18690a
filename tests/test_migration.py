"""Migrating from flask-cors: the ten commonest snippets, ported by changing the import.

Each test runs the snippet as written with flask-cors (the behaviour a migrating user knows),
then its obvious port to flask_crossorigin, and shows that the port either lets a browser in
as flask-cors did, or stops (at start-up, or at the first request when only a request can
tell) with a message that names the fix; and that the fix, pasted, then works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import flask_cors
import pytest
from flask import Blueprint, Flask

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin

from .helpers import LOCALHOST, bare_app, records

View = Callable[[], str]

EVIL = "https://evil.example"
JSON = {"Content-Type": "application/json"}
AUTHORIZED_JSON = {**JSON, "Authorization": "Bearer t0ken"}

SAFELISTED_METHODS = {"GET", "HEAD", "POST"}
SAFELISTED_CONTENT_TYPES = {
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
}


def new_app() -> Flask:
    """The app of the snippets: an API and a page that is not part of it."""
    app = bare_app()
    app.add_url_rule("/api/items", "items", lambda: {"items": []}, methods=["GET", "POST", "PUT"])
    app.add_url_rule("/admin", "admin", lambda: "admin", methods=["GET", "POST", "PUT"])
    return app


def _reads(response: Any, origin: str, credentials: bool) -> bool:
    """Fetch, "CORS check": whether a page at ``origin`` may read ``response``."""
    allow = response.headers.getlist("Access-Control-Allow-Origin")
    if len(allow) != 1:
        return False
    if credentials:
        return bool(
            allow[0] == origin
            and response.headers.get("Access-Control-Allow-Credentials") == "true"
        )
    return allow[0] in ("*", origin)


def _listed(response: Any, name: str) -> set[str]:
    return {part.strip() for part in response.headers.get(name, "").split(",") if part.strip()}


def _safelisted(name: str, value: str) -> bool:
    """Fetch, "CORS-safelisted request-header", for the headers these snippets send."""
    if name.lower() == "content-type":
        return value.split(";")[0].strip().lower() in SAFELISTED_CONTENT_TYPES
    return name.lower() in ("accept", "accept-language", "content-language")


def fetch(
    app: Flask,
    path: str,
    *,
    origin: str = LOCALHOST,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    credentials: bool = False,
) -> bool:
    """Act out ``fetch(path, {method, headers, credentials})`` from a page at ``origin``.

    A preflight when the method or a header is not safelisted, then the request; True
    when the browser lets the page read the answer.
    """
    headers = headers or {}
    client = app.test_client(use_cookies=False)
    unsafe = sorted(name.lower() for name, value in headers.items() if not _safelisted(name, value))
    if method not in SAFELISTED_METHODS or unsafe:
        asked = {"Origin": origin, "Access-Control-Request-Method": method}
        if unsafe:
            asked["Access-Control-Request-Headers"] = ",".join(unsafe)
        answer = client.options(path, headers=asked)
        if not (200 <= answer.status_code < 300 and _reads(answer, origin, credentials)):
            return False
        methods = _listed(answer, "Access-Control-Allow-Methods")
        names = {name.lower() for name in _listed(answer, "Access-Control-Allow-Headers")}
        wildcard = not credentials
        if method not in SAFELISTED_METHODS and not (
            method in methods or (wildcard and "*" in methods)
        ):
            return False
        for name in unsafe:
            if name not in names and not (wildcard and "*" in names and name != "authorization"):
                return False
    response = client.open(path, method=method, headers={"Origin": origin, **headers})
    return _reads(response, origin, credentials)


# 1. The README's first snippet.


def test_cors_app_opens_nothing_and_warns_until_origins_are_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``CORS(app)``: flask-cors opens every route to every site; the port opens none, says so."""
    original = new_app()
    flask_cors.CORS(original)
    assert fetch(original, "/api/items", method="PUT", headers=JSON)
    assert fetch(original, "/admin", origin=EVIL)

    caplog.set_level(logging.WARNING, logger="flask_crossorigin")
    port = new_app()
    CrossOrigin(port)
    assert not fetch(port, "/api/items", method="PUT", headers=JSON)
    assert not fetch(port, "/admin", origin=EVIL)
    (warning,) = records(caplog)
    assert "origins" in warning

    fixed = new_app()
    fixed.config.setdefault("CORS_ORIGINS", "*")
    CrossOrigin(fixed)
    assert fetch(fixed, "/api/items", method="PUT", headers=JSON)
    assert fetch(fixed, "/admin", origin=EVIL)


# 2. The README's resource-specific snippet.


def test_cors_resources_dict_with_origins_star_works_on_the_matching_routes_only() -> None:
    """``CORS(app, resources={r"/api/*": {"origins": "*"}})``."""
    resources: dict[Any, dict[str, Any]] = {r"/api/*": {"origins": "*"}}
    original = new_app()
    flask_cors.CORS(original, resources=resources)
    port = new_app()
    CrossOrigin(port, resources=resources)

    for name, app in (("flask-cors", original), ("port", port)):
        assert fetch(app, "/api/items", method="PUT", headers=JSON), name
        assert fetch(app, "/api/items", origin=EVIL), name
        assert not fetch(app, "/admin"), name
        assert not fetch(app, "/admin", method="PUT", headers=JSON), name


# 3. Listing the front end's origin.


def test_cors_origins_list_works_on_every_route() -> None:
    """``CORS(app, origins=["http://localhost:3000"])``."""
    original = new_app()
    flask_cors.CORS(original, origins=[LOCALHOST])
    port = new_app()
    CrossOrigin(port, origins=[LOCALHOST])

    for name, app in (("flask-cors", original), ("port", port)):
        for path in ("/api/items", "/admin"):
            assert fetch(app, path), (name, path)
            assert fetch(app, path, method="PUT", headers=JSON), (name, path)
            assert not fetch(app, path, origin=EVIL), (name, path)
            assert not fetch(app, path, origin=EVIL, method="PUT", headers=JSON), (name, path)


# 4. Cookies, without naming who may send them.


def test_cors_supports_credentials_without_origins_opens_nothing_warning_of_origins_then_works(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``CORS(app, supports_credentials=True)``: flask-cors hands every site the user's cookies.

    The port opens nothing and warns, naming ``origins`` (no origin is named at the app
    level, so no route is covered); listing them works.
    """
    original = new_app()
    flask_cors.CORS(original, supports_credentials=True)
    assert fetch(original, "/api/items", method="PUT", headers=JSON, credentials=True)
    assert fetch(original, "/api/items", origin=EVIL, credentials=True)

    caplog.set_level(logging.WARNING, logger="flask_crossorigin")
    port = new_app()
    CrossOrigin(port, supports_credentials=True)
    assert not fetch(port, "/api/items", method="PUT", headers=JSON, credentials=True)
    assert not fetch(port, "/api/items", origin=EVIL, credentials=True)
    (warning,) = records(caplog)
    assert "origins" in warning

    fixed = new_app()
    CrossOrigin(fixed, supports_credentials=True, origins=[LOCALHOST])
    assert fetch(fixed, "/api/items", method="PUT", headers=JSON, credentials=True)
    assert not fetch(fixed, "/api/items", origin=EVIL, credentials=True)


# 5. The StackOverflow answer: every origin, credentials, and the usual headers.


def test_cors_origins_star_with_credentials_fails_at_start_up_and_listed_origins_work() -> None:
    """``CORS(app, origins="*", supports_credentials=True, allow_headers=[...])``."""
    options: dict[str, Any] = {
        "origins": "*",
        "supports_credentials": True,
        "allow_headers": ["Content-Type", "Authorization"],
    }
    original = new_app()
    flask_cors.CORS(original, **options)
    assert fetch(original, "/api/items", method="PUT", headers=AUTHORIZED_JSON, credentials=True)

    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(new_app(), **options)
    message = str(error.value)
    assert "supports_credentials" in message
    assert "origins=[" in message  # the fix: list them

    fixed = new_app()
    CrossOrigin(fixed, **{**options, "origins": [LOCALHOST]})
    assert fetch(fixed, "/api/items", method="PUT", headers=AUTHORIZED_JSON, credentials=True)
    assert fetch(fixed, "/admin", method="PUT", headers=AUTHORIZED_JSON, credentials=True)
    assert not fetch(fixed, "/api/items", origin=EVIL, credentials=True)
    assert not fetch(fixed, "/api/items", method="PUT", headers={"X-Other": "1"})


# 6. The README's decorator snippet, on its own.


def decorated_app(decorator: Callable[..., Callable[[View], View]]) -> tuple[Flask, list[str]]:
    app = new_app()
    calls: list[str] = []

    @app.route("/", methods=["GET", "PUT"])
    @decorator()
    def hello_world() -> str:
        calls.append("hello_world")
        return "Hello, cross-origin-world!"

    return app, calls


def assert_fails_at_first_request_naming_crossorigin(
    port: Flask, path: str, calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A policy on an app without the extension: no CORS answer, and a 500 that says the fix."""
    client = port.test_client()
    with caplog.at_level(logging.ERROR):
        preflight = client.options(
            path, headers={"Origin": LOCALHOST, "Access-Control-Request-Method": "PUT"}
        )
        actual = client.get(path, headers={"Origin": LOCALHOST})
    # Flask answers the preflight itself (no code of ours runs for it), without CORS headers,
    # so the browser refuses; the first request to reach the view says what to do.
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert actual.status_code == 500
    assert "CrossOrigin(app)" in caplog.text
    assert calls == []


def test_cross_origin_alone_fails_at_the_first_request_naming_crossorigin_app(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``@cross_origin()`` under ``@app.route``, with no ``CORS(app)``: flask-cors needs none."""
    original, _ = decorated_app(flask_cors.cross_origin)
    assert fetch(original, "/")
    assert fetch(original, "/", method="PUT", headers=JSON)

    port, calls = decorated_app(cross_origin)
    assert_fails_at_first_request_naming_crossorigin(port, "/", calls, caplog)

    fixed, _ = decorated_app(cross_origin)
    CrossOrigin(fixed)
    assert fetch(fixed, "/")
    assert fetch(fixed, "/", method="PUT", headers=JSON)


# 7. A decorator with its own options, next to the extension.


def test_cross_origin_with_origins_methods_and_allow_headers_works() -> None:
    """``CORS(app)`` and ``@cross_origin(origins=[...], methods=[...], allow_headers=[...])``."""
    options: dict[str, Any] = {
        "origins": [LOCALHOST],
        "methods": ["GET", "PUT"],
        "allow_headers": ["Content-Type", "Authorization"],
    }
    original = new_app()
    flask_cors.CORS(original)
    todo = flask_cors.cross_origin(**options)(lambda: "todo")
    original.add_url_rule("/todo", "todo", todo, methods=["GET", "PUT", "DELETE"])
    port = new_app()
    CrossOrigin(port)
    port.add_url_rule(
        "/todo", "todo", cross_origin(**options)(lambda: "todo"), methods=["GET", "PUT", "DELETE"]
    )

    for name, app in (("flask-cors", original), ("port", port)):
        assert fetch(app, "/todo", method="PUT", headers=AUTHORIZED_JSON), name
        assert not fetch(app, "/todo", method="DELETE"), name
        assert not fetch(app, "/todo", method="PUT", headers={"X-Other": "1"}), name
        assert not fetch(app, "/todo", origin=EVIL, method="PUT", headers=JSON), name


# 8. resources as one pattern.


def test_cors_resources_string_works_on_the_matching_routes_only() -> None:
    """``CORS(app, resources=r"/api/*")``."""
    original = new_app()
    flask_cors.CORS(original, resources=r"/api/*")
    port = new_app()
    CrossOrigin(port, resources=r"/api/*")

    for name, app in (("flask-cors", original), ("port", port)):
        assert fetch(app, "/api/items", method="PUT", headers=JSON), name
        assert fetch(app, "/api/items", origin=EVIL), name
        assert not fetch(app, "/admin"), name
        assert not fetch(app, "/admin", method="PUT", headers=JSON), name


# 9. The flask-cors README's old "Simple Usage", copied into countless answers.


def readme_app(extension: Any, decorator: Any, key: str, before: bool) -> Flask:
    """``CORS(app)``, ``app.config[key] = 'Content-Type'``, and ``@cross_origin()`` on a route."""
    app = new_app()
    if before:
        app.config[key] = "Content-Type"
    extension(app)
    if not before:
        app.config[key] = "Content-Type"
    app.add_url_rule("/", "hello", decorator()(lambda: "Hello"), methods=["GET", "PUT"])
    return app


def test_cors_headers_key_set_after_cors_app_fails_the_first_request_naming_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``CORS_HEADERS`` is not a flask-cors key either: flask-cors allows every header anyway."""
    original = readme_app(flask_cors.CORS, flask_cors.cross_origin, "CORS_HEADERS", before=False)
    assert fetch(original, "/", method="PUT", headers=JSON)
    assert fetch(original, "/", method="PUT", headers={"X-Other": "1"})

    port = readme_app(CrossOrigin, cross_origin, "CORS_HEADERS", before=False)
    with caplog.at_level(logging.ERROR):
        first = port.test_client().options(
            "/", headers={"Origin": LOCALHOST, "Access-Control-Request-Method": "PUT"}
        )
    assert first.status_code == 500
    assert "CORS_HEADERS" in caplog.text

    # Configured before CrossOrigin(app), as the message says: the key's name is the error.
    with pytest.raises(TypeError, match="'CORS_ALLOW_HEADERS'"):
        readme_app(CrossOrigin, cross_origin, "CORS_HEADERS", before=True)

    fixed = readme_app(CrossOrigin, cross_origin, "CORS_ALLOW_HEADERS", before=True)
    assert fetch(fixed, "/", method="PUT", headers=JSON)
    assert not fetch(fixed, "/", method="PUT", headers={"X-Other": "1"})


# 10. A blueprint given CORS on its own.


def api_blueprint(calls: list[str]) -> Blueprint:
    api = Blueprint("api", __name__, url_prefix="/api")

    def items() -> dict[str, list[str]]:
        calls.append("items")
        return {"items": []}

    api.add_url_rule("/items", "items", items, methods=["GET", "PUT"])
    return api


def test_cors_on_a_blueprint_without_cors_app_fails_loudly_then_works_with_crossorigin_app(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``CORS(api_bp)`` and ``app.register_blueprint(api_bp)``, with no ``CORS(app)``."""
    original = Flask("mars")
    bp = api_blueprint([])
    flask_cors.CORS(bp)
    original.register_blueprint(bp)
    assert fetch(original, "/api/items", method="PUT", headers=JSON)

    calls: list[str] = []
    port = Flask("mars")
    port.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)
    bp = api_blueprint(calls)
    CrossOrigin(bp)
    port.register_blueprint(bp)
    assert_fails_at_first_request_naming_crossorigin(port, "/api/items", calls, caplog)

    fixed = Flask("mars")
    bp = api_blueprint([])
    CrossOrigin(bp)
    fixed.register_blueprint(bp)
    CrossOrigin(fixed)
    assert fetch(fixed, "/api/items", method="PUT", headers=JSON)
    assert fetch(fixed, "/api/items", origin=EVIL)


# Every row again, on an app whose CORS_ORIGINS names its origins.

CONFIGURED = "http://localhost:8080"


def configured_app() -> Flask:
    """The snippets' app, with its origins in the config as many apps keep them."""
    app = new_app()
    app.config["CORS_ORIGINS"] = [CONFIGURED]
    return app


def _decorated(app: Flask, decorator: Any, **options: Any) -> Flask:
    """Add ``/todo`` under ``decorator``; the app back, so that a row's steps chain."""
    app.add_url_rule(
        "/todo", "todo", decorator(**options)(lambda: "todo"), methods=["GET", "PUT", "DELETE"]
    )
    return app


def _blueprint(app: Flask, extension: Any) -> Flask:
    """Register ``/v2/items`` given a policy by ``extension``; the app back, as above."""
    bp = Blueprint("v2", __name__, url_prefix="/v2")
    bp.add_url_rule("/items", "items", lambda: {"items": []}, methods=["GET", "PUT"])
    extension(bp)
    app.register_blueprint(bp)
    return app


ROW_7_OPTIONS: dict[str, Any] = {
    "origins": [LOCALHOST],
    "methods": ["GET", "PUT"],
    "allow_headers": ["Content-Type", "Authorization"],
}

#: row -> (flask-cors setup, port setup, whether the port allows exactly what flask-cors does).
ROWS: dict[str, tuple[Any, Any, bool]] = {
    "1 CORS(app)": (
        lambda app: flask_cors.CORS(app),
        lambda app: (app.config.setdefault("CORS_ORIGINS", "*"), CrossOrigin(app)),
        True,
    ),
    "2 resources dict": (
        lambda app: flask_cors.CORS(app, resources={r"/api/*": {"origins": "*"}}),
        lambda app: CrossOrigin(app, resources={r"/api/*": {"origins": "*"}}),
        True,
    ),
    "3 origins list": (
        lambda app: flask_cors.CORS(app, origins=[LOCALHOST]),
        lambda app: CrossOrigin(app, origins=[LOCALHOST]),
        True,
    ),
    "4 credentials": (
        lambda app: flask_cors.CORS(app, supports_credentials=True),
        lambda app: CrossOrigin(app, supports_credentials=True),
        True,
    ),
    "5 star with credentials, fixed": (
        lambda app: flask_cors.CORS(app, origins="*", supports_credentials=True),
        lambda app: CrossOrigin(app, origins=[LOCALHOST], supports_credentials=True),
        False,
    ),
    "6 decorator alone": (
        lambda app: _decorated(app, flask_cors.cross_origin),
        lambda app: (_decorated(app, cross_origin), CrossOrigin(app, resources=[])),
        True,
    ),
    "7 CORS(app) and a decorator": (
        lambda app: (
            _decorated(app, flask_cors.cross_origin, **ROW_7_OPTIONS),
            flask_cors.CORS(app),
        ),
        lambda app: (
            _decorated(app, cross_origin, **ROW_7_OPTIONS),
            app.config.setdefault("CORS_ORIGINS", "*"),
            CrossOrigin(app),
        ),
        True,
    ),
    "8 resources string": (
        lambda app: flask_cors.CORS(app, resources=r"/api/*"),
        lambda app: CrossOrigin(app, resources=r"/api/*"),
        True,
    ),
    "9 CORS_ALLOW_HEADERS, fixed": (
        lambda app: (
            flask_cors.CORS(app),
            app.config.update(CORS_HEADERS="Content-Type"),
            _decorated(app, flask_cors.cross_origin),
        ),
        lambda app: (
            app.config.update(CORS_ALLOW_HEADERS="Content-Type"),
            CrossOrigin(app),
            _decorated(app, cross_origin),
        ),
        False,
    ),
    "10 blueprint": (
        lambda app: _blueprint(app, flask_cors.CORS),
        lambda app: (_blueprint(app, CrossOrigin), CrossOrigin(app, resources=[])),
        False,
    ),
}

PROBES: list[dict[str, Any]] = [
    {"method": "GET"},
    {"method": "PUT", "headers": JSON},
    {"method": "PUT", "headers": {"X-Other": "1"}},
    {"method": "DELETE"},
    {"method": "GET", "credentials": True},
    {"method": "PUT", "headers": AUTHORIZED_JSON, "credentials": True},
]


def _allowed(app: Flask) -> set[tuple[str, str, str]]:
    """Every (path, origin, request) a browser lets a page read on ``app``.

    Only the methods each route serves are tried: flask-cors also allows the others
    (its default methods are a fixed list), which then answer 405 to the page.
    """
    served = {
        rule.rule: rule.methods or set()
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    return {
        (path, origin, repr(probe))
        for path, methods in sorted(served.items())
        for origin in (LOCALHOST, CONFIGURED, EVIL)
        for probe in PROBES
        if probe["method"] in methods and fetch(app, path, origin=origin, **probe)
    }


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_no_port_of_a_row_widens_what_flask_cors_allowed_on_a_config_driven_app(
    row: tuple[Any, Any, bool],
) -> None:
    """With CORS_ORIGINS in app.config, a port allows at most (mostly exactly) flask-cors's set."""
    set_up_original, set_up_port, same = row
    original = configured_app()
    set_up_original(original)
    port = configured_app()
    set_up_port(port)
    allowed_before, allowed_after = _allowed(original), _allowed(port)
    assert allowed_after <= allowed_before, sorted(allowed_after - allowed_before)
    assert allowed_after, "the port opens nothing at all"
    if same:
        assert allowed_after == allowed_before, sorted(allowed_before - allowed_after)
    else:  # the rows the docs say are narrowed on purpose
        assert allowed_after < allowed_before


def test_an_allowed_preflight_is_answered_204_where_flask_cors_answered_200() -> None:
    """The status a migrating test suite sees change: 204 No Content for an allowed preflight."""
    asked = {"Origin": CONFIGURED, "Access-Control-Request-Method": "PUT"}
    original = configured_app()
    flask_cors.CORS(original)
    port = configured_app()
    CrossOrigin(port)
    assert original.test_client().options("/api/items", headers=asked).status_code == 200
    assert port.test_client().options("/api/items", headers=asked).status_code == 204


def test_config_driven_cors_app_ported_with_origins_star_keyword_would_widen() -> None:
    """Why row 1 is not ``CrossOrigin(app, origins="*")``: that keyword outranks CORS_ORIGINS."""
    original = configured_app()
    flask_cors.CORS(original)
    widened = configured_app()
    CrossOrigin(widened, origins="*")
    assert not fetch(original, "/api/items", origin=EVIL)
    assert fetch(widened, "/api/items", origin=EVIL)


def test_without_origins_configured_an_always_send_response_has_no_origin_header_but_varies() -> (
    None
):
    """``always_send``'s removal: no Origin, no Access-Control-Allow-Origin (except for ``*``)."""
    original = configured_app()
    flask_cors.CORS(original)
    port = configured_app()
    CrossOrigin(port)
    assert "Access-Control-Allow-Origin" in original.test_client().get("/api/items").headers
    response = port.test_client().get("/api/items")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers.get("Vary", "")
    star = new_app()
    CrossOrigin(star, origins="*")
    assert star.test_client().get("/api/items").headers["Access-Control-Allow-Origin"] == "*"
