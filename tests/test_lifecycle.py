"""One lifecycle: what is configured is resolved once, what changes later fails only what it
breaks, and nothing a user registers or connects can turn a refusal into a 500."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask
from werkzeug.routing import Rule

from flask_crossorigin import CorsConfigError, CrossOrigin, cors_refused, cross_origin
from flask_crossorigin._decorator import WRAPPERS_ATTR

from .helpers import (
    EARTH,
    LOCALHOST,
    VENUS,
    bare_app,
    cors_headers,
    preflight_headers,
    send_preflight,
)


def preflight(app: Flask, path: str, method: str = "GET", origin: str = EARTH) -> Any:
    return app.test_client().options(
        path, headers={"Origin": origin, "Access-Control-Request-Method": method}
    )


# Rules and views.


def test_rule_without_an_endpoint_is_ignored_at_init_app() -> None:
    app = bare_app()
    app.url_map.add(Rule("/old", redirect_to="/new"))
    app.add_url_rule("/new", "new", lambda: "new")
    CrossOrigin(app, origins=[EARTH])
    assert app.test_client().get("/old").status_code in (301, 302, 308)
    assert app.test_client().get("/new", headers={"Origin": EARTH}).status_code == 200


def test_rule_without_an_endpoint_added_after_init_app_breaks_no_request() -> None:
    app = bare_app()
    CrossOrigin(app, origins=[EARTH])
    app.add_url_rule("/new", "new", lambda: "new")
    app.url_map.add(Rule("/old", redirect_to="/new"))
    response = app.test_client().get("/new", headers={"Origin": EARTH})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


def test_broken_sibling_rule_does_not_break_the_preflight_of_another_method() -> None:
    """A late GET /items with an invalid policy fails GET only; DELETE's preflight is answered."""
    app = bare_app()
    CrossOrigin(app, supports_credentials=True)

    @app.delete("/items")
    @cross_origin(origins=[EARTH])
    def delete_items() -> str:
        return "deleted"

    @app.get("/items")
    @cross_origin()  # origins='*' with the app's credentials: cannot be served
    def list_items() -> str:
        return "items"

    client = app.test_client()
    assert preflight(app, "/items", "DELETE").status_code == 204
    assert client.delete("/items", headers={"Origin": EARTH}).status_code == 200
    assert client.get("/items", headers={"Origin": EARTH}).status_code == 500


_DECORATE = cross_origin(origins=[EARTH])


def shared_view() -> str:
    return "shared"


def test_decorating_a_module_level_view_per_create_app_keeps_nothing_per_call() -> None:
    def create_app() -> Flask:
        app = bare_app()
        CrossOrigin(app)
        app.add_url_rule("/shared", "shared", _DECORATE(shared_view))
        return app

    for _ in range(300):
        assert create_app().test_client().get("/shared").status_code == 200
    gc.collect()
    assert len(shared_view.__dict__[WRAPPERS_ATTR]) <= 1


def test_second_app_may_register_the_bare_view_that_another_app_decorated() -> None:
    first = bare_app()
    CrossOrigin(first)
    first.add_url_rule("/shared", "shared", _DECORATE(shared_view))
    second = bare_app()
    second.add_url_rule("/shared", "shared", shared_view)
    CrossOrigin(second, origins=[VENUS])  # no "@cross_origin written above @app.route"
    assert second.test_client().get("/shared").status_code == 200
    assert first.test_client().get("/shared").status_code == 200


# CORS_* keys: read once, compared by identity.


class TenantCheck:
    """A callable instance that owns a lock, as a cache-backed origins check does."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, origin: str) -> bool:
        with self.lock:
            return origin == EARTH

    def method(self, origin: str) -> bool:
        return origin == EARTH


def _allowed(allowed: str, origin: str) -> bool:
    return origin == allowed


@pytest.mark.parametrize(
    "check",
    [TenantCheck(), TenantCheck().method, functools.partial(_allowed, EARTH)],
    ids=["instance owning a lock", "bound method", "functools.partial"],
)
def test_cors_origins_holding_a_callable_works_and_is_not_taken_for_a_late_change(
    check: Any,
) -> None:
    app = bare_app()
    app.config["CORS_ORIGINS"] = check
    CrossOrigin(app)
    app.add_url_rule("/x", "x", lambda: "x")
    client = app.test_client()
    assert client.get("/x", headers={"Origin": EARTH}).headers["Access-Control-Allow-Origin"] == (
        EARTH
    )
    assert "Access-Control-Allow-Origin" not in client.get("/x", headers={"Origin": VENUS}).headers


def test_late_cors_key_fails_only_the_covered_routes() -> None:
    app = bare_app()
    CrossOrigin(app)

    @app.get("/covered")
    @cross_origin(origins=[EARTH])
    def covered() -> str:
        return "covered"

    app.add_url_rule("/plain", "plain", lambda: "plain")
    app.config["CORS_MAX_AGE"] = 600  # after init_app: it would be ignored
    client = app.test_client()
    assert client.get("/covered").status_code == 500
    assert client.get("/plain").status_code == 200


@pytest.mark.parametrize("key", ["CORS_ORIGINS", "CORS_PROTECT_ALL_ROUTES"])
def test_late_key_that_changes_coverage_fails_every_route(key: str) -> None:
    app = bare_app()
    CrossOrigin(app)
    app.add_url_rule("/plain", "plain", lambda: "plain")
    app.config[key] = [EARTH] if key == "CORS_ORIGINS" else True
    assert app.test_client().get("/plain").status_code == 500


def test_list_in_config_changed_in_place_after_init_app_is_still_caught() -> None:
    app = bare_app()
    app.config["CORS_ORIGINS"] = [EARTH]
    CrossOrigin(app)
    app.add_url_rule("/x", "x", lambda: "x")
    app.config["CORS_ORIGINS"].append(VENUS)
    assert app.test_client().get("/x").status_code == 500


# resources: a literal rule with regex-looking characters.


def test_resources_string_that_is_a_route_rule_added_later_is_that_literal_route() -> None:
    """flask-cors's own case: resources named before the route '/service+path' is added."""
    app = bare_app()
    CrossOrigin(app, resources={"/service+path": {"origins": [EARTH]}})
    app.add_url_rule("/service+path", "service", lambda: "service")
    app.add_url_rule("/servicepath", "other", lambda: "other")
    client = app.test_client()
    ok = client.get("/service+path", headers={"Origin": EARTH})
    assert ok.headers["Access-Control-Allow-Origin"] == EARTH
    other = client.get("/servicepath", headers={"Origin": EARTH})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_resources_regex_that_is_no_route_fails_at_the_first_request_naming_both_fixes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = bare_app()
    CrossOrigin(app, origins=[EARTH], resources=r"/api/v\d+")
    app.add_url_rule("/api/v1", "v1", lambda: "v1")
    assert app.test_client().get("/api/v1").status_code == 500
    (message,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert r"re.compile('/api/v\\d+')" in message
    assert r"re.compile(re.escape('/api/v\\d+'))" in message


# Receivers of cors_refused.


def test_async_receiver_is_run_and_the_refusal_stays_a_403() -> None:
    app = bare_app()
    CrossOrigin(app)

    @app.get("/x")
    @cross_origin(origins=[EARTH])
    def x() -> str:
        return "x"

    heard: list[str] = []

    async def receiver(sender: Flask, kind: str, **extra: Any) -> None:
        await asyncio.sleep(0)
        heard.append(kind)

    with cors_refused.connected_to(receiver, app):
        assert preflight(app, "/x", origin=VENUS).status_code == 403
    assert heard == ["preflight"]


def test_raising_receiver_never_turns_a_refusal_into_a_500_and_is_logged_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = bare_app()
    CrossOrigin(app)

    @app.post("/x")
    @cross_origin(origins=[EARTH])
    def x() -> str:
        return "x"

    failing = [True]
    heard: list[str] = []

    def broken(sender: Flask, **extra: Any) -> None:
        if failing[0]:
            raise RuntimeError("metrics down")

    def counting(sender: Flask, kind: str, **extra: Any) -> None:
        heard.append(kind)

    client = app.test_client()
    with cors_refused.connected_to(broken, app), cors_refused.connected_to(counting, app):
        for _ in range(5):
            assert preflight(app, "/x", "POST", VENUS).status_code == 403
        assert client.post("/x", headers={"Origin": VENUS}).status_code == 403
        failing[0] = False
        preflight(app, "/x", "POST", VENUS)
        failing[0] = True
        preflight(app, "/x", "POST", VENUS)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1  # at most one line a minute, successes in between or not
    assert heard == ["preflight"] * 5 + ["write", "preflight", "preflight"]


# A refusal that a failing check caused may pass next time: no cache may keep it.


def test_refusal_by_a_source_that_cannot_decide_is_answered_no_store() -> None:
    from flask_crossorigin import OriginSource

    def load_tenants() -> list[str]:
        raise ConnectionError("database down")

    app = bare_app()
    CrossOrigin(app, origins=OriginSource(load_tenants))

    @app.post("/x")
    def x() -> str:
        return "x"

    answer = preflight(app, "/x", "POST")
    assert answer.status_code == 403
    assert answer.headers["Cache-Control"] == "no-store"
    write = app.test_client().post("/x", headers={"Origin": EARTH})
    assert write.status_code == 403
    assert write.headers["Cache-Control"] == "no-store"


def test_socketio_origins_asks_a_keyed_source_with_the_handshake_host() -> None:
    from flask_crossorigin import OriginSource, socketio_origins

    tenants = {"a.mars.test": [EARTH], "b.mars.test": [VENUS]}
    source = OriginSource(lambda host: tenants[host], key=lambda request: request.host)
    app = bare_app()
    CrossOrigin(app, origins=source)
    allowed = socketio_origins(app)
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "a.mars.test", "REQUEST_METHOD": "GET"}
    assert allowed(EARTH, environ)
    assert not allowed(VENUS, environ)
    assert allowed(VENUS, {**environ, "HTTP_HOST": "b.mars.test"})


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


def test_view_given_to_a_rule_after_init_app_gets_its_policy_and_its_gate() -> None:
    """Flask's documented url_map.add + @app.endpoint, with the views imported after init_app."""
    app = bare_app()
    app.url_map.add(Rule("/transfer", endpoint="transfer", methods=["POST"]))
    CrossOrigin(app)
    ran: list[str] = []

    @app.endpoint("transfer")
    @cross_origin(origins=[EARTH])
    def transfer() -> str:
        ran.append("transfer")
        return "sent"

    client = app.test_client()
    assert client.post("/transfer", headers={"Origin": VENUS}).status_code == 403
    allowed = client.post("/transfer", headers={"Origin": EARTH})
    assert allowed.headers["Access-Control-Allow-Origin"] == EARTH
    assert ran == ["transfer"]


def test_cors_key_set_again_to_an_equal_value_is_not_a_late_change() -> None:
    """A config loaded twice (``CORS_ORIGINS = env.split(",")`` again) changes nothing."""
    app = bare_app()
    app.config["CORS_ORIGINS"] = [EARTH]
    CrossOrigin(app)
    app.add_url_rule("/x", "x", lambda: "x")
    app.config["CORS_ORIGINS"] = [EARTH]
    assert app.test_client().get("/x", headers={"Origin": EARTH}).status_code == 200


def test_a_nested_cors_value_changed_in_place_after_init_app_is_caught() -> None:
    app = bare_app()
    app.config["CORS_RESOURCES"] = {"/api/*": {"origins": [EARTH]}}
    CrossOrigin(app)
    app.add_url_rule("/api/x", "x", lambda: "x")
    app.config["CORS_RESOURCES"]["/api/*"]["origins"].append(VENUS)
    assert app.test_client().get("/api/x").status_code == 500
