"""Where ``@cross_origin`` is written: placements that would do nothing fail loudly, with the fix.

Flask-RESTful and Flask-RESTX resources, class-based views and route decorators that register
a copy of the view (flask-openapi3) each have one place where the decorator works.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.views import MethodView, View

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin

from .helpers import (
    EARTH,
    LOCALHOST,
    MARS,
    bare_app,
    send_preflight,
)

RESTFUL_DECORATORS = {
    "list": lambda decorator: [decorator],
    "dict": lambda decorator: {"get": [decorator]},
}


#: The fix: ``decorators = [...]``, not ``method_decorators = [...]``.
USE_DECORATORS = re.compile(r"(?<!method_)decorators = \[")


def _restful_resource(package: str, shape: Callable[[object], object]) -> tuple[Any, type]:
    restful = importlib.import_module(package)

    class Items(restful.Resource):  # type: ignore[name-defined]  # a module found at run time
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
    openapi3 = importlib.import_module("flask_openapi3")
    app = openapi3.OpenAPI("mars")

    @cross_origin(origins=LOCALHOST)
    @app.post("/items")  # type: ignore[untyped-decorator]  # flask-openapi3's own typing
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


def test_decorator_written_above_route_fails_at_init_app_instead_of_doing_nothing() -> None:
    app = Flask(__name__)

    @cross_origin(origins=EARTH)
    @app.get("/x")
    def x() -> str:
        return "ok"

    with pytest.raises(CorsConfigError, match=r"put @cross_origin below @app\.route"):
        CrossOrigin(app)


def test_decorator_written_above_route_on_a_decorated_view_is_an_error_too() -> None:
    app = Flask(__name__)

    @cross_origin(origins=MARS)
    @app.get("/x")
    @cross_origin(origins=EARTH)
    def x() -> str:
        return "ok"

    with pytest.raises(CorsConfigError, match=r"put @cross_origin below @app\.route"):
        CrossOrigin(app)


def test_decorator_on_a_method_view_method_is_an_error_naming_the_fix() -> None:
    from flask.views import MethodView

    app = Flask(__name__)

    class Items(MethodView):
        @cross_origin(origins=EARTH)
        def get(self) -> str:
            return "items"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    with pytest.raises(CorsConfigError, match=r"decorators = \[cross_origin"):
        CrossOrigin(app)
