"""``flask cors routes`` and ``flask cors check``: through Flask's CLI runner, and as the
``flask`` command runs them (app-level coverage, redirects, subdomains)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import NamedTuple

import pytest
from click.testing import Result
from flask import Blueprint, Flask, redirect, request
from flask.cli import FlaskGroup, ScriptInfo
from flask.typing import ResponseReturnValue

from flask_crossorigin import CrossOrigin, cross_origin
from flask_crossorigin._cli import cors_cli

from .helpers import EARTH, LOCALHOST, VENUS, add_routes, bare_app, flask_cors

JSON = "Content-Type: application/json"


@pytest.fixture
def app() -> Flask:
    """Mars, with one route per policy source, and two that answer CORS by hand."""
    app = Flask("mars")
    app.config.update(TESTING=True)
    cors = CrossOrigin(app, resources="/public/*")

    @app.post("/oxygen-data")
    @cross_origin(origins=EARTH, max_age=600)
    def oxygen_data() -> dict[str, bool]:
        return {"stored": True}

    @app.route("/rovers/<int:rover>", methods=["GET", "PATCH"])
    @cross_origin(origins=EARTH, allow_headers=["Content-Type"])
    def rover(rover: int) -> dict[str, int]:
        return {"rover": rover}

    @app.get("/private")
    @cross_origin(origins=[EARTH], supports_credentials=True, expose_headers=["X-Trace"])
    def private() -> ResponseReturnValue:
        return "secret", {"X-Trace": "abc", "X-Battery": "87"}

    @app.get("/crater/")
    @cross_origin(origins=EARTH)
    def crater() -> str:
        return "deep"

    @app.get("/public/weather")
    def weather() -> dict[str, int]:
        return {"celsius": -63}

    missions = Blueprint("missions", __name__, url_prefix="/missions")
    cors.init_app(missions, origins=[EARTH])
    missions.add_url_rule("/", "index", lambda: "perseverance")
    app.register_blueprint(missions)

    @app.get("/admin")
    def admin() -> str:
        return "closed"

    # Routes with no policy that send CORS headers themselves, as a hand-written view might.
    @app.route("/hand-made", methods=["PUT", "OPTIONS"])
    def hand_made() -> ResponseReturnValue:
        return "", 204, {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "PUT"}

    @app.route("/moved", methods=["PUT", "OPTIONS"])
    def moved() -> ResponseReturnValue:
        return redirect("/oxygen-data")

    return app


# flask cors routes

ROUTES = [
    # rule, endpoint, methods, source
    ("/admin", "admin", ["GET"], None),
    ("/crater/", "crater", ["GET"], "decorator"),
    ("/hand-made", "hand_made", ["PUT"], None),
    ("/missions/", "missions.index", ["GET"], "blueprint"),
    ("/moved", "moved", ["PUT"], None),
    ("/oxygen-data", "oxygen_data", ["POST"], "decorator"),
    ("/private", "private", ["GET"], "decorator"),
    ("/public/weather", "weather", ["GET"], "resources"),
    ("/rovers/<int:rover>", "rover", ["GET", "PATCH"], "decorator"),
    ("/static/<path:filename>", "static", ["GET"], None),
]


def test_routes_json_lists_every_rule_with_methods_policy_and_source(app: Flask) -> None:
    result = flask_cors(app, "routes", "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["rule"], r["endpoint"], r["methods"], r["source"]) for r in rows] == ROUTES
    assert all((r["policy"] is None) == (r["source"] is None) for r in rows)
    oxygen = next(r for r in rows if r["endpoint"] == "oxygen_data")
    assert oxygen["policy"] == {
        "origins": [EARTH],
        "methods": ["POST"],
        "allow_headers": "*",
        "expose_headers": None,
        "supports_credentials": False,
        "max_age": 600,
        "allow_private_network": False,
        "protect_writes": True,
    }
    public = next(r for r in rows if r["source"] == "resources")
    assert public["policy"]["origins"] == ["*"]


def test_routes_table_has_aligned_columns_and_one_row_per_rule(app: Flask) -> None:
    result = flask_cors(app, "routes")

    assert result.exit_code == 0, result.output
    header, dashes, *rows = result.output.splitlines()
    assert header.split() == [
        "Rule",
        "Endpoint",
        "Methods",
        "Source",
        "Origins",
        "Credentials",
        "Max-Age",
        "Exposed",
        "headers",
        "CORS",
        "methods",
        "Allowed",
        "headers",
        "Write",
        "gate",
    ]
    # Every column starts where its dashes start, in every row.
    starts = [i for i, ch in enumerate(dashes) if ch == "-" and (i == 0 or dashes[i - 1] == " ")]
    assert len(starts) == 11
    for line in [header, *rows]:
        assert all(line[i - 2 : i] == "  " for i in starts[1:]), line
    cells = {row.split()[0]: row for row in rows}
    assert list(cells) == [rule for rule, *_ in ROUTES]
    assert cells["/oxygen-data"][starts[3] :].split()[:5] == ["decorator", EARTH, "no", "600", "-"]
    assert cells["/private"][starts[3] :].split()[:5] == ["decorator", EARTH, "yes", "-", "X-Trace"]
    assert cells["/missions/"][starts[3] :].split()[0] == "blueprint"
    assert cells["/public/weather"][starts[3] :].split()[:2] == ["resources", "*"]
    assert cells["/admin"][starts[3] :].split() == ["none", "-", "-", "-", "-", "-", "-", "off"]
    assert cells["/oxygen-data"].split()[-1] == "on"


def test_routes_reports_a_bad_policy_as_an_error_without_traceback(app: Flask) -> None:
    @app.get("/late")
    @cross_origin(supports_credentials=True)  # inherits origins="*": refused
    def late() -> str:
        return "late"

    result = flask_cors(app, "routes")

    assert result.exit_code == 1
    assert "Error: CORS configuration error:" in result.output
    assert "supports_credentials=True with origins='*'" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# flask cors check


class Check(NamedTuple):
    args: tuple[str, ...]
    exit_code: int
    says: tuple[str, ...]
    never: tuple[str, ...] = ()


CHECKS = {
    "seed story: Earth POSTs JSON to Mars": Check(
        ("/oxygen-data", "--origin", EARTH, "--method", "POST", "--header", JSON),
        0,
        (
            "Preflight needed? yes",
            "Content-Type is not a CORS-safelisted request header: its MIME type is "
            "application/json",
            "> Access-Control-Request-Method: POST",
            "> Access-Control-Request-Headers: content-type",
            "< 204 NO CONTENT",
            "< Access-Control-Max-Age: 600",
            "passed: the preflight's checks",
            "> Content-Type: application/json",
            "passed: the CORS check",
            "Verdict: ALLOWED",
        ),
    ),
    "refused origin": Check(
        ("/oxygen-data", "--origin", VENUS, "--method", "POST", "--header", JSON),
        1,
        (
            "< 403 FORBIDDEN",
            "blocked: Response to preflight request doesn't pass access control check: "
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "server log: CORS preflight refused for endpoint 'oxygen_data': origin is not "
            f"allowed: {VENUS!r} (option origins)",
            f"option to change: origins: add {VENUS!r} to origins",
            f"Access to fetch at 'http://localhost/oxygen-data' from origin '{VENUS}' has been "
            "blocked by CORS policy",
        ),
        ("> POST",),
    ),
    "header missing from allow_headers": Check(
        ("/rovers/1", "--origin", EARTH, "--method", "PATCH", "--header", "X-Trace:1"),
        1,
        (
            "X-Trace is not a CORS-safelisted request header",
            "> Access-Control-Request-Headers: x-trace",
            "request header is not allowed: 'x-trace' (option allow_headers)",
            "option to change: allow_headers: add 'x-trace' to allow_headers",
            "Verdict: BLOCKED",
        ),
        ("> PATCH",),
    ),
    "lower-case patch is echoed, so allowed": Check(
        ("/rovers/1", "--origin", EARTH, "--method", "patch"),
        0,
        (
            "method patch is not CORS-safelisted",
            "> Access-Control-Request-Method: patch",
            "< Access-Control-Allow-Methods: GET, PATCH, patch",
            "> patch /rovers/1",
            "Verdict: ALLOWED",
        ),
    ),
    "simple request needs no preflight": Check(
        (
            "/oxygen-data",
            "--origin",
            EARTH,
            "--method",
            "post",
            "--header",
            "Content-Type: text/plain;charset=UTF-8",
        ),
        0,
        (
            "Preflight needed? no",
            "Content-Type: text/plain;charset=UTF-8 is a CORS-safelisted request header",
            "> POST /oxygen-data",
            "Verdict: ALLOWED",
        ),
        ("OPTIONS",),
    ),
    "credentials with an unexposed header": Check(
        ("/private", "--origin", EARTH, "--credentials", "--expose", "X-Battery"),
        1,
        (
            'credentials: "include"',
            "< Access-Control-Allow-Credentials: true",
            "passed: the CORS check",
            "X-Battery is hidden from JS: X-Battery is not listed in "
            "Access-Control-Expose-Headers (with credentials it must be named there",
            "option to change: expose_headers: add 'X-Battery' to expose_headers",
            "Verdict: BLOCKED (partly)",
        ),
    ),
    "credentials with an exposed header": Check(
        ("/private", "--origin", EARTH, "--credentials", "--expose", "X-Trace"),
        0,
        ("X-Trace is readable by JS", "Verdict: ALLOWED"),
    ),
    "credentials on a route without supports_credentials": Check(
        ("/crater/", "--origin", EARTH, "--credentials"),
        1,
        (
            "blocked: The value of the 'Access-Control-Allow-Credentials' header in the "
            "response is '' which must be 'true' when the request's credentials mode is "
            "'include'.",
            "option to change: supports_credentials",
        ),
    ),
    "refused origin on a simple request": Check(
        ("/crater/", "--origin", VENUS),
        1,
        (
            "Preflight needed? no",
            "blocked: No 'Access-Control-Allow-Origin' header is present",
            "note: the app did run this request (status 200)",
            "server log: CORS GET request refused for endpoint 'crater'",
            "option to change: origins",
        ),
    ),
    "redirect to the trailing slash is followed": Check(
        ("/crater", "--origin", EARTH),
        0,
        ("< 308 PERMANENT REDIRECT", "follows the redirect to /crater/", "Verdict: ALLOWED"),
    ),
    "redirected preflight": Check(
        ("/moved", "--origin", EARTH, "--method", "PUT"),
        1,
        ("blocked: Redirect is not allowed for a preflight request.",),
        ("option to change",),
    ),
    "hand-made preflight without the header": Check(
        ("/hand-made", "--origin", EARTH, "--method", "PUT", "--header", "X-Foo:1"),
        1,
        (
            "blocked: Request header field x-foo is not allowed by "
            "Access-Control-Allow-Headers in preflight response.",
            "option to change: allow_headers: add 'x-foo' to allow_headers",
        ),
    ),
}


@pytest.mark.parametrize("case", CHECKS.values(), ids=CHECKS.keys())
def test_check_verdict(app: Flask, case: Check) -> None:
    result = flask_cors(app, "check", *case.args)

    assert result.exit_code == case.exit_code, result.output
    for text in case.says:
        assert text in result.output
    for text in case.never:
        assert text not in result.output


def test_check_sends_no_cookie_even_after_a_set_cookie_and_with_credentials(app: Flask) -> None:
    @app.get("/login")
    @cross_origin(origins=[EARTH], supports_credentials=True)
    def login() -> ResponseReturnValue:
        response = redirect("/private")
        response.set_cookie("session", "s3cret")
        return response

    cookies: list[str | None] = []
    app.before_request(lambda: cookies.append(request.headers.get("Cookie")))

    result = flask_cors(app, "check", "/login", "--origin", EARTH, "--credentials")

    assert result.exit_code == 0, result.output
    assert "follows the redirect to /private" in result.output
    assert cookies == [None, None]


USAGE_ERRORS = {
    "header name with a space": (["--header", "X Trace:1"], "is not a header name"),
    "header without a name": (["--header", ":1"], "is not a header name"),
    "forbidden header": (["--header", "Cookie: a=1"], "forbidden request header"),
    "header value with a newline": (["--header", "X-A: 1\n2"], "CR, LF or NUL"),
    "path without a slash": (["--path", "oxygen-data"], "must start with '/'"),
    "origin with a path": (["--origin", "https://earth.com/"], "has a path"),
    "origin without a scheme": (["--origin", "earth.com"], "has no scheme"),
    "origin not serialized": (["--origin", "https://Earth.com:443"], "'https://earth.com'"),
    "forbidden method": (["--method", "trace"], "forbidden method"),
    "method that is no token": (["--method", "GE T"], "not an HTTP method name"),
}


@pytest.mark.parametrize(("extra", "message"), USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_check_usage_error_exits_2(app: Flask, extra: list[str], message: str) -> None:
    path = "/oxygen-data"
    if extra[0] == "--path":
        path, extra = extra[1], []
    origin = EARTH
    if extra and extra[0] == "--origin":
        origin, extra = extra[1], []

    result = flask_cors(app, "check", path, "--origin", origin, *extra)

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Verdict" not in result.output


def test_check_without_origin_is_a_usage_error(app: Flask) -> None:
    result = flask_cors(app, "check", "/oxygen-data")

    assert result.exit_code == 2
    assert "--origin" in result.output


@pytest.mark.parametrize("mode", ["TESTING", "FLASK_DEBUG"])
def test_check_reports_a_raising_view_as_the_500_a_browser_would_see(
    app: Flask, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    @app.get("/boom")
    @cross_origin(origins=EARTH)
    def boom() -> str:
        raise RuntimeError("the view failed")

    if mode == "FLASK_DEBUG":
        app.config["TESTING"] = False
        monkeypatch.setenv("FLASK_DEBUG", "1")
        # What loading the app with FLASK_DEBUG=1 does; under pytest-flask's pushed
        # context the CLI uses the app as it is, without loading it.
        app.debug = True

    result = flask_cors(app, "check", "/boom", "--origin", EARTH)

    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    # The 500 carries the route's CORS headers, so the page can read it (status 500).
    assert result.exit_code == 0, result.output
    assert "< 500 INTERNAL SERVER ERROR" in result.output
    assert "Verdict: ALLOWED" in result.output and "(status 500)" in result.output


@pytest.mark.parametrize("path", ["//evil.com/r", "/\\evil.com/r"])
def test_check_reads_a_path_naming_another_host_as_fetch_does_never_as_this_apps_route(
    app: Flask, path: str
) -> None:
    """``fetch("//evil.com/r")`` goes to evil.com: this app is not asked at all."""

    @app.get("/r")
    @cross_origin(origins=EARTH)
    def r() -> str:
        return "r"

    asked: list[str] = []
    app.before_request(lambda: asked.append(request.full_path))

    result = flask_cors(app, "check", path, "--origin", EARTH)

    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2, result.output  # a usage error: not this app's URL
    assert "another host's URL" in result.output
    assert asked == []
    assert "Verdict: ALLOWED" not in result.output
    assert "http://localhost//" not in result.output


@pytest.mark.parametrize(
    "path", ["/r\r\nVerdict: ALLOWED", "/r\nX-Forged: 1", "/r\rX-Forged: 1", "/r\n< 200 OK"]
)
def test_check_path_with_cr_or_lf_is_a_usage_error_never_a_forged_line(
    app: Flask, path: str
) -> None:
    asked: list[str] = []
    app.before_request(lambda: asked.append(request.path))

    result = flask_cors(app, "check", path, "--origin", EARTH)

    assert result.exit_code == 2, result.output
    assert asked == []
    forged = ("Verdict: ALLOWED", "X-Forged", "< 200 OK")
    assert not [line for line in result.output.splitlines() if line.startswith(forged)]


def test_check_takes_a_file_origin_as_android_webviews_send_it(app: Flask) -> None:
    @app.get("/webview")
    @cross_origin(origins=["file://"])
    def webview() -> str:
        return "ok"

    result = flask_cors(app, "check", "/webview", "--origin", "file://")

    assert result.exit_code == 0, result.output
    assert "Verdict: ALLOWED" in result.output


def test_routes_table_shows_each_routes_cors_methods_and_allowed_headers() -> None:
    """The table, not only --json, says which methods and request headers a route allows."""
    app = Flask(__name__)
    CrossOrigin(app)

    @app.route("/limited", methods=["GET", "PUT"])
    @cross_origin(origins=EARTH, methods=["GET"], allow_headers=["X-Trace"])
    def limited() -> str:
        return ""

    result = flask_cors(app, "routes")

    assert result.exit_code == 0, result.output
    header, _dashes, row, *_ = result.output.splitlines()
    assert header.split()[-6:] == ["CORS", "methods", "Allowed", "headers", "Write", "gate"]
    assert row.split()[-3:] == ["GET", "X-Trace", "on"]


def test_routes_shows_each_routes_write_gate_on_report_off_or_exempt() -> None:
    from flask_crossorigin import exempt_writes

    app = Flask(__name__)
    CrossOrigin(app, protect_all_routes=True)

    @app.post("/on")
    @cross_origin(origins=EARTH)
    def on() -> str:
        return ""

    @app.post("/report")
    @cross_origin(origins=EARTH, protect_writes="report")
    def report() -> str:
        return ""

    @app.post("/off")
    @cross_origin(origins=EARTH, protect_writes=False)
    def off() -> str:
        return ""

    @app.post("/exempt")
    @exempt_writes
    def exempt() -> str:
        return ""

    @app.post("/uncovered")
    def uncovered() -> str:
        return ""

    rows = json.loads(flask_cors(app, "routes", "--json").output)
    gates = {row["rule"]: row["gate"] for row in rows}
    assert gates == {
        "/on": "on",
        "/report": "report",
        "/off": "off",
        "/exempt": "exempt",
        "/uncovered": "on",  # protect_all_routes
        "/static/<path:filename>": "on",
    }


# As the flask command runs them


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
    """An uncovered route is blocked and named as having no policy, with how to give it one."""
    app = bare_app()
    add_routes(app)
    configure(app)

    result = run_flask(app, "check", path, "--origin", LOCALHOST, *fetch)

    assert result.exit_code == 1, result.output
    assert f"the route {path} has no CORS policy" in result.output
    assert "@cross_origin(origins=[...]) on its view" in result.output
    assert not re.search(r"add '[^']*' to origins", result.output), result.output


def test_check_on_a_route_covered_by_app_level_origins_is_allowed(
    run_flask: Callable[..., Result],
) -> None:
    """``CrossOrigin(app, origins=...)`` covers every route: check allows a preflighted POST."""
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
    """Routes the app-level origins cover show source ``app``; a decorated one ``decorator``."""
    app = bare_app()
    add_routes(app)
    app.add_url_rule("/own", "own", cross_origin(origins=EARTH)(lambda: "own"))
    CrossOrigin(app, origins=[LOCALHOST])

    result = run_flask(app, "routes", "--json")

    assert result.exit_code == 0, result.output
    rows = {row["endpoint"]: row for row in json.loads(result.output)}
    for endpoint in ("items", "stats", "static"):
        assert rows[endpoint]["source"] == "app", endpoint
        assert rows[endpoint]["policy"]["origins"] == [LOCALHOST]
    assert rows["own"]["source"] == "decorator"


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
    """A redirect to another origin is followed with ``Origin: null``, which the list refuses."""
    result = run_flask(force_https_app([LOCALHOST]), "check", "/items", "--origin", LOCALHOST)

    assert result.exit_code == 1, result.output
    assert "https://localhost/items" in result.output
    assert "Origin: null" in result.output
    assert "BLOCKED" in result.output
    assert "ALLOWED" not in result.output


def test_check_judges_the_cross_origin_redirect_target_never_the_302(
    run_flask: Callable[..., Result],
) -> None:
    """The verdict is the redirect target's, as fetch's is, never the 302's."""
    result = run_flask(force_https_app("*"), "check", "/items", "--origin", LOCALHOST)

    assert result.exit_code == 0, result.output
    assert "https://localhost/items" in result.output
    assert "Origin: null" in result.output
    assert "ALLOWED (status 302)" not in result.output
    # The page is the one that called fetch(), not "null".
    assert (
        f"Verdict: ALLOWED. A page at {LOCALHOST} can GET https://localhost/items "
        "(sent with Origin: null) and read the response (status 200)."
    ) in result.output


def test_check_names_the_page_when_a_header_is_unexposed_after_a_cross_origin_redirect(
    run_flask: Callable[..., Result],
) -> None:
    """Partly blocked after the redirect: the response is shared with the page, not 'null'."""
    args = ("check", "/items", "--origin", LOCALHOST, "--expose", "X-Secret")
    result = run_flask(force_https_app("*"), *args)

    assert result.exit_code == 1, result.output
    assert (
        f"Verdict: BLOCKED (partly). The response is shared with {LOCALHOST} "
        "(sent with Origin: null), but JS cannot read every header it needs."
    ) in result.output


@pytest.mark.parametrize(
    "args",
    [("routes",), ("routes", "--json"), ("check", "/items", "--origin", LOCALHOST)],
    ids=["routes", "routes --json", "check"],
)
def test_flask_cors_on_an_app_without_the_extension_says_so_and_exits_1(
    run_flask: Callable[..., Result], args: tuple[str, ...]
) -> None:
    """Without ``CrossOrigin(app)`` each command says to add it and exits 1."""
    app = bare_app()
    add_routes(app)

    result = run_flask(app, *args)

    assert result.exit_code == 1, result.output
    assert "CrossOrigin(app)" in result.output
    assert "No such command" not in result.output


def test_flask_cors_through_the_flask_command_works_on_an_app_with_the_extension(
    run_flask: Callable[..., Result],
) -> None:
    """The ``flask`` command finds ``cors`` through its entry point."""
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
    """An app with subdomains gets a Subdomain column, filled per route."""
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
    """An app without subdomains gets no Subdomain column."""
    result = run_flask(one_decorated_get_route(), "routes")

    assert result.exit_code == 0, result.output
    assert "Subdomain" not in result.output


def test_routes_shows_no_cors_methods_note_on_a_plain_get_route(
    run_flask: Callable[..., Result],
) -> None:
    """A GET-only route shows no CORS methods note and no implicit HEAD."""
    result = run_flask(one_decorated_get_route(), "routes")

    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.output.splitlines() if line.startswith("/items")]
    assert "(CORS:" not in row
    assert "HEAD" not in row


def test_check_acts_out_a_healthy_route_when_another_route_is_broken() -> None:
    """One broken route elsewhere is a note; the route asked about is judged."""
    app = Flask(__name__)
    CrossOrigin(app, supports_credentials=True)

    @app.get("/ok")
    @cross_origin(origins=[EARTH])
    def ok() -> str:
        return "ok"

    @app.get("/broken")
    @cross_origin()  # origins='*' with the app's credentials
    def broken() -> str:
        return "broken"

    result = app.test_cli_runner().invoke(cors_cli, ["check", "/ok", "--origin", EARTH])
    assert result.exit_code == 0, result.output
    assert "Verdict: ALLOWED" in result.output
    assert "note: CORS configuration error in this app" in result.output
