"""Preflights: answered in before_request, for the view of the actual request, never by the view."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Blueprint, Flask, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView

from flask_crossorigin import CrossOrigin, cross_origin

from .helpers import (
    EARTH,
    EVIL,
    LOCALHOST,
    VENUS,
    bare_app,
    cors_headers,
    make_app,
    preflight_headers,
    records,
    send_preflight,
    vary_values,
)

PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)


def test_allowed_preflight_is_answered_with_204_and_the_views_policy(
    app: Flask, preflight: Any
) -> None:
    response = preflight("/oxygen-data", headers="content-type")
    assert response.status_code == 204
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": EARTH,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "600",
    }
    assert response.headers.get_all("Vary") == [PREFLIGHT_VARY]
    assert response.data == b""
    assert app.calls == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("origin", "method", "headers", "reason"),
    [
        ("https://evil.com", "POST", None, "origin"),
        ("https://earth.com.evil.com", "POST", None, "origin"),
        (EARTH, "DELETE", None, "method"),
        (EARTH, "PO ST", None, "malformed method"),
        (EARTH, "POST", "x-ok, bad header", "malformed header list"),
        (EARTH, "POST", "x-ok, x(bad)", "header not a token"),
    ],
)
def test_refused_preflight_is_403_without_allow_headers_and_view_not_called(
    app: Flask, preflight: Any, origin: str, method: str, headers: str | None, reason: str
) -> None:
    response = preflight("/oxygen-data", origin=origin, method=method, headers=headers)
    assert response.status_code == 403, reason
    assert cors_headers(response) == {}
    assert response.headers.get_all("Vary") == [PREFLIGHT_VARY]
    assert app.calls == []  # type: ignore[attr-defined]


def test_requested_headers_are_matched_ignoring_case_and_others_refused() -> None:
    app = make_app()

    @app.put("/data")
    @cross_origin(allow_headers=["Content-Type", "X-Trace"])
    def data() -> str:
        return "ok"

    client = app.test_client()
    ok = client.options("/data", headers=preflight_headers(method="PUT", headers="x-trace"))
    assert ok.status_code == 204
    # The full list, so Chromium's cache entry (replaced, not merged) covers every header.
    assert ok.headers["Access-Control-Allow-Headers"] == "Content-Type, X-Trace"
    refused = client.options("/data", headers=preflight_headers(method="PUT", headers="x-other"))
    assert refused.status_code == 403
    shouted = client.options("/data", headers=preflight_headers(method="PUT", headers="X-TRACE"))
    assert shouted.status_code == 204


def test_any_header_policy_lists_requested_names_and_never_sends_star(
    app: Flask, preflight: Any
) -> None:
    response = preflight("/private", method="PUT", headers="authorization,x-trace")
    assert response.status_code == 204
    # Authorization is never covered by '*' (Fetch, CORS non-wildcard request-header name).
    assert response.headers["Access-Control-Allow-Headers"] == "authorization, x-trace"
    assert all("*" not in v for v in cors_headers(response).values())


def test_preflight_without_requested_headers_sends_no_allow_headers(preflight: Any) -> None:
    response = preflight("/oxygen-data")
    assert response.status_code == 204
    assert "Access-Control-Allow-Headers" not in response.headers


def test_credentialed_preflight_echoes_origin_and_allows_credentials(preflight: Any) -> None:
    response = preflight("/private", method="PUT")
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": EARTH,
        "Access-Control-Allow-Methods": "GET, PATCH, PUT",
        "Access-Control-Allow-Credentials": "true",
    }


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("patch", "GET, PATCH, PUT, patch"),
        ("PATCH", "GET, PATCH, PUT"),
        ("put", "GET, PATCH, PUT, put"),
    ],
)
def test_request_method_is_matched_ignoring_case_and_echoed_as_sent(
    preflight: Any, sent: str, expected: str
) -> None:
    response = preflight("/private", method=sent)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == expected


def test_lower_case_patch_actual_request_reaches_the_patch_view(client: Any) -> None:
    response = client.open("/private", method="patch", headers={"Origin": EARTH})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


def test_methods_default_to_the_routes_own_methods() -> None:
    app = make_app(resources="/api/*")

    @app.route("/api/things", methods=["GET", "POST", "DELETE"])
    def things() -> str:
        return "ok"

    response = app.test_client().options("/api/things", headers=preflight_headers(method="DELETE"))
    assert response.headers["Access-Control-Allow-Methods"] == "DELETE, GET, POST"


def test_explicit_methods_restrict_what_a_preflight_may_ask_for() -> None:
    app = make_app()

    @app.route("/things", methods=["GET", "DELETE"])
    @cross_origin(methods=["GET"])
    def things() -> str:
        return "ok"

    client = app.test_client()
    assert client.options("/things", headers=preflight_headers(method="DELETE")).status_code == 403
    assert client.options("/things", headers=preflight_headers(method="GET")).status_code == 204


def test_methods_may_be_one_method_as_a_string() -> None:
    app = make_app()

    @app.route("/things", methods=["GET", "PUT", "DELETE"])
    @cross_origin(methods="put")
    def things() -> str:
        return "ok"

    client = app.test_client()
    allowed = client.options("/things", headers=preflight_headers(method="PUT"))
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Methods"] == "PUT"
    assert client.options("/things", headers=preflight_headers(method="DELETE")).status_code == 403


def test_preflight_uses_policy_of_the_view_serving_the_requested_method() -> None:
    app = make_app()
    mars = "https://mars.com"

    @app.get("/items")
    @cross_origin(origins=EARTH)
    def list_items() -> str:
        return "items"

    @app.delete("/items")
    @cross_origin(origins=mars, max_age=60)
    def delete_items() -> str:
        return "deleted"

    client = app.test_client()
    delete_from_mars = client.options("/items", headers=preflight_headers(mars, "DELETE"))
    assert delete_from_mars.status_code == 204
    assert delete_from_mars.headers["Access-Control-Allow-Methods"] == "DELETE"
    assert delete_from_mars.headers["Access-Control-Max-Age"] == "60"
    assert client.options("/items", headers=preflight_headers(EARTH, "DELETE")).status_code == 403
    get_from_earth = client.options("/items", headers=preflight_headers(EARTH, "GET", "x-a"))
    assert get_from_earth.status_code == 204
    assert "Access-Control-Max-Age" not in get_from_earth.headers


def test_preflight_for_method_served_by_a_view_without_policy_is_refused() -> None:
    app = make_app()

    @app.get("/items")
    @cross_origin()
    def list_items() -> str:
        return "items"

    @app.delete("/items")
    def delete_items() -> str:
        return "deleted"

    response = app.test_client().options("/items", headers=preflight_headers(method="DELETE"))
    assert response.status_code == 403
    assert cors_headers(response) == {}


def test_preflight_to_route_without_policy_is_left_to_flask(client: Any) -> None:
    response = client.options("/plain", headers=preflight_headers(method="GET"))
    assert response.status_code == 200  # Flask's automatic OPTIONS
    assert cors_headers(response) == {}
    assert "Vary" not in response.headers


def test_options_without_request_method_is_an_actual_request_that_reaches_the_view() -> None:
    app = make_app()

    @app.route("/echo", methods=["OPTIONS"])
    @cross_origin(origins=EARTH)
    def echo() -> str:
        return "view answered"

    client = app.test_client()
    response = client.options("/echo", headers={"Origin": EARTH})
    assert response.data == b"view answered"
    assert response.headers["Access-Control-Allow-Origin"] == EARTH
    # Access-Control-Request-Method without Origin is no preflight either.
    response = client.options("/echo", headers={"Access-Control-Request-Method": "PUT"})
    assert response.data == b"view answered"
    assert "Access-Control-Allow-Methods" not in response.headers


def test_preflight_runs_before_every_other_before_request_hook() -> None:
    app = Flask(__name__)
    seen: list[str] = []
    api = Blueprint("api", __name__)

    @app.before_request
    def app_auth() -> tuple[str, int] | None:
        seen.append("app")
        return None if request.headers.get("Authorization") else ("login first", 401)

    @api.before_request
    def blueprint_auth() -> tuple[str, int]:
        seen.append("blueprint")
        return "no", 401

    @api.put("/vault")
    @cross_origin(origins=EARTH)
    def vault() -> str:
        return "opened"

    app.register_blueprint(api)
    CrossOrigin(app)

    @app.before_request
    def late_hook() -> None:
        seen.append("late")

    response = app.test_client().options("/vault", headers=preflight_headers(method="PUT"))
    assert response.status_code == 204
    assert seen == []


@pytest.mark.parametrize("path", ["/things", "/things?page=2"])
def test_preflight_to_url_flask_would_redirect_is_answered_for_the_target_route(
    path: str,
) -> None:
    app = make_app()

    @app.put("/things/")
    @cross_origin(origins=EARTH, max_age=30)
    def things() -> str:
        return "ok"

    client = app.test_client()
    response = client.options(path, headers=preflight_headers(method="PUT"))
    assert response.status_code == 204
    assert response.headers["Access-Control-Max-Age"] == "30"
    # The redirect that then answers the actual request is CORS-checked too.
    redirect = client.put(path, headers={"Origin": EARTH})
    assert redirect.status_code == 308
    assert redirect.headers["Access-Control-Allow-Origin"] == EARTH


@pytest.mark.parametrize("host", ["localhost", "LocalHost", "LOCALHOST:80"])
def test_redirect_target_is_found_whatever_the_case_of_the_host_header(host: str) -> None:
    app = make_app()

    @app.put("/things/")
    @cross_origin(origins=EARTH)
    def things() -> str:
        return "ok"

    client = app.test_client()
    response = client.options("/things", headers={**preflight_headers(method="PUT"), "Host": host})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


@pytest.mark.parametrize(
    ("allow", "asked", "status", "header"),
    [
        (True, "true", 204, "true"),
        (True, None, 204, None),
        (False, "true", 403, None),
        (False, None, 204, None),
    ],
)
def test_private_network_access_is_granted_only_when_asked_and_allowed(
    allow: bool, asked: str | None, status: int, header: str | None
) -> None:
    app = make_app()

    @app.get("/device")
    @cross_origin(origins=EARTH, allow_private_network=allow)
    def device() -> str:
        return "ok"

    extra = {"Access-Control-Request-Private-Network": asked} if asked else {}
    response = app.test_client().options(
        "/device", headers=preflight_headers(method="GET", **extra)
    )
    assert response.status_code == status
    assert response.headers.get("Access-Control-Allow-Private-Network") == header


def test_class_based_view_policy_applies_to_its_preflight() -> None:
    app = make_app()

    class Items(MethodView):
        decorators = [cross_origin(origins=EARTH, methods=["GET", "PUT"])]

        def get(self) -> str:
            return "items"

        def put(self) -> str:
            return "put"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    response = app.test_client().options("/items", headers=preflight_headers(method="PUT"))
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT"


def test_head_preflight_is_allowed_wherever_get_is() -> None:
    app = make_app()

    @app.get("/doc")
    @cross_origin(origins=EARTH)
    def doc() -> str:
        return "doc"

    response = app.test_client().options(
        "/doc", headers=preflight_headers(method="HEAD", headers="x-a")
    )
    assert response.status_code == 204
    # HEAD is CORS-safelisted: a browser never looks for it in Allow-Methods.
    assert response.headers["Access-Control-Allow-Methods"] == "GET"


FULL_PREFLIGHT_VARY = (
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
)


@pytest.fixture(scope="module")
def options_client() -> Any:
    """Covered routes of each kind, one of them answering OPTIONS itself with its own Vary."""
    app = make_app(resources={"/api/*": {"origins": [EARTH]}})

    @app.route("/listed", methods=["GET", "PUT"])
    @cross_origin(origins=[EARTH], allow_headers=["X-A"])
    def listed() -> str:
        return "listed"

    @app.route("/star", methods=["GET", "PUT"])
    @cross_origin(origins="*")
    def star() -> str:
        return "star"

    @app.route("/credentials", methods=["GET", "PUT"])
    @cross_origin(origins=[EARTH], supports_credentials=True)
    def credentials() -> str:
        return "credentials"

    @app.route("/private-network", methods=["GET", "PUT"])
    @cross_origin(origins="*", allow_private_network=True)
    def private_network() -> str:
        return "private network"

    @app.route("/own-options", methods=["GET", "OPTIONS"])
    @cross_origin(origins=[EARTH])
    def own_options() -> tuple[str, int, dict[str, str]]:
        return "view answered", 200, {"Vary": "Accept-Encoding"}

    app.add_url_rule("/api/items", "items", lambda: "items", methods=["GET", "PUT"])
    return app.test_client()


def asks(origin: str | None = EARTH, method: str | None = "PUT", **extra: str) -> dict[str, str]:
    sent = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    return {name: value for name, value in sent.items() if value is not None}


PRIVATE = {"Access-Control-Request-Private-Network": "true"}
OPTIONS_CASES = {
    # path, request headers, status
    "no headers": ("/listed", {}, 200),
    "no headers, star": ("/star", {}, 200),
    "no headers, credentials": ("/credentials", {}, 200),
    "no headers, resources": ("/api/items", {}, 200),
    "Origin only": ("/listed", asks(method=None), 200),
    "Origin only, star": ("/star", asks(method=None), 200),
    "Origin only, refused origin": ("/listed", asks(EVIL, None), 200),
    "request method only": ("/listed", asks(None), 200),
    "request method only, star": ("/star", asks(None), 200),
    "allowed": ("/listed", asks(), 204),
    "allowed, star": ("/star", asks(), 204),
    "allowed, credentials": ("/credentials", asks(), 204),
    "allowed, resources": ("/api/items", asks(), 204),
    "allowed, private network": ("/private-network", asks(**PRIVATE), 204),
    "allowed, private network not asked": ("/private-network", asks(), 204),
    "refused origin": ("/listed", asks(EVIL), 403),
    "refused origin, credentials": ("/credentials", asks(EVIL), 403),
    "refused method": ("/listed", asks(method="PATCH"), 403),
    "refused method, star": ("/star", asks(method="PATCH"), 403),
    "refused header": (
        "/listed",
        asks(**{"Access-Control-Request-Headers": "x-b"}),
        403,
    ),
    "refused private network": ("/listed", asks(**PRIVATE), 403),
    "refused private network, star": ("/star", asks(**PRIVATE), 403),
    "malformed method": ("/listed", asks(method="PO ST"), 403),
    "view's own OPTIONS, no headers": ("/own-options", {}, 200),
    "view's own OPTIONS, Origin only": ("/own-options", asks(method=None), 200),
}


@pytest.mark.parametrize(("path", "sent", "status"), OPTIONS_CASES.values(), ids=OPTIONS_CASES)
def test_every_answer_to_options_on_a_covered_route_carries_the_full_preflight_vary(
    options_client: Any, path: str, sent: dict[str, str], status: int
) -> None:
    """A cache that stores OPTIONS must tell each of these apart from a real preflight."""
    response = options_client.options(path, headers=sent)
    assert response.status_code == status
    vary = [
        part.strip().lower()
        for line in response.headers.get_all("Vary")
        for part in line.split(",")
        if part.strip()
    ]
    assert set(FULL_PREFLIGHT_VARY) <= set(vary), vary
    assert len(vary) == len(set(vary))
    if path == "/own-options":
        assert "accept-encoding" in vary


def test_options_on_a_url_whose_sibling_rule_has_a_policy_varies_and_refuses_unserved_methods() -> (
    None
):
    # GET /items has no policy, DELETE /items has one: Flask routes OPTIONS to the GET rule.
    app = make_app()
    app.get("/items")(lambda: "list")
    app.add_url_rule(
        "/items", "delete", cross_origin(origins=EARTH)(lambda: "gone"), methods=["DELETE"]
    )
    client = app.test_client()

    bare = client.options("/items")
    unserved = client.options("/items", headers=preflight_headers(method="PUT"))
    served = client.options("/items", headers=preflight_headers(method="DELETE"))

    for response in (bare, unserved, served):
        assert set(response.headers["Vary"].split(", ")) == set(PREFLIGHT_VARY.split(", "))
    assert unserved.status_code == 403
    assert served.status_code == 204


def test_preflight_for_a_method_whose_route_cannot_be_built_answers_its_500() -> None:
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    CrossOrigin(app, origins=[EARTH], supports_credentials=True, resources="/items")
    app.get("/items")(lambda: "list")
    app.add_url_rule(
        "/items", "delete", cross_origin(origins="*")(lambda: "gone"), methods=["DELETE"]
    )
    client = app.test_client()

    assert client.options("/items", headers=preflight_headers(method="DELETE")).status_code == 500
    assert client.delete("/items", headers={"Origin": EARTH}).status_code == 500


def test_malformed_request_method_on_a_covered_url_is_refused_as_malformed() -> None:
    app = make_app()
    app.add_url_rule("/items", "items", cross_origin(origins=EARTH)(lambda: "ok"))
    environ = {"HTTP_ORIGIN": EARTH, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "G\\x01ET"}
    response = app.test_client().options("/items", environ_overrides=environ)
    assert response.status_code == 403
    assert "Access-Control-Request-Method is malformed" in response.get_data(as_text=True)


def _decorator_without_headers(empty: Iterable[str]) -> Callable[[Flask], None]:
    def configure(app: Flask) -> None:
        view = cross_origin(origins=LOCALHOST, allow_headers=empty)(lambda: "stored")
        app.add_url_rule("/items", "items", view, methods=["POST"])
        CrossOrigin(app)

    return configure


def _config_without_headers(app: Flask) -> None:
    app.add_url_rule("/items", "items", lambda: "stored", methods=["POST"])
    app.config["CORS_ALLOW_HEADERS"] = []
    CrossOrigin(app, origins=[LOCALHOST])


def _app_level_without_headers(app: Flask) -> None:
    app.add_url_rule("/items", "items", lambda: "stored", methods=["POST"])
    CrossOrigin(app, origins=[LOCALHOST], allow_headers=[])


NO_HEADERS = {
    "@cross_origin(allow_headers=[])": _decorator_without_headers([]),
    "@cross_origin(allow_headers=())": _decorator_without_headers(()),
    "@cross_origin(allow_headers=set())": _decorator_without_headers(set()),
    "@cross_origin(allow_headers=frozenset())": _decorator_without_headers(frozenset()),
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
    from flask_crossorigin import cors_refused

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
