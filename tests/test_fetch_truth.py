"""``testing.fetch`` and ``flask cors check`` build the request a browser builds, and tell why.

Paths lose their dot segments, refused redirects are network errors, the API can be
asked at its real origin, concurrent calls keep to their own requests, the terminal
never gets a raw control character, and the advice fits the cause (a late ``CORS_*``
key, a write the server refused before the view, a wildcard with credentials).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask, Response, redirect, request
from werkzeug.exceptions import Forbidden
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as BaseResponse

from flask_crossorigin import CrossOrigin, cors_refused, cross_origin
from flask_crossorigin._policy import Refusal
from flask_crossorigin.testing import FetchUsageError, fetch

from .helpers import EARTH, flask_cors


def files_app() -> Flask:
    app = Flask(__name__)
    CrossOrigin(app)

    @app.get("/files/<path:name>")
    @cross_origin(origins="*")
    def files(name: str) -> str:
        return name

    @app.get("/admin/export")
    def export() -> str:
        return "secret"

    return app


# Paths


@pytest.mark.parametrize(
    "path",
    ["/files/../admin/export", "/files/%2e%2e/admin/export", "/files/.%2E/admin/export"],
)
def test_dot_segments_are_removed_so_the_route_a_browser_reaches_decides(path: str) -> None:
    """A path that climbs out of /files/ is asked of /admin/export, which has no policy."""
    result = fetch(files_app(), path, origin=EARTH)

    assert [exchange.path for exchange in result.exchanges] == ["/admin/export"]
    result.assert_blocked("No 'Access-Control-Allow-Origin'")
    assert "/admin/export has no CORS policy" in result.transcript


def test_check_says_which_path_the_browser_resolves_the_dotted_path_to() -> None:
    """``flask cors check`` shows the resolved path and exits 1 for a route without a policy."""
    result = flask_cors(files_app(), "check", "/files/./../admin/export", "--origin", EARTH)

    assert result.exit_code == 1, result.output
    assert "resolves /files/./../admin/export to /admin/export" in result.output


# Redirects


def redirecting_app(location: str) -> Flask:
    app = Flask(__name__)
    CrossOrigin(app, origins=[EARTH])

    @app.get("/go")
    def go() -> Response:
        response = Response("", 302)
        response.headers["Location"] = location
        return response

    @app.get("/next")
    def after() -> str:
        return "here"

    return app


@pytest.mark.parametrize(
    "location",
    ["http://user:secret@localhost/next", "ftp://localhost/next", "file:///etc/passwd", "data:,x"],
)
def test_redirect_a_browser_refuses_is_a_network_error_never_allowed(location: str) -> None:
    """Credentials in the URL or a scheme other than http(s) end the fetch with a network error."""
    result = fetch(redirecting_app(location), "/go", origin=EARTH)

    assert not result.allowed
    assert "Verdict: BLOCKED. A network error" in result.transcript
    assert len(result.exchanges) == 1


def werkzeug_encodes(location: str) -> bool:
    """Whether this Werkzeug sends ``location`` (3.0 does; 3.1 fails the response: a 500)."""
    response = Response(status=302, headers={"Location": location})
    try:
        response.get_wsgi_headers(EnvironBuilder("/").get_environ())
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("location", ["http://localhost:99999/next", "http://[::1"])
def test_location_the_server_cannot_encode_is_its_500_not_a_traceback(location: str) -> None:
    """An unencodable Location is the 500 a server answers (or, where the server sends it,
    the browser's network error), with no CORS advice for it."""
    result = fetch(redirecting_app(location), "/go", origin=EARTH)
    if werkzeug_encodes(location):  # Werkzeug 3.0 sends it: no browser can follow it
        assert not result.allowed
        assert "Verdict: BLOCKED. A network error" in result.transcript
        return
    assert result.exchanges[0].response.status_code == 500
    assert result.exchanges[0].server_error is not None
    assert not result.allowed
    assert "not CORS" in result.transcript
    assert "add 'https://earth.com' to origins" not in result.transcript


def test_check_on_an_unencodable_location_exits_1_without_a_traceback() -> None:
    """The CLI prints the 500 and its verdict; nothing escapes as an exception."""
    location = "http://localhost:99999/next"
    result = flask_cors(redirecting_app(location), "check", "/go", "--origin", EARTH)

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # Werkzeug 3.1 fails the response (a 500); 3.0 sends it, and no browser can follow it.
    assert ("500" if not werkzeug_encodes(location) else "network error") in result.output


def test_redirect_to_the_same_origin_with_its_default_port_keeps_the_origin() -> None:
    """``http://localhost:80/next`` is the same origin: no Origin: null, no 'null' advice."""
    result = fetch(redirecting_app("http://localhost:80/next"), "/go", origin=EARTH)

    result.assert_allowed()
    assert [dict(e.request_headers)["Origin"] for e in result.exchanges] == [EARTH, EARTH]
    assert "null" not in result.transcript


# Subdomains and the API's origin


def mars_app() -> Flask:
    app = Flask(__name__, subdomain_matching=True)
    app.config.update(SERVER_NAME="mars.test", PREFERRED_URL_SCHEME="https")
    CrossOrigin(app, origins=[EARTH])

    @app.get("/oxygen-data", subdomain="api")
    def oxygen() -> dict[str, int]:
        return {"o2": 21}

    return app


def test_fetch_asks_a_subdomain_route_at_its_real_origin() -> None:
    """``base_url`` reaches a ``subdomain=`` route, and the transcript shows the browser's URL."""
    result = fetch(mars_app(), "/oxygen-data", origin=EARTH, base_url="https://api.mars.test")

    result.assert_allowed()
    assert 'fetch("https://api.mars.test/oxygen-data"' in result.transcript


def test_api_origin_defaults_to_server_name_with_the_preferred_scheme() -> None:
    """Without ``base_url``, the request goes to ``PREFERRED_URL_SCHEME://SERVER_NAME``."""
    result = fetch(mars_app(), "/", origin=EARTH)

    assert result.request.server == "https://mars.test"


def test_check_url_takes_the_apis_origin_and_path() -> None:
    """``flask cors check --url https://api.mars.test/oxygen-data`` asks the subdomain route."""
    result = flask_cors(
        mars_app(), "check", "--url", "https://api.mars.test/oxygen-data", "--origin", EARTH
    )

    assert result.exit_code == 0, result.output
    assert "Verdict: ALLOWED" in result.output


def host_app() -> Flask:
    """Routes by host (``host_matching``): the API on api.mars.test, data on data.mars.test."""
    app = Flask(__name__, host_matching=True, static_host="www.mars.test")
    app.config["SECRET_KEY"] = "dev"
    CrossOrigin(app, origins=[EARTH, "https://www.mars.test"], supports_credentials=True)

    @app.route("/oxygen-data", host="api.mars.test", methods=["GET", "PUT"])
    def oxygen() -> dict[str, int]:
        return {"o2": 21}

    @app.get("/archive", host="api.mars.test")
    def archive() -> BaseResponse:
        return redirect("https://data.mars.test/archive")

    @app.get("/archive", host="data.mars.test")
    def data_archive() -> dict[str, int]:
        return {"sols": 4000}

    return app


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_fetch_reaches_a_host_matched_route_at_its_host(method: str) -> None:
    """``base_url`` picks the host a ``host=`` route is on; a preflight reaches it too."""
    result = fetch(
        host_app(), "/oxygen-data", origin=EARTH, method=method, base_url="https://api.mars.test"
    )

    result.assert_allowed()
    assert result.preflighted is (method == "PUT")
    assert result.exchanges[-1].response.get_json() == {"o2": 21}


def test_check_url_reaches_a_host_matched_route() -> None:
    """``flask cors check --url https://api.mars.test/oxygen-data`` on a host_matching app."""
    result = flask_cors(
        host_app(), "check", "--url", "https://api.mars.test/oxygen-data", "--origin", EARTH
    )

    assert result.exit_code == 0, result.output
    assert 'fetch("https://api.mars.test/oxygen-data"' in result.output
    assert "Verdict: ALLOWED" in result.output


def test_redirect_to_another_host_the_app_routes_is_followed() -> None:
    """A redirect to a host the app itself routes is acted out, not left unjudged."""
    result = fetch(host_app(), "/archive", origin=EARTH, base_url="https://api.mars.test")

    assert "NOT JUDGED" not in result.transcript
    assert [e.path for e in result.exchanges] == ["/archive", "/archive"]
    assert result.exchanges[-1].response.get_json() == {"sols": 4000}
    result.assert_blocked("null")  # Origin: null after the cross-origin redirect


@pytest.mark.parametrize(("page", "notes"), [("https://www.mars.test", 0), (EARTH, 1)])
def test_cookie_model_judges_the_host_matched_apis_site(page: str, notes: int) -> None:
    """The session cookie travels from www.mars.test to api.mars.test, not from earth.com."""
    result = fetch(
        host_app(),
        "/oxygen-data",
        origin=page,
        credentials="include",
        base_url="https://api.mars.test",
    )

    result.assert_allowed()
    assert len(result.cookies) == notes


def test_host_matched_path_asked_at_the_default_host_names_the_host_that_serves_it() -> None:
    """At http://localhost nothing is routed: say where the path is, not 'add to origins'."""
    result = fetch(host_app(), "/oxygen-data", origin=EARTH)

    assert "the app serves this path at http://api.mars.test/oxygen-data" in result.transcript
    assert "option to change" not in result.transcript


def test_fetch_refuses_a_base_url_that_is_not_an_origin() -> None:
    """A path or userinfo in ``base_url`` is a usage error naming the argument."""
    with pytest.raises(FetchUsageError, match=r"^base_url: "):
        fetch(mars_app(), "/", origin=EARTH, base_url="https://api.mars.test/v1")


# Threads


def test_concurrent_fetches_report_only_their_own_refusals_and_restore_propagation() -> None:
    """Threads on one app each see their own verdict, and PROPAGATE_EXCEPTIONS is put back."""
    app = Flask(__name__)
    CrossOrigin(app, origins=[EARTH])

    @app.put("/item")
    def item() -> str:
        return "ok"

    app.config["PROPAGATE_EXCEPTIONS"] = None
    problems: list[str] = []

    def ask(origin: str, allowed: bool) -> Callable[[], None]:
        def work() -> None:
            for _ in range(25):
                result = fetch(app, "/item", origin=origin, method="PUT")
                refused = [r for e in result.exchanges for r in e.refused]
                if result.allowed != allowed or bool(refused) == allowed:
                    problems.append(f"{origin}: {result.allowed}, {refused}")

        return work

    threads = [threading.Thread(target=ask(EARTH, True)) for _ in range(2)]
    threads += [threading.Thread(target=ask("https://evil.test", False)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert problems == []
    assert app.config["PROPAGATE_EXCEPTIONS"] is None


# Terminal output and errors


@pytest.mark.parametrize("control", ["\x1b[31m", "\x07", "\x08"])
def test_control_characters_never_reach_the_terminal_raw(control: str) -> None:
    """ESC, BEL and backspace in a header value or path are shown escaped in the transcript."""
    app = files_app()
    output = flask_cors(
        app, "check", f"/files/a{control}b", "--origin", EARTH, "--header", f"X-Note: a{control}b"
    ).output

    assert control not in output
    assert f"\\x{ord(control[0]):02x}" in output


def test_fetch_errors_use_pythons_vocabulary_not_cli_flags() -> None:
    """``fetch(headers={"Cookie": ...})`` names ``headers``; the CLI says ``--header``."""
    with pytest.raises(FetchUsageError) as raised:
        fetch(files_app(), "/files/a", origin=EARTH, headers={"Cookie": "a=1"})

    assert raised.value.argument == "headers"
    assert "--" not in str(raised.value)
    cli = flask_cors(files_app(), "check", "/files/a", "--origin", EARTH, "--header", "Cookie: a=1")
    assert cli.exit_code == 2
    assert "--header Cookie is a forbidden request header" in cli.output


# Advice


def test_late_cors_key_is_named_and_assert_allowed_fails_on_its_500() -> None:
    """A ``CORS_*`` key set after ``init_app`` is reported as the cause, not the origins."""
    app = Flask(__name__)
    CrossOrigin(app, origins=[EARTH])

    @app.get("/x")
    def x() -> str:
        return "x"

    app.config["CORS_ORIGINS"] = ["https://mars.com"]
    result = fetch(app, "/x", origin="https://mars.com")

    assert result.config_error is not None
    assert "CORS_ORIGINS" in result.config_error
    assert "to origins" not in result.transcript
    with pytest.raises(AssertionError, match="CORS_ORIGINS"):
        result.assert_allowed()


def test_readable_500_from_the_view_passes_assert_allowed() -> None:
    """A 5xx the view answered with the right headers is readable, so allowed (see docs)."""
    app = Flask(__name__)
    CrossOrigin(app, origins=[EARTH])

    @app.get("/broken")
    def broken() -> str:
        raise RuntimeError("the view failed")

    result = fetch(app, "/broken", origin=EARTH)

    result.assert_allowed()
    assert result.status == 500


def test_credentialed_request_to_a_wildcard_route_names_both_changes() -> None:
    """``origins="*"`` with credentials: list the origin and set supports_credentials=True."""
    app = Flask(__name__)
    CrossOrigin(app, origins="*")

    @app.get("/me")
    def me() -> str:
        return "me"

    result = fetch(app, "/me", origin=EARTH, credentials="include")

    assert not result.allowed
    assert f"origins=[{EARTH!r}]" in result.transcript
    assert "supports_credentials=True" in result.transcript


def write_gated_app() -> Flask:
    """An app whose before_request refuses a cross-origin write as the write gate will."""
    app = Flask(__name__)
    CrossOrigin(app, origins=[EARTH])
    ran: list[str] = []
    app.config["RAN"] = ran

    @app.before_request
    def gate() -> None:
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin not in (None, EARTH):
            cors_refused.send(
                app,
                endpoint=request.endpoint,
                kind="write",
                method="POST",
                refusal=Refusal("origin is not allowed", origin, "origins"),
                enforced=True,
            )
            raise Forbidden()

    @app.post("/launch")
    def launch() -> str:
        ran.append("launch")
        return "launched"

    return app


def test_write_refused_before_the_view_reads_as_the_servers_refusal() -> None:
    """A simple POST refused before the view is neither "allowed" nor a generic CORS block."""
    app = write_gated_app()
    result = fetch(
        app,
        "/launch",
        origin="https://evil.test",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )

    assert not result.allowed
    assert result.refused_before_view
    assert "refused by the server before the view" in result.transcript
    assert "the app did run this request" not in result.transcript
    assert "option to change: origins: add 'https://evil.test' to origins" in result.transcript
    assert app.config["RAN"] == []


def test_check_prints_the_write_refusal_and_exits_1() -> None:
    """``flask cors check`` says the server refused the write before the view."""
    result = flask_cors(
        write_gated_app(),
        "check",
        "/launch",
        "--origin",
        "https://evil.test",
        "--method",
        "POST",
        "--header",
        "Content-Type: application/x-www-form-urlencoded",
    )

    assert result.exit_code == 1, result.output
    assert "Refused by the server before the view" in result.output
