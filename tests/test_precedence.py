"""Which routes have a policy, and which layer wins for each option."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Blueprint, Flask

from flask_crossorigin import CrossOrigin, cross_origin

from .helpers import EARTH, MARS, cors_headers


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
    response = app.test_client().options(
        "/thing",
        headers={
            "Origin": EARTH,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-trace",
        },
    )
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
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "view")
    policy = state.rules.policy_for(rule)
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
