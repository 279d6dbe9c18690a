"""The extension object and the decorator as Flask users wire them: factories, async, classes."""

from __future__ import annotations

import asyncio
import importlib
import inspect
from typing import Any

import pytest
from flask import Flask
from flask.views import View

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin
from flask_crossorigin._policy import Policy

from .helpers import EARTH, MARS


def decorated_app(**config: Any) -> Flask:
    """An app, not yet given to the extension, whose one view ``/x`` has ``@cross_origin()``."""
    app = Flask(__name__)
    app.config.update(config)

    @app.get("/x")
    @cross_origin()
    def x() -> str:
        return "ok"

    return app


def create_app(cors: CrossOrigin, origins: str) -> Flask:
    app = decorated_app(CORS_ORIGINS=origins)
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


def test_init_app_called_many_times_leaves_one_pair_of_hooks_reading_the_new_state() -> None:
    """Configuring again swaps the state; Flask's lists of hooks keep exactly one pair."""
    app = Flask(__name__)

    @app.before_request
    def auth() -> None:
        return None

    cors = CrossOrigin()
    for max_age in range(1, 6):
        cors.init_app(app, origins=[EARTH], max_age=max_age)

    assert len(app.before_request_funcs[None]) == 2
    assert app.before_request_funcs[None][1] is auth  # ours first, even before earlier hooks
    assert len(app.after_request_funcs[None]) == 1
    answer = app.test_client().options(
        "/static/x", headers={"Origin": EARTH, "Access-Control-Request-Method": "GET"}
    )
    assert answer.headers["Access-Control-Max-Age"] == "5"


def test_decorated_view_on_app_without_extension_fails_loudly_at_first_request() -> None:
    app = decorated_app(PROPAGATE_EXCEPTIONS=True)

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
    importlib.import_module("asgiref")  # Flask runs async views through it; in the test extra
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


def test_init_app_again_replaces_the_options_instead_of_stacking_hooks() -> None:
    app = Flask(__name__)
    app.get("/x")(cross_origin()(lambda: "ok"))
    cors = CrossOrigin()
    cors.init_app(app, origins="https://old.com")
    cors.init_app(app, origins="https://new.com")
    client = app.test_client()
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/x", headers={"Origin": "https://old.com"}).headers
    )
    assert client.get("/x", headers={"Origin": "https://new.com"}).headers.get_all(
        "Access-Control-Allow-Origin"
    ) == ["https://new.com"]
    assert len(app.after_request_funcs[None]) == 1


def test_bad_route_added_after_init_app_fails_alone_and_others_keep_working() -> None:
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    CrossOrigin(app)
    ran: list[str] = []
    app.get("/good")(cross_origin(origins=EARTH)(lambda: "ok"))

    @cross_origin(supports_credentials=True)
    def bad() -> str:
        ran.append("bad")
        return "no"

    app.add_url_rule("/bad", "bad", bad, methods=["POST"])
    client = app.test_client()
    first = client.get("/good", headers={"Origin": EARTH})  # the first request resolves all
    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == EARTH
    assert client.post("/bad").status_code == 500
    assert client.post("/bad", headers={"Origin": EARTH}).status_code == 500
    asked = {"Origin": EARTH, "Access-Control-Request-Method": "POST"}
    assert client.options("/bad", headers=asked).status_code == 500
    good = client.get("/good", headers={"Origin": EARTH})
    assert good.status_code == 200
    assert good.headers["Access-Control-Allow-Origin"] == EARTH
    assert ran == []  # the error comes before the view: no side effect, then a 500


def test_blueprint_policy_given_after_registration_is_an_error() -> None:
    from flask import Blueprint

    app = Flask(__name__)
    api = Blueprint("api", __name__)
    app.register_blueprint(api)
    with pytest.raises(CorsConfigError, match=r"before app\.register_blueprint"):
        CrossOrigin().init_app(api, origins=EARTH)


def test_policies_are_built_once_per_route_and_never_per_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []
    real_build = Policy.build.__func__  # type: ignore[attr-defined]

    def counting_build(cls: type[Policy], *args: Any, **kwargs: Any) -> Policy:
        policy: Policy = real_build(cls, *args, **kwargs)
        built.append(policy.source)
        return policy

    monkeypatch.setattr(Policy, "build", classmethod(counting_build))
    app = Flask(__name__)
    CrossOrigin(app, resources="/api/*", origins=[EARTH])
    for index in range(20):
        app.add_url_rule(f"/api/r{index}", f"r{index}", lambda: "ok", methods=["GET", "PUT"])
    app.get("/own")(cross_origin(origins=MARS)(lambda: "ok"))
    client = app.test_client()
    for _ in range(3):
        for index in range(20):
            assert client.get(f"/api/r{index}", headers={"Origin": EARTH}).status_code == 200
            preflight = {"Origin": EARTH, "Access-Control-Request-Method": "PUT"}
            assert client.options(f"/api/r{index}", headers=preflight).status_code == 204
        assert client.get("/own", headers={"Origin": MARS}).status_code == 200
    assert sorted(built) == ["decorator"] + ["resources"] * 20


def test_flask_restful_resources_take_their_own_policy_over_the_apis() -> None:
    from flask_restful import Api, Resource

    class Oxygen(Resource):
        decorators = [cross_origin(origins=EARTH, max_age=60)]

        def post(self) -> tuple[dict[str, bool], int]:
            return {"stored": True}, 201

    class Weather(Resource):
        def get(self) -> dict[str, int]:
            return {"celsius": -63}

    app = Flask(__name__)
    CrossOrigin(app)
    api = Api(app, decorators=[cross_origin(origins=MARS, expose_headers=["X-Sol"])])
    api.add_resource(Oxygen, "/oxygen")
    api.add_resource(Weather, "/weather")
    client = app.test_client()

    asked = {"Origin": EARTH, "Access-Control-Request-Method": "POST"}
    preflight = client.options(
        "/oxygen", headers={**asked, "Access-Control-Request-Headers": "content-type"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    assert preflight.headers["Access-Control-Max-Age"] == "60"
    posted = client.post("/oxygen", json={}, headers={"Origin": EARTH})
    assert (posted.status_code, posted.json) == (201, {"stored": True})
    assert posted.headers["Access-Control-Allow-Origin"] == EARTH
    # The Api's options fill in what the resource left out.
    assert posted.headers["Access-Control-Expose-Headers"] == "X-Sol"
    assert (
        "Access-Control-Allow-Origin"
        not in client.post("/oxygen", headers={"Origin": MARS}).headers
    )
    weather = client.get("/weather", headers={"Origin": MARS})
    assert weather.json == {"celsius": -63}
    assert weather.headers["Access-Control-Allow-Origin"] == MARS


def test_cross_origin_around_a_decorated_view_is_the_broader_layer() -> None:
    app = Flask(__name__)
    CrossOrigin(app)
    inner = cross_origin(origins=EARTH)(lambda: "ok")
    app.add_url_rule("/x", "x", cross_origin(origins=MARS, max_age=5)(inner))
    client = app.test_client()
    asked = {"Access-Control-Request-Method": "GET"}
    assert client.options("/x", headers={**asked, "Origin": MARS}).status_code == 403
    allowed = client.options("/x", headers={**asked, "Origin": EARTH})
    assert allowed.headers["Access-Control-Max-Age"] == "5"
    with pytest.raises(CorsConfigError, match="supports_credentials=True with origins='\\*'"):
        cross_origin(supports_credentials=True)(cross_origin(origins="*")(lambda: "ok"))
