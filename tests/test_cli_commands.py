"""``flask cors check`` and ``flask cors routes`` on app-level coverage, redirects and subdomains.

The same area as test_cli.py (kept apart only while another branch edits that file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask, redirect, request
from flask.cli import FlaskGroup, ScriptInfo
from flask.typing import ResponseReturnValue

from flask_crossorigin import CrossOrigin, cross_origin

from .helpers import (
    EARTH,
    LOCALHOST,
    add_routes,
    bare_app,
)

JSON = "Content-Type: application/json"


@pytest.fixture
def run_flask(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``flask cors ...`` as the ``flask`` command does.

    ``FlaskGroup`` loads the ``flask.commands`` entry points and then the app's own
    commands; ``app.test_cli_runner().invoke()`` alone would only see ``app.cli``.
    """
    # FlaskGroup sets FLASK_RUN_FROM_CLI; monkeypatch puts the environment back.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    monkeypatch.delenv("FLASK_RUN_FROM_CLI")

    def run(app: Flask, *args: str) -> Result:
        info = ScriptInfo(create_app=lambda: app, set_debug_flag=False)
        return app.test_cli_runner().invoke(
            FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False),
            args=["cors", *args],
            obj=info,
        )

    return run


def _only_a_decorated_route(app: Flask) -> None:
    app.add_url_rule("/covered", "covered", cross_origin(origins=LOCALHOST)(lambda: "ok"))
    CrossOrigin(app)


UNCOVERED = {
    "CrossOrigin(app) and one decorated route": (_only_a_decorated_route, "/items"),
    "outside resources": (
        lambda app: CrossOrigin(app, origins=[LOCALHOST], resources="/api/*"),
        "/admin/stats",
    ),
}


FETCHES = {"simple GET": (), "POST with JSON": ("--method", "POST", "--header", JSON)}


@pytest.mark.parametrize("fetch", FETCHES.values(), ids=FETCHES.keys())
@pytest.mark.parametrize(("configure", "path"), UNCOVERED.values(), ids=UNCOVERED.keys())
def test_check_on_a_route_without_a_policy_says_so_and_how_to_add_one(
    run_flask: Callable[..., Result],
    configure: Callable[[Flask], object],
    path: str,
    fetch: tuple[str, ...],
) -> None:
    app = bare_app()
    add_routes(app)
    configure(app)

    result = run_flask(app, "check", path, "--origin", LOCALHOST, *fetch)

    assert result.exit_code == 1, result.output
    assert re.search(r"\bno (CORS )?policy\b|\bnot covered\b", result.output, re.IGNORECASE)
    assert "cross_origin" in result.output or "resources" in result.output
    assert not re.search(r"add '[^']*' to origins", result.output), result.output


def test_check_on_a_route_covered_by_app_level_origins_is_allowed(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    add_routes(app)
    CrossOrigin(app, origins=[LOCALHOST])

    result = run_flask(
        app, "check", "/items", "--origin", LOCALHOST, "--method", "POST", "--header", JSON
    )

    assert result.exit_code == 0, result.output
    assert "ALLOWED" in result.output
    assert "to origins" not in result.output


def test_routes_names_a_source_for_every_route_the_app_level_origins_cover(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    add_routes(app)
    app.add_url_rule("/own", "own", cross_origin(origins=EARTH)(lambda: "own"))
    CrossOrigin(app, origins=[LOCALHOST])

    result = run_flask(app, "routes", "--json")

    assert result.exit_code == 0, result.output
    rows = {row["endpoint"]: row for row in json.loads(result.output)}
    for endpoint in ("items", "stats", "static"):
        assert rows[endpoint]["source"] is not None, endpoint
        assert rows[endpoint]["policy"]["origins"] == [LOCALHOST]
    assert rows["own"]["source"] == "decorator"
    assert rows["items"]["source"] != "decorator"


def force_https_app(origins: str | list[str]) -> Flask:
    """Flask-Talisman's ``force_https``: plain http is redirected (302) to https."""
    app = bare_app()

    @app.before_request
    def force_https() -> ResponseReturnValue | None:
        if not request.is_secure:
            return redirect(request.url.replace("http://", "https://", 1), 302)
        return None

    @app.get("/items")
    @cross_origin(origins=origins)
    def items() -> str:
        return "items"

    CrossOrigin(app)
    return app


def test_check_follows_a_redirect_to_another_origin_with_origin_null_and_blocks(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(force_https_app([LOCALHOST]), "check", "/items", "--origin", LOCALHOST)

    assert result.exit_code == 1, result.output
    assert "https://localhost/items" in result.output
    assert "Origin: null" in result.output
    assert "BLOCKED" in result.output
    assert "ALLOWED" not in result.output


def test_check_judges_the_cross_origin_redirect_target_never_the_302(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(force_https_app("*"), "check", "/items", "--origin", LOCALHOST)

    assert result.exit_code == 0, result.output
    assert "https://localhost/items" in result.output
    assert "Origin: null" in result.output
    assert "ALLOWED (status 302)" not in result.output


@pytest.mark.parametrize(
    "args",
    [("routes",), ("routes", "--json"), ("check", "/items", "--origin", LOCALHOST)],
    ids=["routes", "routes --json", "check"],
)
def test_flask_cors_on_an_app_without_the_extension_says_so_and_exits_1(
    run_flask: Callable[..., Result], args: tuple[str, ...]
) -> None:
    app = bare_app()
    add_routes(app)

    result = run_flask(app, *args)

    assert result.exit_code == 1, result.output
    assert "CrossOrigin(app)" in result.output
    assert "No such command" not in result.output


def test_flask_cors_through_the_flask_command_works_on_an_app_with_the_extension(
    run_flask: Callable[..., Result],
) -> None:
    app = bare_app()
    app.add_url_rule("/covered", "covered", cross_origin(origins=LOCALHOST)(lambda: "ok"))
    CrossOrigin(app)

    result = run_flask(app, "check", "/covered", "--origin", LOCALHOST)

    assert result.exit_code == 0, result.output
    assert "ALLOWED" in result.output


def subdomain_app() -> Flask:
    app = bare_app()
    app.config["SERVER_NAME"] = "mars.test"
    app.add_url_rule(
        "/items", "api_items", cross_origin(origins=LOCALHOST)(lambda: "api"), subdomain="api"
    )
    app.add_url_rule("/items", "www_items", lambda: "www", subdomain="www")
    CrossOrigin(app)
    return app


def test_routes_shows_the_subdomain_of_each_route_when_the_app_uses_subdomains(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(subdomain_app(), "routes")

    assert result.exit_code == 0, result.output
    header, _dashes, *rows = result.output.splitlines()
    assert "Subdomain" in header.split()
    cells = {cell: row.split() for row in rows for cell in row.split() if cell.endswith("_items")}
    assert "api" in cells["api_items"]
    assert "www" in cells["www_items"]


def one_decorated_get_route() -> Flask:
    """An app whose one route, ``GET /items``, has a decorator policy."""
    app = bare_app()
    app.add_url_rule("/items", "items", cross_origin(origins=LOCALHOST)(lambda: "ok"))
    CrossOrigin(app)
    return app


def test_routes_shows_no_subdomain_column_when_the_app_uses_none(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(one_decorated_get_route(), "routes")

    assert result.exit_code == 0, result.output
    assert "Subdomain" not in result.output


def test_routes_shows_no_cors_methods_note_on_a_plain_get_route(
    run_flask: Callable[..., Result],
) -> None:
    result = run_flask(one_decorated_get_route(), "routes")

    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.output.splitlines() if line.startswith("/items")]
    assert "(CORS:" not in row
    assert "HEAD" not in row
