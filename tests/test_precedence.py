"""Which routes have a policy, and which layer wins for each option."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask

from flask_crossorigin import CrossOrigin, cross_origin

from .helpers import (
    EARTH,
    LOCALHOST,
    MARS,
    VENUS,
    add_routes,
    bare_app,
    cors_headers,
    preflight_headers,
    records,
    send_preflight,
)


def max_age_of(app: Flask, path: str, method: str = "GET") -> str | None:
    response = app.test_client().options(
        path, headers={"Origin": EARTH, "Access-Control-Request-Method": method}
    )
    assert response.status_code == 204, response.status
    return response.headers.get("Access-Control-Max-Age")


def build(layers: set[str]) -> Flask:
    """An app where each named layer sets max_age to its own value (1-6, 6 highest)."""
    app = Flask(__name__)
    if "config" in layers:
        app.config["CORS_MAX_AGE"] = 2
    api = Blueprint("api", __name__)
    cors = CrossOrigin(max_age=3) if "kwargs" in layers else CrossOrigin()
    if "blueprint" in layers:
        cors.init_app(api, max_age=5)
    view = api.get("/api/thing")(
        cross_origin(max_age=6)(lambda: "ok") if "decorator" in layers else lambda: "ok"
    )
    del view
    app.register_blueprint(api)
    resources: Any = {"/api/*": {"max_age": 4}} if "resources" in layers else "/api/*"
    cors.init_app(app, resources=resources)
    return app


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        (set(), None),
        ({"config"}, "2"),
        ({"config", "kwargs"}, "3"),
        ({"config", "kwargs", "resources"}, "4"),
        ({"config", "kwargs", "resources", "blueprint"}, "5"),
        ({"config", "kwargs", "resources", "blueprint", "decorator"}, "6"),
        ({"config", "decorator"}, "6"),
        ({"resources", "config"}, "4"),
        ({"blueprint", "kwargs"}, "5"),
    ],
)
def test_each_option_comes_from_the_highest_layer_that_sets_it(
    layers: set[str], expected: str | None
) -> None:
    assert max_age_of(build(layers), "/api/thing") == expected


def test_precedence_is_per_option_so_lower_layers_fill_the_gaps() -> None:
    app = Flask(__name__)
    app.config.update(CORS_ORIGINS=[EARTH], CORS_MAX_AGE=100)

    @app.put("/thing")
    @cross_origin(methods=["PUT"])
    def thing() -> str:
        return "ok"

    CrossOrigin(app, allow_headers=["X-Trace"])
    response = send_preflight(app, "/thing", EARTH, "PUT", headers="x-trace")
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": EARTH,
        "Access-Control-Allow-Methods": "PUT",
        "Access-Control-Allow-Headers": "X-Trace",
        "Access-Control-Max-Age": "100",
    }


def test_init_app_options_override_constructor_options() -> None:
    app = Flask(__name__)

    @app.put("/x")
    @cross_origin()
    def x() -> str:
        return "ok"

    CrossOrigin(max_age=1).init_app(app, max_age=7)
    assert max_age_of(app, "/x", "PUT") == "7"


def test_extension_alone_opens_nothing() -> None:
    app = Flask(__name__)
    app.get("/x")(lambda: "ok")
    CrossOrigin(app, max_age=600)
    response = app.test_client().get("/x", headers={"Origin": EARTH})
    assert cors_headers(response) == {}


def test_origins_named_at_the_app_level_cover_every_route_unless_resources_narrow_them() -> None:
    # Issue 10 changed this rule: app-level origins used to cover no route by themselves.
    app = Flask(__name__)
    app.add_url_rule("/x", "x", lambda: "ok")
    app.add_url_rule("/api/y", "y", lambda: "ok")
    CrossOrigin(app, origins=EARTH)
    response = app.test_client().get("/x", headers={"Origin": EARTH})
    assert cors_headers(response) == {"Access-Control-Allow-Origin": EARTH}

    narrowed = Flask(__name__)
    narrowed.add_url_rule("/x", "x", lambda: "ok")
    narrowed.add_url_rule("/api/y", "y", lambda: "ok")
    CrossOrigin(narrowed, origins=EARTH, resources="/api/*")
    client = narrowed.test_client()
    assert cors_headers(client.get("/x", headers={"Origin": EARTH})) == {}
    assert cors_headers(client.get("/api/y", headers={"Origin": EARTH})) == {
        "Access-Control-Allow-Origin": EARTH
    }


@pytest.mark.parametrize(
    ("resources", "rule", "covered"),
    [
        ("/api/*", "/api/items/<int:id>", True),
        ("/api/*", "/apix", False),
        ("/api/*", "/API/items", False),
        ("/api/*", "/other/api/items", False),
        ("*", "/anything", True),
        (["/a/*", "/b"], "/b", True),
        (["/a/*", "/b"], "/b/c", False),
        (re.compile(r"/v[0-9]+/.*"), "/v2/items", True),
        (re.compile(r"/v[0-9]+/.*"), "/x/v2/items", False),
        ("/files.txt", "/filesXtxt", False),
    ],
)
def test_resources_pattern_is_matched_against_the_whole_rule_case_sensitively(
    resources: Any, rule: str, covered: bool
) -> None:
    app = Flask(__name__)
    app.add_url_rule(rule, "view", lambda **kw: "ok")
    CrossOrigin(app, resources=resources)
    state = app.extensions["crossorigin"]
    registered = next(r for r in app.url_map.iter_rules() if r.endpoint == "view")
    policy = state.rules.policy_for(registered)
    assert (policy is not None) is covered


def test_first_matching_resources_entry_wins_in_the_order_given() -> None:
    app = Flask(__name__)
    app.get("/api/admin/users")(lambda: "ok")
    CrossOrigin(app, resources={"/api/admin/*": {"max_age": 1}, "/api/*": {"max_age": 2}})
    assert max_age_of(app, "/api/admin/users") == "1"


def test_blueprint_policy_covers_its_routes_and_nested_ones_override_parents() -> None:
    app = Flask(__name__)
    cors = CrossOrigin()
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    cors.init_app(parent, origins=MARS, max_age=10)
    cors.init_app(child, max_age=20)
    parent.get("/own")(lambda: "own")
    child.get("/deep")(lambda: "deep")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.get("/outside")(lambda: "outside")
    cors.init_app(app)

    client = app.test_client()
    deep = client.options(
        "/p/c/deep", headers={"Origin": MARS, "Access-Control-Request-Method": "GET"}
    )
    assert deep.headers["Access-Control-Max-Age"] == "20"
    assert deep.headers["Access-Control-Allow-Origin"] == MARS
    own = client.get("/p/own", headers={"Origin": MARS})
    assert own.headers["Access-Control-Allow-Origin"] == MARS
    assert cors_headers(client.get("/outside", headers={"Origin": MARS})) == {}


def test_blueprint_given_to_the_constructor_gets_the_constructor_options() -> None:
    app = Flask(__name__)
    api = Blueprint("api", __name__)
    CrossOrigin(api, origins=MARS)
    api.add_url_rule("/x", "x", lambda: "ok")
    app.register_blueprint(api)
    CrossOrigin(app)
    response = app.test_client().get("/x", headers={"Origin": MARS})
    assert response.headers["Access-Control-Allow-Origin"] == MARS


def test_policy_source_names_the_layer_that_covers_the_route() -> None:
    app = Flask(__name__)
    cors = CrossOrigin()
    api = Blueprint("api", __name__)
    cors.init_app(api)
    api.add_url_rule("/bp", "bp", lambda: "ok")
    app.register_blueprint(api)
    app.add_url_rule("/res/x", "res", lambda: "ok")
    app.add_url_rule("/dec", "dec", cross_origin()(lambda: "ok"))
    app.add_url_rule("/none", "none", lambda: "ok")
    cors.init_app(app, resources="/res/*")
    state = app.extensions["crossorigin"]
    sources = {
        rule.rule: (p.source if (p := state.rules.policy_for(rule)) else None)
        for rule in app.url_map.iter_rules()
    }
    assert sources == {
        "/static/<path:filename>": None,
        "/bp": "blueprint",
        "/res/x": "resources",
        "/dec": "decorator",
        "/none": None,
    }


@pytest.mark.parametrize(
    ("key", "value", "header", "expected"),
    [
        ("CORS_ORIGINS", [MARS], "Access-Control-Allow-Origin", MARS),
        ("CORS_METHODS", ["PUT", "GET"], "Access-Control-Allow-Methods", "PUT, GET"),
        ("CORS_ALLOW_HEADERS", ["X-Trace"], "Access-Control-Allow-Headers", "X-Trace"),
        ("CORS_SUPPORTS_CREDENTIALS", True, "Access-Control-Allow-Credentials", "true"),
        ("CORS_MAX_AGE", 42, "Access-Control-Max-Age", "42"),
        ("CORS_ALLOW_PRIVATE_NETWORK", True, "Access-Control-Allow-Private-Network", "true"),
        ("CORS_RESOURCES", "/open/*", "Access-Control-Allow-Origin", MARS),
    ],
)
def test_every_option_can_be_set_as_a_cors_config_key(
    key: str, value: object, header: str, expected: str
) -> None:
    app = Flask(__name__)
    app.config.update({"CORS_ORIGINS": [MARS], "CORS_RESOURCES": "/open/*", key: value})
    app.put("/open/door")(lambda: "ok")
    CrossOrigin(app)
    asks = {
        "Origin": MARS,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "x-trace",
    }
    if key == "CORS_ALLOW_PRIVATE_NETWORK":
        asks["Access-Control-Request-Private-Network"] = "true"
    response = app.test_client().options("/open/door", headers=asks)
    assert response.status_code == 204
    assert response.headers.get(header) == expected


def test_expose_headers_can_be_set_as_a_cors_config_key() -> None:
    app = Flask(__name__)
    app.config.update(CORS_EXPOSE_HEADERS=["X-Trace"], CORS_RESOURCES="*")
    app.get("/x")(lambda: "ok")
    CrossOrigin(app)
    response = app.test_client().get("/x", headers={"Origin": MARS})
    assert response.headers["Access-Control-Expose-Headers"] == "X-Trace"


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
