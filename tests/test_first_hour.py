"""The first hour (issue 10): every natural path from flask-cors works, or says exactly why not.

One section per part of the issue: which routes the app level covers; the mistakes that must
fail loudly instead of doing nothing; where the reason for a refusal shows; what ``flask cors``
says; and the semantics the peers' own test suites expect.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from click.testing import Result
from flask import Blueprint, Flask, redirect, request
from flask.cli import FlaskGroup, ScriptInfo
from flask.typing import ResponseReturnValue
from flask.views import MethodView, View

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin

from .helpers import (
    EARTH,
    LOCALHOST,
    VENUS,
    bare_app,
    cors_headers,
    preflight_headers,
    records,
    send_preflight,
    vary_values,
)

JSON = "Content-Type: application/json"
ROOT = Path(__file__).resolve().parent.parent


def add_routes(app: Flask) -> None:
    """Two routes without a policy of their own."""
    app.add_url_rule("/items", "items", lambda: "items", methods=["GET", "POST"])
    app.add_url_rule("/admin/stats", "stats", lambda: "stats", methods=["GET", "POST"])


@pytest.fixture
def run_flask(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``flask cors ...`` as the ``flask`` command does.

    ``FlaskGroup`` loads the ``flask.commands`` entry points and then the app's own
    commands; ``app.test_cli_runner().invoke()`` alone would only see ``app.cli``.
    """
    # FlaskGroup sets FLASK_RUN_FROM_CLI; monkeypatch puts the environment back.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    monkeypatch.delenv("FLASK_RUN_FROM_CLI")

    def run(app: Flask, *args: str) -> Result:
        info = ScriptInfo(create_app=lambda: app, set_debug_flag=False)
        return app.test_cli_runner().invoke(
            FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False),
            args=["cors", *args],
            obj=info,
        )

    return run


# 1. Which routes the app level covers.

NAME_ORIGINS = {
    "CrossOrigin(app, origins=...)": lambda app: CrossOrigin(app, origins=[LOCALHOST]),
    "init_app(app, origins=...)": lambda app: CrossOrigin().init_app(app, origins=[LOCALHOST]),
    "CORS_ORIGINS": lambda app: (app.config.update(CORS_ORIGINS=[LOCALHOST]), CrossOrigin(app)),
}


@pytest.mark.parametrize("install", NAME_ORIGINS.values(), ids=NAME_ORIGINS.keys())
def test_origins_named_at_the_app_level_cover_every_route(
    install: Callable[[Flask], object],
) -> None:
    app = bare_app()
    add_routes(app)
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    admin.add_url_rule("/users", "users", lambda: "users", methods=["GET", "POST"])
    app.register_blueprint(admin)
    install(app)
    app.add_url_rule("/late", "late", lambda: "late", methods=["GET", "POST"])
    client = app.test_client()

    for path in ("/items", "/admin/stats", "/admin/users", "/late"):
        allowed = client.options(path, headers=preflight_headers(LOCALHOST, "POST", "content-type"))
        assert allowed.status_code == 204, path
        assert allowed.headers["Access-Control-Allow-Origin"] == LOCALHOST
        assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
        assert client.options(path, headers=preflight_headers(VENUS)).status_code == 403
        actual = client.get(path, headers={"Origin": LOCALHOST})
        assert actual.headers["Access-Control-Allow-Origin"] == LOCALHOST
        assert (
            "Access-Control-Allow-Origin" not in client.get(path, headers={"Origin": VENUS}).headers
        )


def test_resources_narrow_the_app_level_origins_to_the_matching_routes() -> None:
    app = bare_app()
    app.add_url_rule("/api/items", "api_items", lambda: "items", methods=["GET", "POST"])
    add_routes(app)
    CrossOrigin(app, origins=[LOCALHOST], resources="/api/*")
    client = app.test_client()

    covered = client.options("/api/items", headers=preflight_headers(LOCALHOST))
    assert covered.status_code == 204
    assert covered.headers["Access-Control-Allow-Origin"] == LOCALHOST
    for path in ("/items", "/admin/stats"):
        assert cors_headers(client.options(path, headers=preflight_headers(LOCALHOST))) == {}
        assert cors_headers(client.get(path, headers={"Origin": LOCALHOST})) == {}


@pytest.mark.parametrize(
    "options", [{}, {"max_age": 600, "allow_headers": ["Content-Type"]}], ids=["none", "no origins"]
)
def test_crossorigin_without_app_level_origins_opens_no_route(options: dict[str, Any]) -> None:
    app = bare_app()
    add_routes(app)
    CrossOrigin(app, **options)
    client = app.test_client()

    for path in ("/items", "/admin/stats"):
        answer = client.options(path, headers=preflight_headers(LOCALHOST))
        assert answer.status_code == 200  # Flask's own OPTIONS answer: not a CORS preflight answer
        assert cors_headers(answer) == {}
        assert cors_headers(client.get(path, headers={"Origin": LOCALHOST})) == {}


def test_no_route_with_a_policy_logs_one_warning_at_the_first_request_naming_the_three_ways(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_crossorigin")
    app = bare_app()
    CrossOrigin(app)
    add_routes(app)
    assert records(caplog, logging.WARNING) == []  # routes may still come: only a request tells

    client = app.test_client()
    for _ in range(3):
        client.get("/items", headers={"Origin": LOCALHOST})
    client.options("/admin/stats", headers=preflight_headers(LOCALHOST))

    (warning,) = records(caplog, logging.WARNING)
    assert "cross_origin" in warning
    assert "blueprint" in warning.lower()
    assert "origins" in warning


def _decorated_late_route(app: Flask) -> None:
    CrossOrigin(app)
    app.add_url_rule("/late", "late", cross_origin(origins=LOCALHOST)(lambda: "late"))


def _blueprint_policy(app: Flask) -> None:
    cors = CrossOrigin(app)
    api = Blueprint("api", __name__, url_prefix="/api")
    api.add_url_rule("/items", "items", lambda: "items")
    cors.init_app(api, origins=[LOCALHOST])
    app.register_blueprint(api)


OPENED = {
    "a decorated route added after init_app": _decorated_late_route,
    "a blueprint policy": _blueprint_policy,
    "origins at the app level": lambda app: CrossOrigin(app, origins=[LOCALHOST]),
    "a resources entry with its own origins": lambda app: CrossOrigin(
        app, resources={"/items": {"origins": [LOCALHOST]}}
    ),
}


@pytest.mark.parametrize("open_one", OPENED.values(), ids=OPENED.keys())
def test_no_warning_when_some_route_has_a_policy(
    caplog: pytest.LogCaptureFixture, open_one: Callable[[Flask], None]
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_crossorigin")
    app = bare_app()
    add_routes(app)
    open_one(app)

    app.test_client().get("/items", headers={"Origin": LOCALHOST})

    assert records(caplog, logging.WARNING) == []


# 2. No silent no-ops: each of these fails loudly, with the fix in the message.


def test_cross_origin_on_an_app_without_the_extension_fails_its_first_request_loudly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The preflight itself cannot fail here: with no extension no code of ours runs for it
    # (Flask answers OPTIONS itself), and routing OPTIONS to the view instead would take
    # OPTIONS away from views that declare it. A route that declares OPTIONS does fail.
    app = bare_app()
    calls: list[str] = []

    @app.post("/items")
    @cross_origin(origins=LOCALHOST)
    def items() -> str:
        calls.append("items")
        return "stored"

    @app.route("/declared", methods=["POST", "OPTIONS"])
    @cross_origin(origins=LOCALHOST)
    def declared() -> str:
        calls.append("declared")
        return "stored"

    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        answer = client.post("/items", headers={"Origin": LOCALHOST})
        preflight = client.options(
            "/declared", headers=preflight_headers(LOCALHOST, "POST", "content-type")
        )

    assert answer.status_code == 500
    assert preflight.status_code == 500
    assert cors_headers(answer) == {} and cors_headers(preflight) == {}
    assert caplog.text.count("call CrossOrigin(app)") == 2  # the error, in the log as well
    assert calls == []


BLUEPRINT_POLICY = {
    "CrossOrigin(bp, ...)": lambda bp: CrossOrigin(bp, origins=[LOCALHOST]),
    "cors.init_app(bp, ...)": lambda bp: CrossOrigin().init_app(bp, origins=[LOCALHOST]),
}


def make_blueprint(calls: list[str]) -> Blueprint:
    api = Blueprint("api", __name__, url_prefix="/api")

    def items() -> str:
        calls.append("items")
        return "items"

    api.add_url_rule("/items", "items", items, methods=["GET", "POST"])
    return api


@pytest.mark.parametrize("give", BLUEPRINT_POLICY.values(), ids=BLUEPRINT_POLICY.keys())
def test_blueprint_policy_on_an_app_without_the_extension_fails_loudly(
    caplog: pytest.LogCaptureFixture, give: Callable[[Blueprint], object]
) -> None:
    calls: list[str] = []
    api = make_blueprint(calls)
    give(api)
    app = bare_app()
    app.register_blueprint(api)
    client = app.test_client()

    with caplog.at_level(logging.ERROR):
        answer = client.options("/api/items", headers=preflight_headers(LOCALHOST))
        actual = client.post("/api/items", headers={"Origin": LOCALHOST})

    assert (answer.status_code, actual.status_code) == (500, 500)
    assert "CrossOrigin(app)" in caplog.text
    assert calls == []


@pytest.mark.parametrize("extension_first", [True, False], ids=["extension first", "last"])
def test_blueprint_policy_works_whether_the_extension_comes_before_or_after_registering_it(
    extension_first: bool,
) -> None:
    cors = CrossOrigin()
    api = make_blueprint([])
    cors.init_app(api, origins=[LOCALHOST])
    app = bare_app()
    if extension_first:
        cors.init_app(app)
    app.register_blueprint(api)
    if not extension_first:
        cors.init_app(app)

    answer = send_preflight(app, "/api/items", LOCALHOST)
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == LOCALHOST


def test_init_app_on_a_blueprint_again_with_the_same_options_is_accepted() -> None:
    """A second ``create_app()`` (app factories, tests) gives the blueprint its policy again."""
    cors = CrossOrigin()
    api = make_blueprint([])

    def create_app() -> Flask:
        app = bare_app()
        cors.init_app(api, origins=[LOCALHOST], max_age=600)
        app.register_blueprint(api)
        cors.init_app(app)
        return app

    for app in (create_app(), create_app()):
        answer = send_preflight(app, "/api/items", LOCALHOST)
        assert answer.status_code == 204
        assert answer.headers["Access-Control-Allow-Origin"] == LOCALHOST
        assert answer.headers["Access-Control-Max-Age"] == "600"


def test_init_app_on_a_registered_blueprint_with_other_options_is_an_error() -> None:
    cors = CrossOrigin()
    api = make_blueprint([])
    cors.init_app(api, origins=[LOCALHOST])
    app = bare_app()
    app.register_blueprint(api)
    cors.init_app(app)

    with pytest.raises(CorsConfigError) as error:
        cors.init_app(api, origins=[EARTH])

    message = str(error.value)
    assert "'api'" in message
    assert "origins" in message
    assert EARTH in message
    # The registered app keeps the policy it was given.
    assert send_preflight(app, "/api/items", LOCALHOST).status_code == 204
    assert send_preflight(app, "/api/items", origin=EARTH).status_code == 403


REGEX_RESOURCES = [
    r"/api/.*",
    r"^/api/",
    r"/api/items$",
    r"/api/\d+",
    r"/api/(v1|v2)/*",
    r"/api/[a-z]+",
    r"/api/items?",
    r"/api/v1+",
]
RESOURCES_SHAPES = {
    "a string": lambda pattern: pattern,
    "a list": lambda pattern: ["/health", pattern],
    "a dict key": lambda pattern: {pattern: {"origins": [LOCALHOST]}},
}


@pytest.mark.parametrize("shape", RESOURCES_SHAPES.values(), ids=RESOURCES_SHAPES.keys())
@pytest.mark.parametrize("pattern", REGEX_RESOURCES)
def test_resources_that_look_like_a_regular_expression_are_an_error_naming_re_compile(
    pattern: str, shape: Callable[[str], object]
) -> None:
    app = bare_app()
    add_routes(app)  # routes known at init_app: the mistake is seen at start-up
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(app, origins=[LOCALHOST], resources=shape(pattern))

    message = str(error.value)
    assert "resources" in message
    assert repr(pattern) in message
    assert f"re.compile({pattern!r})" in message
    assert f"re.compile(re.escape({pattern!r}))" in message


def test_resources_key_that_looks_like_a_regular_expression_is_an_error_too() -> None:
    app = bare_app()
    add_routes(app)
    app.config["CORS_RESOURCES"] = r"/api/.*"
    with pytest.raises(CorsConfigError, match=r"re\.compile"):
        CrossOrigin(app, origins=[LOCALHOST])


def test_resources_regex_suggests_the_glob_and_the_glob_pasted_works() -> None:
    app = bare_app()
    add_routes(app)
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(app, origins=[LOCALHOST], resources=r"/api/.*")
    assert "'/api/*'" in str(error.value)

    app = bare_app()
    app.add_url_rule("/api/items", "api_items", lambda: "items", methods=["GET", "POST"])
    add_routes(app)
    CrossOrigin(app, origins=[LOCALHOST], resources="/api/*")
    assert send_preflight(app, "/api/items", LOCALHOST).status_code == 204
    assert cors_headers(send_preflight(app, "/items", LOCALHOST)) == {}


def test_resources_in_flask_rule_syntax_are_literal_patterns() -> None:
    app = bare_app()
    app.add_url_rule("/items/<int:item_id>", "item", lambda item_id: "item", methods=["PUT"])
    app.add_url_rule("/api/v1.0/planets", "planets", lambda: "planets", methods=["PUT"])
    app.add_url_rule("/api/v100/planets", "v100", lambda: "v100", methods=["PUT"])
    CrossOrigin(app, origins=[LOCALHOST], resources=["/items/<int:item_id>", "/api/v1.0/*"])

    assert send_preflight(app, "/items/7", LOCALHOST, method="PUT").status_code == 204
    assert send_preflight(app, "/api/v1.0/planets", LOCALHOST, method="PUT").status_code == 204
    assert cors_headers(send_preflight(app, "/api/v100/planets", LOCALHOST, method="PUT")) == {}


def test_resources_pattern_matching_no_route_logs_a_warning_at_the_first_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_crossorigin")
    app = bare_app()
    CrossOrigin(app, origins=[LOCALHOST], resources=["/api/*", "/v2/*"])
    # Added after init_app: it still counts, so the check waits for the first request.
    app.add_url_rule("/api/items", "api_items", lambda: "items")

    client = app.test_client()
    client.get("/api/items", headers={"Origin": LOCALHOST})
    client.get("/api/items", headers={"Origin": LOCALHOST})

    (warning,) = records(caplog, logging.WARNING)
    assert "resources" in warning
    assert "'/v2/*'" in warning
    assert "'/api/*'" not in warning


LATE_KEYS = {
    "CORS_ORIGINS set after init_app": ({}, {"CORS_ORIGINS": [LOCALHOST]}, False),
    "CORS_ORIGINS changed after init_app": (
        {"CORS_ORIGINS": [EARTH]},
        {"CORS_ORIGINS": [LOCALHOST]},
        False,
    ),
    "CORS_MAX_AGE set after init_app": ({}, {"CORS_MAX_AGE": 600}, True),
}


@pytest.mark.parametrize(("before", "after", "decorated"), LATE_KEYS.values(), ids=LATE_KEYS.keys())
def test_cors_keys_set_after_init_app_fail_the_first_request_naming_them(
    caplog: pytest.LogCaptureFixture,
    before: dict[str, object],
    after: dict[str, object],
    decorated: bool,
) -> None:
    """A ``CORS_*`` key set after ``CrossOrigin(app)`` read the config is a 500 that names it."""
    app = bare_app()
    app.config.update(before)
    view: Callable[[], str] = lambda: "items"  # noqa: E731
    if decorated:
        view = cross_origin(origins=LOCALHOST)(view)
    app.add_url_rule("/items", "items", view, methods=["GET", "POST"])
    CrossOrigin(app)
    app.config.update(after)

    with caplog.at_level(logging.ERROR):
        answer = send_preflight(app, "/items", LOCALHOST)

    assert answer.status_code == 500
    for key in after:
        assert f"{key} set after CrossOrigin(app)" in caplog.text
    assert "set every CORS_* key before CrossOrigin(app)" in caplog.text


RESTFUL_DECORATORS = {
    "list": lambda decorator: [decorator],
    "dict": lambda decorator: {"get": [decorator]},
}
#: The fix: ``decorators = [...]``, not ``method_decorators = [...]``.
USE_DECORATORS = re.compile(r"(?<!method_)decorators = \[")


def _restful_resource(package: str, shape: Callable[[object], object]) -> tuple[Any, type]:
    restful = pytest.importorskip(package)

    class Items(restful.Resource):  # type: ignore[name-defined, misc]
        method_decorators = shape(cross_origin(origins=LOCALHOST))

        def get(self) -> dict[str, list[str]]:
            return {"items": []}

    return restful.Api, Items


@pytest.mark.parametrize("package", ["flask_restful", "flask_restx"])
@pytest.mark.parametrize("shape", RESTFUL_DECORATORS.values(), ids=RESTFUL_DECORATORS.keys())
def test_cross_origin_in_method_decorators_of_a_resource_is_an_error_saying_use_decorators(
    package: str, shape: Callable[[object], object]
) -> None:
    api_class, resource = _restful_resource(package, shape)
    app = bare_app()
    api_class(app).add_resource(resource, "/items")

    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(app)

    message = str(error.value)
    assert "method_decorators" in message
    assert USE_DECORATORS.search(message), message


def test_cross_origin_in_method_decorators_of_a_resource_added_after_init_app_fails_its_requests(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api_class, resource = _restful_resource("flask_restful", RESTFUL_DECORATORS["list"])
    app = bare_app()
    CrossOrigin(app)
    api_class(app).add_resource(resource, "/items")

    with caplog.at_level(logging.ERROR):
        actual = app.test_client().get("/items", headers={"Origin": LOCALHOST})

    assert actual.status_code == 500
    assert USE_DECORATORS.search(caplog.text), caplog.text


class ItemsView(View):
    methods = ["GET", "POST"]

    def dispatch_request(self) -> str:
        return "items"


class ItemsMethodView(MethodView):
    def get(self) -> str:
        return "items"

    def post(self) -> str:
        return "stored"


@pytest.mark.parametrize("base", [ItemsMethodView, ItemsView], ids=["MethodView", "View"])
def test_cross_origin_on_a_view_class_is_an_error_saying_use_decorators(base: type[View]) -> None:
    """Decorating the class itself would do nothing, so it fails naming ``decorators = [...]``."""
    with pytest.raises(CorsConfigError) as error:

        @cross_origin(origins=LOCALHOST)
        class Items(base):  # type: ignore[valid-type, misc]
            pass

    assert "decorators = [cross_origin(...)] in the body of Items" in str(error.value)


def openapi3_post(app: Flask, rule: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """flask-openapi3's ``@app.post``: it registers a ``functools.wraps`` copy of the view,
    made before any decorator written above it runs, and returns the view itself."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def view_func(**kwargs: Any) -> Any:
            return func(**kwargs)

        app.add_url_rule(rule, view_func=view_func, methods=["POST"])
        return func

    return decorator


def test_cross_origin_above_an_openapi3_style_route_decorator_is_an_error() -> None:
    app = bare_app()

    @cross_origin(origins=LOCALHOST)
    @openapi3_post(app, "/items")
    def items() -> str:
        return "stored"

    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(app)

    message = str(error.value)
    assert "@cross_origin" in message
    assert "below" in message


def test_cross_origin_above_flask_openapi3_post_is_an_error() -> None:
    openapi3 = pytest.importorskip("flask_openapi3")
    app = openapi3.OpenAPI("mars")

    @cross_origin(origins=LOCALHOST)
    @app.post("/items")
    def items() -> str:
        return "stored"

    with pytest.raises(CorsConfigError, match="below"):
        CrossOrigin(app)


def test_cross_origin_below_an_openapi3_style_route_decorator_works() -> None:
    app = bare_app()

    @openapi3_post(app, "/items")
    @cross_origin(origins=LOCALHOST)
    def items() -> str:
        return "stored"

    CrossOrigin(app)
    answer = send_preflight(app, "/items", LOCALHOST)
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == LOCALHOST


def allow_headers_app(allow_headers: object) -> Flask:
    app = bare_app()
    view = cross_origin(origins=LOCALHOST, allow_headers=allow_headers)(lambda: "stored")
    app.add_url_rule("/items", "items", view, methods=["POST"])
    CrossOrigin(app)
    return app


@pytest.mark.parametrize(
    "written",
    [r"X-COMPANY-.*", r"^X-Trace$", r"X-Company-[A-Za-z]+", r"X-(Request|Trace)-Id"],
)
def test_allow_headers_that_look_like_a_regex_are_an_error_naming_the_value_and_the_fix(
    written: str,
) -> None:
    """``allow_headers`` takes header names only: a regex is refused; the fix is names or '*'."""
    with pytest.raises(CorsConfigError) as error:
        allow_headers_app([written])
    message = str(error.value)
    assert f"allow_headers: {written!r} looks like a regular expression" in message
    assert "allow_headers='*'" in message
    assert "re.compile" not in message


def test_compiled_allow_headers_are_an_error_naming_the_option() -> None:
    """A compiled pattern is not a header name (API: "a list of header names"), so it is refused."""
    with pytest.raises(CorsConfigError) as error:
        allow_headers_app([re.compile(r"x-company-[a-z]+"), "Content-Type"])
    assert "allow_headers: 'x-company-[a-z]+'" in str(error.value)


def _decorator_without_headers(app: Flask) -> None:
    view = cross_origin(origins=LOCALHOST, allow_headers=[])(lambda: "stored")
    app.add_url_rule("/items", "items", view, methods=["POST"])
    CrossOrigin(app)


def _config_without_headers(app: Flask) -> None:
    app.add_url_rule("/items", "items", lambda: "stored", methods=["POST"])
    app.config["CORS_ALLOW_HEADERS"] = []
    CrossOrigin(app, origins=[LOCALHOST])


def _app_level_without_headers(app: Flask) -> None:
    app.add_url_rule("/items", "items", lambda: "stored", methods=["POST"])
    CrossOrigin(app, origins=[LOCALHOST], allow_headers=[])


NO_HEADERS = {
    "@cross_origin(allow_headers=[])": _decorator_without_headers,
    "CrossOrigin(app, allow_headers=[])": _app_level_without_headers,
    "CORS_ALLOW_HEADERS = []": _config_without_headers,
}


@pytest.mark.parametrize("configure", NO_HEADERS.values(), ids=NO_HEADERS.keys())
def test_empty_allow_headers_allows_no_request_header(
    caplog: pytest.LogCaptureFixture, configure: Callable[[Flask], None]
) -> None:
    caplog.set_level(logging.INFO, logger="flask_crossorigin")
    app = bare_app()
    configure(app)

    without = send_preflight(app, "/items", LOCALHOST)
    assert without.status_code == 204
    assert without.headers["Access-Control-Allow-Origin"] == LOCALHOST
    for asked in ("content-type", "x-requested-with"):
        refused = send_preflight(app, "/items", LOCALHOST, headers=asked)
        assert refused.status_code == 403, asked
        assert cors_headers(refused) == {}
    lines = records(caplog, logging.INFO)
    assert len(lines) == 2
    assert all("allow_headers" in line for line in lines)


QUOTED_ORIGIN = re.compile(r"'([a-zA-Z][a-zA-Z0-9+.\-]*://[^']*)'")


@pytest.mark.parametrize(
    ("written", "fix"),
    [
        ("http://localhost:3000/", "http://localhost:3000"),
        ("http://localhost:3000/api", "http://localhost:3000"),
        ("https://earth.com/", "https://earth.com"),
        ("HTTPS://Earth.com:8443/app/", "https://earth.com:8443"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
        ("http://[::1]:3000/", "http://[::1]:3000"),
        ("https://user:pw@earth.com", "https://earth.com"),
        ("https://earth.com:8443#top", "https://earth.com:8443"),
    ],
)
def test_suggested_origin_is_exactly_the_one_to_paste(written: str, fix: str) -> None:
    with pytest.raises(CorsConfigError) as error:
        cross_origin(origins=[written])

    message = str(error.value)
    assert repr(fix) in message
    assert set(QUOTED_ORIGIN.findall(message)) <= {written, fix}, message
    app = bare_app()
    app.add_url_rule("/items", "items", cross_origin(origins=[fix])(lambda: "ok"), methods=["PUT"])
    CrossOrigin(app)
    pasted = send_preflight(app, "/items", origin=fix, method="PUT")
    assert pasted.status_code == 204
    assert pasted.headers["Access-Control-Allow-Origin"] == fix


def _two_bad_routes() -> None:
    app = bare_app()
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    app.add_url_rule("/items", "items", cross_origin()(lambda: "items"))
    app.add_url_rule("/users", "users", cross_origin()(lambda: "users"))
    CrossOrigin(app)


def _config_and_keywords() -> None:
    app = bare_app()
    app.config.update(CORS_MAX_AGE="600", CORS_EXPOSE_HEADERS=["Set-Cookie"])
    CrossOrigin(app, origins="localhost:3000")


ALL_AT_ONCE = {
    "CrossOrigin keywords": (
        lambda: CrossOrigin(
            bare_app(), origins=["http://localhost:3000/"], methods=["GET", "CONNECT"], max_age=-1
        ),
        [
            ("origins", "'http://localhost:3000/'"),
            ("origins", "'http://localhost:3000'"),
            ("methods", "'CONNECT'"),
            ("max_age", "-1"),
        ],
    ),
    "cross_origin keywords": (
        lambda: cross_origin(
            origins="earth.com", allow_headers=["Bad Header"], supports_credentials="yes"
        ),
        [
            ("origins", "'earth.com'"),
            ("allow_headers", "'Bad Header'"),
            ("supports_credentials", "'yes'"),
        ],
    ),
    "CORS_* keys and keywords": (
        _config_and_keywords,
        [("max_age", "'600'"), ("expose_headers", "Set-Cookie"), ("origins", "'localhost:3000'")],
    ),
    "two routes": (
        _two_bad_routes,
        [("'items'", "origins='*'"), ("'users'", "origins='*'")],
    ),
}


@pytest.mark.parametrize(("configure", "expected"), ALL_AT_ONCE.values(), ids=ALL_AT_ONCE.keys())
def test_every_configuration_error_is_reported_at_once_with_its_option_and_value(
    configure: Callable[[], object], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(CorsConfigError) as error:
        configure()

    message = str(error.value)
    for option, value in expected:
        assert option in message.lower() or option in message, option
        assert value in message, value


# 3. The reason is visible where the user looks.

DEBUG_APP = """
from flask import Flask
from flask_crossorigin import CrossOrigin, cross_origin

app = Flask("mars")
{before}
CrossOrigin(app)


@app.post("/items")
@cross_origin(origins="https://earth.com")
def items():
    return "stored"


{after}
client = app.test_client()
answer = client.options(
    "/items",
    headers={{"Origin": "https://venus.com", "Access-Control-Request-Method": "POST"}},
)
print(answer.status_code, app.debug)
"""

DEBUG_WAYS = {
    "flask run --debug (FLASK_DEBUG=1)": ("1", "", ""),
    "app.debug = True before CrossOrigin(app)": ("", "app.debug = True", ""),
    "app.run(debug=True) style: app.debug set after": ("", "", "app.debug = True"),
    "no debug": ("", "", ""),
}


@pytest.mark.parametrize(("flask_debug", "before", "after"), DEBUG_WAYS.values(), ids=DEBUG_WAYS)
def test_in_debug_mode_the_refusal_line_reaches_the_console_without_logging_setup(
    flask_debug: str, before: str, after: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "FLASK_RUN_FROM_CLI")}
    if flask_debug:
        env["FLASK_DEBUG"] = flask_debug
    script = DEBUG_APP.format(before=before, after=after)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    debug = bool(flask_debug or before or after)
    assert done.stdout.split() == ["403", str(debug)], done.stderr
    lines = [line for line in done.stderr.splitlines() if "venus.com" in line]
    if debug:
        (line,) = lines
        assert "refused" in line
        assert "'https://venus.com'" in line
        assert "origins" in line
    else:
        assert lines == [], done.stderr  # outside debug the INFO line stays where it was


class Refused(NamedTuple):
    origin: str
    method: str
    headers: str | None
    rule: str
    value: str
    option: str


REFUSED = {
    "origin": Refused(VENUS, "POST", None, "origin is not allowed", VENUS, "origins"),
    "method": Refused(EARTH, "PUT", None, "method is not allowed", "PUT", "methods"),
    "header": Refused(
        EARTH,
        "POST",
        "content-type,x-trace",
        "request header is not allowed",
        "x-trace",
        "allow_headers",
    ),
}


@pytest.fixture
def refusing_app() -> Flask:
    app = bare_app()
    CrossOrigin(app)

    @app.route("/items", methods=["POST", "PUT"])
    @cross_origin(origins=EARTH, methods=["POST"], allow_headers=["Content-Type"])
    def items() -> str:
        return "stored"

    return app


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_refused_preflight_403_has_a_short_plain_text_body_with_the_logged_reason(
    refusing_app: Flask, caplog: pytest.LogCaptureFixture, case: Refused
) -> None:
    caplog.set_level(logging.INFO, logger="flask_crossorigin")
    answer = send_preflight(refusing_app, "/items", case.origin, case.method, headers=case.headers)

    assert answer.status_code == 403
    assert answer.mimetype == "text/plain"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert cors_headers(answer) == {}
    body = answer.get_data(as_text=True)
    assert len(body) <= 300
    (line,) = records(caplog, logging.INFO)
    for words in (case.rule, case.option):
        assert words in body, words
        assert words in line, words
    # The log has the value and the endpoint; a stranger's 403 has neither.
    assert repr(case.value) in line
    assert "'items'" in line
    assert repr(case.value) not in body
    assert "items" not in body.replace("refused", "")


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_refused_preflight_403_body_names_endpoint_and_value_only_in_debug(
    refusing_app: Flask, case: Refused
) -> None:
    refusing_app.debug = True
    answer = send_preflight(refusing_app, "/items", case.origin, case.method, headers=case.headers)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert repr(case.value) in body
    assert "'items'" in body


@pytest.mark.parametrize(
    "origin",
    ["https://" + "a" * 10_240 + ".com", "https://earth.com\r\nX-Injected: 1\x1b[2J\x00"],
    ids=["10 KB origin", "control characters"],
)
def test_refused_preflight_body_quotes_values_cut_short_and_without_control_characters(
    refusing_app: Flask, origin: str
) -> None:
    environ = {"HTTP_ORIGIN": origin, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}
    answer = refusing_app.test_client().options("/items", environ_overrides=environ)

    assert answer.status_code == 403
    assert answer.mimetype == "text/plain"
    body = answer.get_data(as_text=True)
    assert len(body) <= 300
    assert "origins" in body
    assert "a" * 100 not in body
    assert not [ch for ch in body.rstrip("\n") if ord(ch) < 32 or ord(ch) == 127], body


# 4. `flask cors check` and `flask cors routes` tell the truth.


def _only_a_decorated_route(app: Flask) -> None:
    app.add_url_rule("/covered", "covered", cross_origin(origins=LOCALHOST)(lambda: "ok"))
    CrossOrigin(app)


UNCOVERED = {
    "CrossOrigin(app) and one decorated route": (_only_a_decorated_route, "/items"),
    "outside resources": (
        lambda app: CrossOrigin(app, origins=[LOCALHOST], resources="/api/*"),
        "/admin/stats",
    ),
}
FETCHES = {"simple GET": (), "POST with JSON": ("--method", "POST", "--header", JSON)}


@pytest.mark.parametrize("fetch", FETCHES.values(), ids=FETCHES.keys())
@pytest.mark.parametrize(("configure", "path"), UNCOVERED.values(), ids=UNCOVERED.keys())
def test_check_on_a_route_without_a_policy_says_so_and_how_to_add_one(
    run_flask: Callable[..., Result],
    configure: Callable[[Flask], object],
    path: str,
    fetch: tuple[str, ...],
) -> None:
    app = bare_app()
    add_routes(app)
    configure(app)

    result = run_flask(app, "check", path, "--origin", LOCALHOST, *fetch)

    assert result.exit_code == 1, result.output
    assert re.search(r"\bno (CORS )?policy\b|\bnot covered\b", result.output, re.IGNORECASE)
    assert "cross_origin" in result.output or "resources" in result.output
    assert not re.search(r"add '[^']*' to origins", result.output), result.output


def test_check_on_a_route_covered_by_app_level_origins_is_allowed(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    add_routes(app)
    CrossOrigin(app, origins=[LOCALHOST])

    result = run_flask(
        app, "check", "/items", "--origin", LOCALHOST, "--method", "POST", "--header", JSON
    )

    assert result.exit_code == 0, result.output
    assert "ALLOWED" in result.output
    assert "to origins" not in result.output


def test_routes_names_a_source_for_every_route_the_app_level_origins_cover(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    add_routes(app)
    app.add_url_rule("/own", "own", cross_origin(origins=EARTH)(lambda: "own"))
    CrossOrigin(app, origins=[LOCALHOST])

    result = run_flask(app, "routes", "--json")

    assert result.exit_code == 0, result.output
    rows = {row["endpoint"]: row for row in json.loads(result.output)}
    for endpoint in ("items", "stats", "static"):
        assert rows[endpoint]["source"] is not None, endpoint
        assert rows[endpoint]["policy"]["origins"] == [LOCALHOST]
    assert rows["own"]["source"] == "decorator"
    assert rows["items"]["source"] != "decorator"


def force_https_app(origins: object) -> Flask:
    """Flask-Talisman's ``force_https``: plain http is redirected (302) to https."""
    app = bare_app()

    @app.before_request
    def force_https() -> ResponseReturnValue | None:
        if not request.is_secure:
            return redirect(request.url.replace("http://", "https://", 1), 302)
        return None

    @app.get("/items")
    @cross_origin(origins=origins)
    def items() -> str:
        return "items"

    CrossOrigin(app)
    return app


def test_check_follows_a_redirect_to_another_origin_with_origin_null_and_blocks(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(force_https_app([LOCALHOST]), "check", "/items", "--origin", LOCALHOST)

    assert result.exit_code == 1, result.output
    assert "https://localhost/items" in result.output
    assert "Origin: null" in result.output
    assert "BLOCKED" in result.output
    assert "ALLOWED" not in result.output


def test_check_judges_the_cross_origin_redirect_target_never_the_302(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(force_https_app("*"), "check", "/items", "--origin", LOCALHOST)

    assert result.exit_code == 0, result.output
    assert "https://localhost/items" in result.output
    assert "Origin: null" in result.output
    assert "ALLOWED (status 302)" not in result.output


@pytest.mark.parametrize(
    "args",
    [("routes",), ("routes", "--json"), ("check", "/items", "--origin", LOCALHOST)],
    ids=["routes", "routes --json", "check"],
)
def test_flask_cors_on_an_app_without_the_extension_says_so_and_exits_1(
    run_flask: Callable[..., Result], args: tuple[str, ...]
) -> None:
    app = bare_app()
    add_routes(app)

    result = run_flask(app, *args)

    assert result.exit_code == 1, result.output
    assert "CrossOrigin(app)" in result.output
    assert "No such command" not in result.output


def test_flask_cors_through_the_flask_command_works_on_an_app_with_the_extension(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    app.add_url_rule("/covered", "covered", cross_origin(origins=LOCALHOST)(lambda: "ok"))
    CrossOrigin(app)

    result = run_flask(app, "check", "/covered", "--origin", LOCALHOST)

    assert result.exit_code == 0, result.output
    assert "ALLOWED" in result.output


def subdomain_app() -> Flask:
    app = bare_app()
    app.config["SERVER_NAME"] = "mars.test"
    app.add_url_rule(
        "/items", "api_items", cross_origin(origins=LOCALHOST)(lambda: "api"), subdomain="api"
    )
    app.add_url_rule("/items", "www_items", lambda: "www", subdomain="www")
    CrossOrigin(app)
    return app


def test_routes_shows_the_subdomain_of_each_route_when_the_app_uses_subdomains(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(subdomain_app(), "routes")

    assert result.exit_code == 0, result.output
    header, _dashes, *rows = result.output.splitlines()
    assert "Subdomain" in header.split()
    cells = {cell: row.split() for row in rows for cell in row.split() if cell.endswith("_items")}
    assert "api" in cells["api_items"]
    assert "www" in cells["www_items"]


def test_routes_shows_no_subdomain_column_when_the_app_uses_none(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    app.add_url_rule("/items", "items", cross_origin(origins=LOCALHOST)(lambda: "ok"))
    CrossOrigin(app)

    result = run_flask(app, "routes")

    assert result.exit_code == 0, result.output
    assert "Subdomain" not in result.output


def test_routes_shows_no_cors_methods_note_on_a_plain_get_route(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    app.add_url_rule("/items", "items", cross_origin(origins=LOCALHOST)(lambda: "ok"))
    CrossOrigin(app)

    result = run_flask(app, "routes")

    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.output.splitlines() if line.startswith("/items")]
    assert "(CORS:" not in row
    assert "HEAD" not in row


# 5. Semantics the peers' own test suites expect.


def test_route_declaring_options_gets_options_in_the_default_methods() -> None:
    app = bare_app()

    @app.route("/items", methods=["GET", "OPTIONS"])
    @cross_origin(origins=LOCALHOST)
    def items() -> ResponseReturnValue:
        return "items" if request.method == "GET" else ("", 204, {"Allow": "GET, OPTIONS"})

    @app.get("/plain")
    @cross_origin(origins=LOCALHOST)
    def plain() -> str:
        return "plain"

    CrossOrigin(app)

    answer = send_preflight(app, "/items", LOCALHOST, method="OPTIONS")
    assert answer.status_code == 204
    methods = [m.strip() for m in answer.headers["Access-Control-Allow-Methods"].split(",")]
    assert "OPTIONS" in methods
    assert "GET" in methods
    # Flask's automatic OPTIONS is not one of the route's own methods.
    assert send_preflight(app, "/plain", LOCALHOST, method="OPTIONS").status_code == 403
    plain_methods = send_preflight(app, "/plain", LOCALHOST, method="GET").headers[
        "Access-Control-Allow-Methods"
    ]
    assert "OPTIONS" not in plain_methods


def test_file_origin_can_be_listed() -> None:
    app = bare_app()
    app.add_url_rule(
        "/items", "items", cross_origin(origins=["file://"])(lambda: "ok"), methods=["PUT"]
    )
    CrossOrigin(app)
    client = app.test_client()

    answer = client.options("/items", headers=preflight_headers("file://", "PUT"))
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "file://"
    actual = client.put("/items", headers={"Origin": "file://"})
    assert actual.headers["Access-Control-Allow-Origin"] == "file://"
    assert client.options("/items", headers=preflight_headers("null", "PUT")).status_code == 403


def test_origins_callable_is_consulted_for_a_file_origin() -> None:
    seen: list[str] = []

    def from_the_app_shell(origin: str) -> bool:
        seen.append(origin)
        return origin == "file://"

    app = bare_app()
    app.add_url_rule("/items", "items", cross_origin(origins=from_the_app_shell)(lambda: "ok"))
    CrossOrigin(app)

    actual = app.test_client().get("/items", headers={"Origin": "file://"})

    assert seen == ["file://"]
    assert actual.headers.get("Access-Control-Allow-Origin") == "file://"


def without_automatic_options_app() -> Flask:
    app = bare_app()
    app.add_url_rule(
        "/items",
        "items",
        cross_origin(origins=LOCALHOST)(lambda: "stored"),
        methods=["POST"],
        provide_automatic_options=False,
    )
    app.add_url_rule(
        "/users", "users", cross_origin(origins=LOCALHOST)(lambda: "stored"), methods=["POST"]
    )
    CrossOrigin(app)
    return app


WITHOUT_AUTOMATIC_OPTIONS = {
    "origin not allowed": (VENUS, "POST"),
    "method no view serves": (LOCALHOST, "DELETE"),
}


@pytest.mark.parametrize(
    ("origin", "method"), WITHOUT_AUTOMATIC_OPTIONS.values(), ids=WITHOUT_AUTOMATIC_OPTIONS.keys()
)
def test_refused_preflight_without_automatic_options_is_a_403_with_vary_and_a_log_line(
    caplog: pytest.LogCaptureFixture, origin: str, method: str
) -> None:
    caplog.set_level(logging.INFO, logger="flask_crossorigin")
    app = without_automatic_options_app()

    reference = send_preflight(app, "/users", origin=origin, method=method)
    answer = send_preflight(app, "/items", origin=origin, method=method)

    assert reference.status_code == 403
    assert answer.status_code == 403
    assert cors_headers(answer) == {}
    assert vary_values(answer) == vary_values(reference)
    assert "access-control-request-method" in vary_values(answer)
    lines = records(caplog, logging.INFO)
    assert len(lines) == 2
    assert "'items'" in lines[1]


def test_refused_preflight_without_automatic_options_sends_cors_refused_once() -> None:
    from flask_crossorigin import cors_refused  # type: ignore[attr-defined]

    app = without_automatic_options_app()
    received: list[tuple[object, dict[str, Any]]] = []

    def receiver(sender: object, **extra: Any) -> None:
        received.append((sender, extra))

    with cors_refused.connected_to(receiver, app):
        send_preflight(app, "/items", origin=LOCALHOST, method="DELETE")

    ((sender, extra),) = received
    assert sender is app
    assert extra["endpoint"] == "items"
    assert extra["refusal"].option == "methods"
