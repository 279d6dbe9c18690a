"""Actual requests: the view's response plus exactly the CORS headers its policy calls for."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, abort, redirect, request

from flask_crossorigin import cross_origin

from .helpers import EARTH, cors_headers, make_app


def test_allowed_origin_gets_its_own_origin_back_and_vary_origin(client: Any) -> None:
    response = client.post("/oxygen-data", headers={"Origin": EARTH})
    assert response.status_code == 200
    assert cors_headers(response) == {"Access-Control-Allow-Origin": EARTH}
    assert response.headers.get_all("Vary") == ["Origin"]


def test_credentialed_policy_sends_credentials_and_exposed_headers(client: Any) -> None:
    response = client.get("/private", headers={"Origin": EARTH})
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": EARTH,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "X-Trace",
    }


@pytest.mark.parametrize("origin", ["https://evil.com", "null", "https://EARTH.com", None])
def test_refused_or_missing_origin_gets_no_cors_headers_but_vary_origin(
    client: Any, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin else {}
    response = client.get("/private", headers=headers)
    assert response.status_code == 200
    assert response.data == b"secret"
    assert cors_headers(response) == {}
    assert response.headers.get_all("Vary") == ["Origin"]


@pytest.mark.parametrize("origin", ["https://anyone.example", None])
def test_star_policy_sends_star_with_or_without_origin_and_no_vary(
    client: Any, origin: str | None
) -> None:
    response = client.get("/public", headers={"Origin": origin} if origin else {})
    assert cors_headers(response) == {"Access-Control-Allow-Origin": "*"}
    assert "Vary" not in response.headers


def test_route_without_policy_is_untouched(client: Any) -> None:
    response = client.get("/plain", headers={"Origin": EARTH})
    assert cors_headers(response) == {}
    assert "Vary" not in response.headers


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/boom", 500)])
def test_error_responses_carry_the_routes_cors_headers(client: Any, path: str, status: int) -> None:
    response = client.get(path, headers={"Origin": EARTH})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == EARTH
    assert response.headers.get_all("Vary") == ["Origin"]


@pytest.mark.parametrize(("origin", "allowed"), [(EARTH, True), ("https://venus.com", False)])
def test_method_not_allowed_response_is_readable_from_an_allowed_origin_only(
    client: Any, origin: str, allowed: bool
) -> None:
    response = client.get("/oxygen-data", headers={"Origin": origin})  # the route serves POST
    assert response.status_code == 405
    assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert response.headers.get_all("Vary") == ["Origin"]


def test_hook_response_to_a_method_the_route_does_not_serve_is_not_shared() -> None:
    app = make_app()

    @app.get("/x")
    @cross_origin(origins=EARTH)
    def x() -> str:
        return "ok"

    @app.before_request
    def answer_everything() -> str | None:
        return "from the hook" if request.method == "POST" else None

    response = app.test_client().post("/x", headers={"Origin": EARTH})
    assert (response.status_code, response.data) == (200, b"from the hook")
    assert cors_headers(response) == {}


def test_error_handler_response_carries_the_routes_cors_headers() -> None:
    app = make_app()

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[dict[str, str], int]:
        return {"error": "not here"}, 404

    @app.get("/gone")
    @cross_origin(origins=EARTH)
    def gone() -> str:
        abort(404)

    response = app.test_client().get("/gone", headers={"Origin": EARTH})
    assert response.json == {"error": "not here"}
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


def test_redirect_response_carries_the_routes_cors_headers() -> None:
    app = make_app()

    @app.get("/old")
    @cross_origin(origins=EARTH)
    def old() -> Any:
        return redirect("/new")

    response = app.test_client().get("/old", headers={"Origin": EARTH})
    assert response.status_code == 302
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


@pytest.mark.parametrize(
    ("view_vary", "expected"),
    [
        (["Accept-Encoding"], ["Accept-Encoding, Origin"]),
        (["origin"], ["origin"]),
        (["Accept-Encoding, Origin", "Cookie"], ["Accept-Encoding, Origin, Cookie"]),
        (["*"], ["*"]),
    ],
)
def test_vary_keeps_the_views_values_and_never_repeats_one(
    view_vary: list[str], expected: list[str]
) -> None:
    app = make_app()

    @app.get("/negotiated")
    @cross_origin(origins=EARTH)
    def negotiated() -> Any:
        response = app.make_response("ok")
        for value in view_vary:
            response.headers.add("Vary", value)
        return response

    response = app.test_client().get("/negotiated", headers={"Origin": EARTH})
    assert response.headers.get_all("Vary") == expected


def test_session_vary_cookie_merges_with_vary_origin() -> None:
    app = make_app()
    app.secret_key = "test"

    @app.get("/me")
    @cross_origin(origins=EARTH)
    def me() -> str:
        from flask import session

        session["seen"] = True
        return "ok"

    response = app.test_client().get("/me", headers={"Origin": EARTH})
    vary = [v.strip() for line in response.headers.get_all("Vary") for v in line.split(",")]
    assert sorted(vary) == ["Cookie", "Origin"]


def test_headers_the_view_set_itself_are_not_duplicated() -> None:
    app = make_app()

    @app.get("/custom")
    @cross_origin(origins=EARTH, supports_credentials=True)
    def custom() -> tuple[str, dict[str, str]]:
        return "ok", {
            "Access-Control-Allow-Origin": EARTH,
            "Access-Control-Allow-Credentials": "true",
        }

    response = app.test_client().get("/custom", headers={"Origin": EARTH})
    assert response.headers.get_all("Access-Control-Allow-Origin") == [EARTH]
    assert response.headers.get_all("Access-Control-Allow-Credentials") == ["true"]


def test_credentials_and_exposed_headers_the_view_set_are_not_repeated() -> None:
    app = make_app()

    @app.get("/custom")
    @cross_origin(origins=EARTH, supports_credentials=True, expose_headers=["X-Trace"])
    def custom() -> tuple[str, dict[str, str]]:
        return "ok", {
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": "X-Trace",
        }

    response = app.test_client().get("/custom", headers={"Origin": EARTH})
    # Two lines would reach the page's CORS check as "true, true", which fails.
    assert response.headers.get_all("Access-Control-Allow-Origin") == [EARTH]
    assert response.headers.get_all("Access-Control-Allow-Credentials") == ["true"]
    assert response.headers.get_all("Access-Control-Expose-Headers") == ["X-Trace"]


def test_static_policy_does_not_duplicate_a_star_the_view_set() -> None:
    app = make_app()

    @app.get("/open")
    @cross_origin()
    def open_route() -> tuple[str, dict[str, str]]:
        return "ok", {"Access-Control-Allow-Origin": "*"}

    response = app.test_client().get("/open")
    assert response.headers.get_all("Access-Control-Allow-Origin") == ["*"]


def test_head_request_gets_the_same_headers_as_get(client: Any) -> None:
    response = client.head("/private", headers={"Origin": EARTH})
    assert response.headers["Access-Control-Allow-Origin"] == EARTH


def test_unknown_url_has_no_policy_and_is_untouched(app: Flask, client: Any) -> None:
    response = client.get("/nowhere", headers={"Origin": EARTH})
    assert response.status_code == 404
    assert cors_headers(response) == {}


def test_view_that_answers_cors_itself_gets_no_extension_headers_mixed_in() -> None:
    app = make_app()

    @app.get("/own")
    @cross_origin(origins=EARTH, supports_credentials=True, expose_headers=["X-Trace"])
    def own() -> tuple[str, dict[str, str]]:
        return "ok", {"Access-Control-Allow-Origin": "*"}

    response = app.test_client().get("/own", headers={"Origin": EARTH})
    assert cors_headers(response) == {"Access-Control-Allow-Origin": "*"}
    assert response.headers["Vary"] == "Origin"


def test_methods_restrict_simple_requests_too() -> None:
    app = make_app()

    @app.route("/form", methods=["GET", "POST"])
    @cross_origin(origins=EARTH, methods=["GET"])
    def form() -> str:
        return "ok"

    client = app.test_client()
    assert (
        client.get("/form", headers={"Origin": EARTH}).headers.get("Access-Control-Allow-Origin")
        == EARTH
    )
    assert (
        client.head("/form", headers={"Origin": EARTH}).headers.get("Access-Control-Allow-Origin")
        == EARTH
    )
    posted = client.post("/form", headers={"Origin": EARTH})
    assert posted.status_code == 403  # refused before the view: the method is not allowed
    assert cors_headers(posted) == {}


def test_redirect_rule_to_another_site_gets_no_local_routes_policy() -> None:
    app = make_app()
    app.add_url_rule("/go", "go", redirect_to="https://partner.example/admin/export")

    @app.get("/admin/export")
    @cross_origin(origins=EARTH, supports_credentials=True)
    def export() -> str:
        return "data"

    client = app.test_client()
    hop = client.get("/go", headers={"Origin": EARTH})
    assert hop.status_code == 308
    assert cors_headers(hop) == {}
    asked = client.options("/go", headers={"Origin": EARTH, "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in asked.headers
