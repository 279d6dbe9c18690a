"""``init_app(app, ...)`` called again: the new configuration applies in full, or none of it.

Each app is compared with a twin configured once: after a rejected second call an app must
answer exactly as its twin with the old options does, and after an accepted one exactly as
its twin with the new options, whether or not it has already served a request.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin

from .helpers import EARTH, VENUS

MARS = "https://mars.test"

OLD: dict[str, Any] = {"origins": [EARTH], "resources": "/api/*", "max_age": 600}
NEW: dict[str, Any] = {
    "origins": [MARS, VENUS],
    "resources": "/api/*",
    "max_age": 60,
    "expose_headers": ["X-T"],
}


def build(**options: Any) -> tuple[Flask, CrossOrigin]:
    """A decorated route that inherits the app's options, one open to all, a ``resources``
    route, one added after ``init_app``, and one with no policy."""
    app = Flask("reconfigured")
    app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)

    @app.route("/decorated", methods=["GET", "PUT"])
    @cross_origin()  # origins, max_age and expose_headers from the app
    def decorated() -> str:
        return "decorated"

    @app.route("/star", methods=["GET", "PUT"])
    @cross_origin(origins="*")  # fails with supports_credentials=True from the app
    def star() -> str:
        return "star"

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> str:
        return "items"

    cors = CrossOrigin()
    cors.init_app(app, **options)

    @app.route("/late", methods=["GET", "DELETE"])
    @cross_origin(origins=[EARTH, MARS])
    def late() -> str:
        return "late"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    return app, cors


REQUESTS = [
    (method, path, headers)
    for path in ("/decorated", "/star", "/api/items", "/late", "/plain")
    for method, headers in [
        ("GET", {}),
        ("GET", {"Origin": EARTH}),
        ("GET", {"Origin": MARS}),
        ("PUT", {"Origin": VENUS}),
        ("OPTIONS", {"Origin": EARTH, "Access-Control-Request-Method": "PUT"}),
        ("OPTIONS", {"Origin": MARS, "Access-Control-Request-Method": "PUT"}),
        ("OPTIONS", {"Origin": MARS, "Access-Control-Request-Method": "DELETE"}),
    ]
]


def answers(app: Flask) -> list[tuple[str, str, str, int, list[tuple[str, str]]]]:
    """Status and every CORS and Vary line (repeats kept) of each request in ``REQUESTS``."""
    client = app.test_client()
    seen = []
    for method, path, headers in REQUESTS:
        response = client.open(path, method=method, headers=headers)
        lines = [
            (name.lower(), value)
            for name, value in response.headers
            if name.lower().startswith("access-control-") or name.lower() == "vary"
        ]
        seen.append((method, path, str(headers), response.status_code, sorted(lines)))
    return seen


REJECTED = {
    "an option value": {"origins": "https://mars.test/"},
    "an unknown option": {"origin": [MARS]},
    "a flask-cors option": {"send_wildcard": True},
    "credentials inherited by a decorated route with origins='*'": {
        "origins": [MARS],
        "supports_credentials": True,
    },
    "credentials inherited by a resources entry with origins='*'": {
        "origins": [MARS],
        "supports_credentials": True,
        "resources": {"/api/*": {"origins": "*"}},
    },
}


@pytest.mark.parametrize("served_first", [False, True], ids=["before", "after first request"])
@pytest.mark.parametrize("options", REJECTED.values(), ids=REJECTED.keys())
def test_rejected_init_app_again_leaves_the_old_configuration_exactly_as_it_was(
    options: dict[str, Any], served_first: bool
) -> None:
    app, cors = build(**OLD)
    twin, _ = build(**OLD)
    if served_first:
        app.test_client().get("/plain")

    with pytest.raises((CorsConfigError, TypeError)):
        cors.init_app(app, **options)

    assert answers(app) == answers(twin)


@pytest.mark.parametrize("served_first", [False, True], ids=["before", "after first request"])
def test_init_app_again_applies_the_new_configuration_in_full(served_first: bool) -> None:
    app, cors = build(**OLD)
    twin, _ = build(**NEW)
    if served_first:
        assert app.test_client().get("/api/items", headers={"Origin": EARTH}).status_code == 200

    cors.init_app(app, **NEW)

    assert answers(app) == answers(twin)
    client = app.test_client()
    new = client.get("/api/items", headers={"Origin": MARS})
    assert new.headers.get_all("Access-Control-Allow-Origin") == [MARS]
    assert new.headers.get_all("Access-Control-Expose-Headers") == ["X-T"]
    old = client.get("/api/items", headers={"Origin": EARTH})
    assert "Access-Control-Allow-Origin" not in old.headers
    refused = client.options(
        "/api/items", headers={"Origin": EARTH, "Access-Control-Request-Method": "PUT"}
    )
    assert refused.status_code == 403
    # Routes resolved under the old options are resolved again: max_age comes from the app.
    preflight = client.options(
        "/decorated", headers={"Origin": VENUS, "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status_code == 204
    assert preflight.headers.get_all("Access-Control-Max-Age") == ["60"]
