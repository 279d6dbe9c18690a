"""The extension object and the decorator as Flask users wire them: factories, async, classes."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from flask import Flask
from flask.views import View

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin

from .conftest import EARTH

MARS = "https://mars.com"


def create_app(cors: CrossOrigin, origins: str) -> Flask:
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = origins

    @app.get("/x")
    @cross_origin()
    def x() -> str:
        return "ok"

    cors.init_app(app)
    return app


def test_one_extension_object_serves_several_apps_with_their_own_config() -> None:
    cors = CrossOrigin()
    earth_app, mars_app = create_app(cors, EARTH), create_app(cors, MARS)
    earth = earth_app.test_client().get("/x", headers={"Origin": EARTH})
    mars = mars_app.test_client().get("/x", headers={"Origin": EARTH})
    assert earth.headers.get("Access-Control-Allow-Origin") == EARTH
    assert "Access-Control-Allow-Origin" not in mars.headers
    assert earth_app.extensions["crossorigin"] is not mars_app.extensions["crossorigin"]
    assert vars(cors) == {"_options": {}}


def test_hooks_are_registered_once_per_app() -> None:
    app = Flask(__name__)
    CrossOrigin(app)
    state = app.extensions["crossorigin"]
    assert app.before_request_funcs[None][0] == state.answer_preflight
    assert app.after_request_funcs[None] == [state.add_headers]


def test_decorated_view_on_app_without_extension_fails_loudly_at_first_request() -> None:
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.get("/x")
    @cross_origin()
    def x() -> str:
        return "ok"

    with pytest.raises(RuntimeError, match=r"call CrossOrigin\(app\)"):
        app.test_client().get("/x")


def test_decorator_keeps_name_docstring_and_signature() -> None:
    def view(item_id: int, *, verbose: bool = False) -> str:
        """Show one item."""
        return str(item_id)

    decorated = cross_origin()(view)
    assert decorated.__name__ == "view"
    assert decorated.__doc__ == "Show one item."
    assert inspect.signature(decorated) == inspect.signature(view)


def test_decorator_written_above_route_fails_at_init_app_instead_of_doing_nothing() -> None:
    app = Flask(__name__)

    @cross_origin(origins=EARTH)
    @app.get("/x")
    def x() -> str:
        return "ok"

    with pytest.raises(CorsConfigError, match=r"put @cross_origin below @app\.route"):
        CrossOrigin(app)


def test_bare_function_shared_with_a_decorated_route_gets_no_policy() -> None:
    app = Flask(__name__)

    def handler() -> str:
        return "secret"

    app.add_url_rule("/public", "public", cross_origin()(handler))
    app.add_url_rule("/admin", "admin", handler)
    CrossOrigin(app)
    client = app.test_client()
    assert client.get("/public").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/admin").headers


def test_async_view_keeps_working_and_gets_headers() -> None:
    pytest.importorskip("asgiref")
    app = Flask(__name__)

    @app.get("/slow")
    @cross_origin(origins=EARTH)
    async def slow() -> str:
        await asyncio.sleep(0)
        return "async ok"

    CrossOrigin(app)
    assert inspect.iscoroutinefunction(app.view_functions["slow"])
    response = app.test_client().get("/slow", headers={"Origin": EARTH})
    assert response.data == b"async ok"
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


def test_class_based_view_decorators_apply_the_policy() -> None:
    app = Flask(__name__)

    class Report(View):
        decorators = [cross_origin(origins=EARTH)]

        def dispatch_request(self) -> str:
            return "report"

    app.add_url_rule("/report", view_func=Report.as_view("report"))
    CrossOrigin(app)
    response = app.test_client().get("/report", headers={"Origin": EARTH})
    assert response.data == b"report"
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


def test_callable_origin_check_receives_the_request_origin() -> None:
    seen: list[str] = []

    def is_partner(origin: str) -> bool:
        seen.append(origin)
        return origin.endswith(".partner.example")

    app = Flask(__name__)
    app.get("/feed")(cross_origin(origins=is_partner)(lambda: "feed"))
    CrossOrigin(app)
    client = app.test_client()
    ok = client.get("/feed", headers={"Origin": "https://a.partner.example"})
    no = client.get("/feed", headers={"Origin": "https://evil.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://a.partner.example"
    assert "Access-Control-Allow-Origin" not in no.headers
    assert seen == ["https://a.partner.example", "https://evil.example"]
