"""``origins='*'`` on a route that inherits ``supports_credentials=True`` from the app level.

The error says where each of the two values was written, and offers to turn
credentials off where ``'*'`` was written (the routes are public), as well as to list
the origins; both fixes work when applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin
from flask_crossorigin.testing import assert_cors_policy, fetch

from .helpers import EARTH

#: Where the app level says supports_credentials=True, and how the error names it.
APP_LEVEL = {
    "keyword": "inherited from CrossOrigin(..., supports_credentials=True)",
    "config": "inherited from app.config['CORS_SUPPORTS_CREDENTIALS'] = True",
}
#: Where the route says origins='*', and the pasteable fix the error offers there.
PUBLIC_FIX = {
    "blueprint": (
        "origins='*' from blueprint 'public'",
        "init_app(blueprint, origins='*', supports_credentials=False)",
    ),
    "decorator": (
        "origins='*' from @cross_origin on 'public.weather'",
        "@cross_origin(origins='*', supports_credentials=False)",
    ),
    "resources": (
        "origins='*' from resources['/public/*']",
        "resources={'/public/*': {'origins': '*', 'supports_credentials': False}}",
    ),
}


def create_app(app_level: str, route_level: str, route_options: dict[str, Any]) -> Flask:
    """An API with credentials app-wide, and public weather data that says ``'*'``."""
    app = Flask(__name__)
    options: dict[str, Any] = {}
    if app_level == "config":
        app.config.update(CORS_ORIGINS=[EARTH], CORS_SUPPORTS_CREDENTIALS=True)
    else:
        options.update(origins=[EARTH], supports_credentials=True)
    if route_level == "resources":
        options["resources"] = {"/public/*": route_options, "/account": {}}
    cors = CrossOrigin(**options)
    public = Blueprint("public", __name__)
    decorate: Callable[[Callable[[], dict[str, int]]], Callable[[], dict[str, int]]] = (
        cross_origin(**route_options) if route_level == "decorator" else lambda view: view
    )

    @public.get("/public/weather")
    @decorate
    def weather() -> dict[str, int]:
        return {"celsius": -60}

    if route_level == "blueprint":
        cors.init_app(public, **route_options)
    app.register_blueprint(public)

    @app.get("/account")
    def account() -> dict[str, str]:
        return {"user": "ada"}

    cors.init_app(app)
    return app


@pytest.mark.parametrize("app_level", list(APP_LEVEL))
@pytest.mark.parametrize("route_level", list(PUBLIC_FIX))
def test_error_names_where_credentials_came_from_and_offers_turning_them_off(
    app_level: str, route_level: str
) -> None:
    """The error names the app-level setting, the route's '*', and both fixes."""
    with pytest.raises(CorsConfigError) as raised:
        create_app(app_level, route_level, {"origins": "*"})

    message = str(raised.value)
    where, fix = PUBLIC_FIX[route_level]
    assert "endpoint 'public.weather'" in message
    assert f"supports_credentials=True {APP_LEVEL[app_level]}, {where})" in message
    assert "list the origins, e.g. origins=['https://earth.com']" in message
    assert message.endswith(fix)


@pytest.mark.parametrize("route_level", list(PUBLIC_FIX))
def test_supports_credentials_false_where_the_error_says_makes_the_routes_public(
    route_level: str,
) -> None:
    """Pasting the offered fix gives a valid policy: '*' without credentials on those routes."""
    app = create_app("keyword", route_level, {"origins": "*", "supports_credentials": False})

    assert_cors_policy(app)
    public = fetch(app, "/public/weather", origin="https://venus.test")
    public.assert_allowed()
    assert public.exchanges[-1].response.headers["Access-Control-Allow-Origin"] == "*"
    fetch(app, "/account", origin=EARTH, credentials="include").assert_allowed()


@pytest.mark.parametrize("route_level", list(PUBLIC_FIX))
def test_listing_the_origins_instead_keeps_credentials_on_those_routes(route_level: str) -> None:
    """The other fix, origins listed, is valid too and keeps the routes credentialed."""
    app = create_app("config", route_level, {"origins": [EARTH]})

    assert_cors_policy(app)
    fetch(app, "/public/weather", origin=EARTH, credentials="include").assert_allowed()


def test_credentials_written_on_the_route_over_app_wildcard_name_the_inherited_origins() -> None:
    """The other way round, '*' inherited and credentials on the route: only listing helps."""
    app = Flask(__name__)
    CrossOrigin(app, origins="*")

    @app.get("/me")
    @cross_origin(supports_credentials=True)
    def me() -> str:
        return "ada"

    with pytest.raises(CorsConfigError) as raised:
        assert_cors_policy(app)

    message = str(raised.value)
    assert (
        "(supports_credentials=True from @cross_origin on 'me', "
        "origins='*' inherited from CrossOrigin(..., origins='*'))" in message
    )
    assert "supports_credentials=False" not in message


def test_bare_decorator_under_app_level_credentials_names_both_and_offers_credentials_off() -> None:
    """flask-cors's CORS(app, supports_credentials=True) did not reach @cross_origin(); here it
    does, so the error says where each half came from and how to keep the route public."""
    app = Flask("mars")
    app.config["PROPAGATE_EXCEPTIONS"] = True
    CrossOrigin(app, resources={"/api/*": {"origins": [EARTH]}}, supports_credentials=True)

    @app.get("/public/status")
    @cross_origin()
    def status() -> str:
        return "ok"

    with pytest.raises(CorsConfigError) as error:
        app.test_client().get("/public/status")
    message = str(error.value)
    assert "inherited from CrossOrigin(..., supports_credentials=True)" in message
    assert "origins='*' from @cross_origin on 'status' (its default)" in message
    assert "@cross_origin(origins='*', supports_credentials=False)" in message
