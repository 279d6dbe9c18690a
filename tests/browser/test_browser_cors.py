"""fetch() from real pages in Chromium, Firefox and WebKit, against an app using flask_crossorigin.

Each scenario states what the browser lets the page do (read the response, or a
``TypeError``), how many preflights reached the server, how many actual requests did,
and whether the cookie went with them. Every fetch carries a fresh token in its URL,
so the browser's preflight cache (keyed by URL) never carries over between scenarios.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest
from flask import Flask, abort, request

from flask_crossorigin import CrossOrigin, cross_origin
from flask_crossorigin._cli import cors_cli
from flask_crossorigin.testing import fetch as model_fetch

from .conftest import console_about
from .engines import Engine
from .harness import Fetched, Pages, Recorder

pytestmark = pytest.mark.browser

TOKEN = "Bearer moon-key"
POST_JSON = {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": "[1]"}


def create_api(pages: Pages) -> Flask:
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.before_request  # registered before CrossOrigin: preflights must never reach it
    def require_token() -> tuple[dict[str, str], int] | None:
        if request.path == "/guarded" and request.headers.get("Authorization") != TOKEN:
            return {"error": "a token is required"}, 401
        return None

    CrossOrigin(app)

    @app.post("/json")
    @cross_origin(origins=pages.a, max_age=600)
    def json_cached() -> Any:
        return {"got": request.get_json()}

    @app.post("/json-uncached")
    @cross_origin(origins=pages.a, max_age=0)
    def json_uncached() -> Any:
        return {"got": request.get_json()}

    @app.route("/limited", methods=["GET", "POST", "PUT"])
    @cross_origin(origins=pages.a, methods=["GET", "POST"], allow_headers=["Content-Type"])
    def limited() -> Any:
        return {"method": request.method}

    @app.get("/private")
    @cross_origin(origins=[pages.a, pages.c], supports_credentials=True)
    def private() -> Any:
        return {"cookie": request.cookies.get("moon")}

    @app.get("/exposed")
    @cross_origin(origins=pages.a, expose_headers=["X-Visible"])
    def exposed() -> Any:
        return "", {"X-Visible": "shown", "X-Hidden": "kept"}

    @app.route("/patchable", methods=["PATCH"])
    @cross_origin(origins=pages.a)
    def patchable() -> Any:
        return {"method": request.method}

    @app.get("/fails/<kind>")
    @cross_origin(origins=pages.a)
    def fails(kind: str) -> Any:
        if kind == "missing":
            abort(404)
        raise RuntimeError("an unhandled error")

    @app.get("/items")
    @cross_origin(origins=pages.a)
    def list_items() -> Any:
        return {"items": []}

    @app.delete("/items")
    @cross_origin(origins=pages.b)
    def delete_items() -> Any:
        return {"deleted": True}

    @app.get("/whoami")
    @cross_origin(origins=pages.a)
    def whoami() -> Any:
        return {"authorization": request.headers.get("Authorization")}

    @app.get("/guarded")
    @cross_origin(origins=pages.a)
    def guarded() -> Any:
        return {"secret": "ice"}

    @app.post("/things/")
    @cross_origin(origins=pages.a)
    def things() -> Any:
        return {"got": request.get_json()}

    return app


@pytest.fixture(scope="module")
def api_app(pages: Pages) -> Flask:
    return create_api(pages)


@pytest.fixture(scope="module")
def api(
    serve: Callable[[Any], int], api_app: Flask, pages: Pages, browser: Engine
) -> tuple[str, Recorder]:
    """The app on its own port (one per engine), and a recorder of every request it saw."""
    recorder = Recorder(api_app)
    # A Lax cookie for 127.0.0.1: every port of 127.0.0.1 is the same site, localhost is not.
    browser.open(pages.a + "/")
    browser.add_cookie("moon", "cheese")
    return f"http://127.0.0.1:{serve(recorder)}", recorder


@pytest.fixture
def fetch(
    api: tuple[str, Recorder], pages: Pages, fetch_from: Callable[..., Fetched]
) -> Callable[..., Fetched]:
    """``fetch("a", "/path", **init)``: fetch the path from page a, b or c with a fresh token."""
    base, recorder = api

    def run(page: str, path: str, **init: Any) -> Fetched:
        token = uuid.uuid4().hex
        url = f"{base}{path}?t={token}"
        return fetch_from(getattr(pages, page), recorder, url, token, **init)

    return run


class Scenario(NamedTuple):
    """A fetch() from page a, b or c, and what should come of it."""

    page: str
    path: str
    init: dict[str, Any]
    #: The status the page reads, or None when fetch() rejects with a TypeError.
    status: int | None
    preflights: int
    actual: int
    cookie: bool = False
    #: The option named in the extension's refusal log line, if it refused anything.
    refused: str | None = None


INCLUDE = {"credentials": "include"}
X_SECRET = {"method": "POST", "headers": {"X-Secret": "1"}}
AUTHORIZED = {"headers": {"Authorization": TOKEN}}
PUT, DELETE = {"method": "PUT"}, {"method": "DELETE"}

SCENARIOS = {
    "json-post-is-preflighted": Scenario("a", "/json", POST_JSON, 200, 1, 1),
    "refused-origin-same-site": Scenario("b", "/json", POST_JSON, None, 1, 0, refused="origins"),
    "refused-origin-cross-site": Scenario("c", "/json", POST_JSON, None, 1, 0, refused="origins"),
    "allowed-method-and-header": Scenario("a", "/limited", POST_JSON, 200, 1, 1),
    "method-not-allowed": Scenario("a", "/limited", PUT, None, 1, 0, refused="methods"),
    "header-not-allowed": Scenario("a", "/limited", X_SECRET, None, 1, 0, refused="allow_headers"),
    "credentials-include-sends-cookie": Scenario("a", "/private", INCLUDE, 200, 0, 1, True),
    "credentials-default-sends-no-cookie": Scenario("a", "/private", {}, 200, 0, 1, False),
    "credentials-preflighted": Scenario(
        "a", "/private", {**INCLUDE, "headers": {"X-Requested-With": "fetch"}}, 200, 1, 1, True
    ),
    "credentials-cross-site-lax-cookie-stays": Scenario("c", "/private", INCLUDE, 200, 0, 1),
    # CORS guards reading, not sending: the simple GET and its cookie still reach the server.
    "credentials-refused-origin": Scenario(
        "b", "/private", INCLUDE, None, 0, 1, cookie=True, refused="origins"
    ),
    "lower-case-patch": Scenario("a", "/patchable", {"method": "patch"}, 200, 1, 1),
    "abort-404-is-readable": Scenario("a", "/fails/missing", {}, 404, 0, 1),
    "unhandled-500-is-readable": Scenario("a", "/fails/crash", {}, 500, 0, 1),
    "items-get-from-a": Scenario("a", "/items", {}, 200, 0, 1),
    "items-delete-from-a": Scenario("a", "/items", DELETE, None, 1, 0, refused="origins"),
    "items-get-from-b": Scenario("b", "/items", {}, None, 0, 1, refused="origins"),
    "items-delete-from-b": Scenario("b", "/items", DELETE, 200, 1, 1),
    "authorization-header": Scenario("a", "/whoami", AUTHORIZED, 200, 1, 1),
    "auth-hook-with-token": Scenario("a", "/guarded", AUTHORIZED, 200, 1, 1),
    "auth-hook-401-is-readable": Scenario("a", "/guarded", {}, 401, 0, 1),
    # 308 to /things/, then a new preflight there (another URL), then the POST.
    "trailing-slash-redirect": Scenario("a", "/things", POST_JSON, 200, 2, 2),
}


def record(
    console_record: dict[str, dict[str, Any]],
    browser: Engine,
    name: str,
    origin: str,
    fetched: Fetched,
) -> None:
    """Keep what ``browser`` showed for scenario ``name``, for the engine-console record."""
    api = fetched.url.split("/", 3)[:3]
    placeholders = {fetched.url: "{url}", origin: "{origin}", "/".join(api): "{api}"}

    def template(line: str) -> str:
        for value, placeholder in placeholders.items():
            line = line.replace(value, placeholder)
        return line

    result = fetched.result
    entry = console_record.setdefault(browser.name, {"version": browser.version, "scenarios": {}})
    entry["scenarios"].setdefault(name, {}).update(
        {
            "page": origin,
            "url": fetched.url,
            "readable": result["readable"],
            "status": result.get("status"),
            "js_error": result.get("error"),
            "console": fetched.console,
            "console_template": [template(line) for line in fetched.console],
            "preflights": len(fetched.preflights),
            "actual_requests": len(fetched.actual),
        }
    )


class Run(NamedTuple):
    """A scenario's fetch() in one engine, and the extension's refusal log lines it caused."""

    fetched: Fetched
    refusals: list[str]


class Kept(logging.Handler):
    """Keeps the messages of the records it is given."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def runs(
    api: tuple[str, Recorder],
    pages: Pages,
    browser: Engine,
    console_record: dict[str, dict[str, Any]],
) -> Iterator[dict[str, Run]]:
    """Every scenario's fetch() in this module's engine, made once and judged by two tests.

    The scenarios run page by page. The extension's log lines are taken per fetch (the
    server logs before it answers); the console's lines are waited for once per page and
    given to the fetch whose token (in its URL) they name.
    """
    base, recorder = api
    logger = logging.getLogger("flask_crossorigin")
    kept, level = Kept(), logger.level
    logger.addHandler(kept)
    logger.setLevel(logging.INFO)
    made: dict[str, Run] = {}
    try:
        for page in ("a", "b", "c"):
            origin = getattr(pages, page)
            browser.open(origin + "/")
            browser.console_since_last()  # drop older messages
            fetches: dict[str, tuple[str, str, dict[str, Any], list[str]]] = {}
            for name, scenario in SCENARIOS.items():
                if scenario.page != page:
                    continue
                token = uuid.uuid4().hex
                url = f"{base}{scenario.path}?t={token}"
                kept.messages = []
                result = browser.fetch(url, scenario.init)
                fetches[name] = (token, url, result, kept.messages)
            blocked = {token for token, _, result, _ in fetches.values() if not result["readable"]}
            console = console_about(browser, blocked)
            for name, (token, url, result, refusals) in fetches.items():
                ours = [line for line in console if token in line]
                fetched = Fetched(result, recorder.seen(token), ours, url)
                record(console_record, browser, name, origin, fetched)
                made[name] = Run(fetched, refusals)
    finally:
        logger.removeHandler(kept)
        logger.setLevel(level)
    yield made


@pytest.mark.parametrize("name", SCENARIOS)
def test_fetch_from_page(runs: dict[str, Run], browser: Engine, pages: Pages, name: str) -> None:
    scenario = SCENARIOS[name]
    fetched, refusals = runs[name]

    if scenario.status is None:
        # Each engine's own words; WebKit's driver shows no console at all.
        assert fetched.result == {"readable": False, "error": browser.blocked_error}
        if browser.blocked_console is None:
            assert fetched.console == []
        else:
            expected = browser.blocked_console.format(
                url=fetched.url, origin=getattr(pages, scenario.page)
            )
            assert any(expected in line for line in fetched.console), fetched.console
    else:
        assert fetched.result["readable"], fetched.console
        assert (fetched.result["type"], fetched.result["status"]) == ("cors", scenario.status)
    assert len(fetched.preflights) == scenario.preflights
    assert len(fetched.actual) == scenario.actual
    assert fetched.cookie_arrived is scenario.cookie
    # Preflights never carry credentials; one that lets the request through is a 204.
    for preflight in fetched.preflights:
        assert "Cookie" not in preflight.headers
        assert "Authorization" not in preflight.headers
        assert preflight.status == (204 if scenario.actual else 403)
    if scenario.refused is None:
        assert refusals == []
    else:
        assert any(f"(option {scenario.refused})" in line for line in refusals), refusals


def check_arguments(scenario: Scenario, pages: Pages) -> list[str]:
    """The ``flask cors check`` command line for the fetch() of ``scenario``."""
    init = scenario.init
    arguments = [scenario.path, "--origin", getattr(pages, scenario.page)]
    arguments += ["--method", init.get("method", "GET")]
    for name, value in init.get("headers", {}).items():
        arguments += ["--header", f"{name}: {value}"]
    if init.get("credentials") == "include":
        arguments.append("--credentials")
    return arguments


#: ``flask cors check --browser`` names each engine for its users: WebKit is Safari's engine.
CHECK_ENGINE = {"chromium": "chromium", "firefox": "firefox", "webkit": "safari"}


def console_reasons(engine: str, lines: list[str]) -> list[str]:
    """The part of each console line that says why, without URLs, origins or prefixes."""
    if engine == "firefox":
        return [line.split("(Reason: ", 1)[1] for line in lines if "(Reason: " in line]
    return [line.split("CORS policy: ", 1)[1] for line in lines if "CORS policy: " in line]


@pytest.mark.parametrize("name", SCENARIOS)
def test_cors_check_gives_the_browsers_verdict(
    runs: dict[str, Run],
    api_app: Flask,
    pages: Pages,
    browser: Engine,
    console_record: dict[str, dict[str, Any]],
    name: str,
) -> None:
    """In every engine: ``flask cors check --browser`` allows exactly what the browser lets the
    page read, and says why in the engine's own console words."""
    scenario = SCENARIOS[name]
    fetched = runs[name].fetched
    engine = CHECK_ENGINE[browser.name]
    arguments = [*check_arguments(scenario, pages), "--browser", engine]
    checked = api_app.test_cli_runner().invoke(cors_cli, ["check", *arguments])
    modelled = model_fetch(
        api_app,
        scenario.path,
        origin=getattr(pages, scenario.page),
        method=scenario.init.get("method", "GET"),
        headers=scenario.init.get("headers", {}),
        credentials=scenario.init.get("credentials", "same-origin"),
        browser=engine,  # type: ignore[arg-type]
    )
    entry = console_record.setdefault(browser.name, {"version": browser.version, "scenarios": {}})
    entry["scenarios"].setdefault(name, {})["cors_check"] = {
        "verdict": "ALLOWED" if checked.exit_code == 0 else "BLOCKED",
        "browser_verdict": "ALLOWED" if fetched.result["readable"] else "BLOCKED",
        "predicted_console": modelled.console,
    }

    assert checked.exit_code in (0, 1), checked.output
    verdict = "Verdict: ALLOWED" if fetched.result["readable"] else "Verdict: BLOCKED"
    assert (checked.exit_code == 0) is fetched.result["readable"], checked.output
    assert verdict in checked.output
    # flask_crossorigin.testing is the same model: the same verdict, the same words.
    assert modelled.allowed is fetched.result["readable"], modelled.transcript
    if not fetched.result["readable"]:
        assert modelled.js_error == fetched.result["error"]
        assert modelled.console is not None
        predicted = console_reasons(browser.name, modelled.console.splitlines())
        seen = console_reasons(browser.name, fetched.console)
        if browser.name != "webkit":  # WebKitWebDriver has no console
            assert predicted == seen, (predicted, seen)


@pytest.mark.parametrize(
    ("path", "max_age", "preflights"), [("/json", "600", 1), ("/json-uncached", "0", 2)]
)
def test_second_post_reuses_preflight_only_within_max_age(
    fetch_from: Callable[..., Fetched],
    api: tuple[str, Recorder],
    pages: Pages,
    path: str,
    max_age: str,
    preflights: int,
) -> None:
    base, recorder = api
    token = uuid.uuid4().hex
    url = f"{base}{path}?t={token}"
    for _ in range(2):
        assert fetch_from(pages.a, recorder, url, token, **POST_JSON).result["status"] == 200
    seen = recorder.seen(token)
    assert [e.method for e in seen if not e.is_preflight] == ["POST", "POST"]
    assert [e.response_headers["Access-Control-Max-Age"] for e in seen if e.is_preflight] == [
        max_age
    ] * preflights


def test_exposed_header_is_readable_and_unexposed_one_hidden(fetch: Callable[..., Fetched]) -> None:
    fetched = fetch("a", "/exposed")

    assert fetched.result["headers"].get("x-visible") == "shown"
    assert "x-hidden" not in fetched.result["headers"]
    assert fetched.actual[0].response_headers["X-Hidden"] == "kept"  # sent, but not shown to JS


def test_lower_case_patch_is_allowed_as_spelled(fetch: Callable[..., Fetched]) -> None:
    fetched = fetch("a", "/patchable", method="patch")

    (preflight,) = fetched.preflights
    assert preflight.headers["Access-Control-Request-Method"] == "patch"
    allowed = preflight.response_headers["Access-Control-Allow-Methods"].split(", ")
    assert "patch" in allowed
    assert fetched.result["body"] == '{"method":"PATCH"}\n'


def test_authorization_is_listed_by_name_in_the_preflight(fetch: Callable[..., Fetched]) -> None:
    fetched = fetch("a", "/whoami", headers={"Authorization": TOKEN})

    (preflight,) = fetched.preflights
    assert preflight.headers["Access-Control-Request-Headers"] == "authorization"
    allowed = preflight.response_headers["Access-Control-Allow-Headers"].lower().split(", ")
    assert "authorization" in allowed
    assert "*" not in allowed
    assert fetched.actual[0].headers["Authorization"] == TOKEN


def test_preflight_is_answered_for_the_redirect_target(fetch: Callable[..., Fetched]) -> None:
    fetched = fetch("a", "/things", **POST_JSON)

    assert [(e.method, e.path, e.status) for e in fetched.seen] == [
        ("OPTIONS", "/things", 204),
        ("POST", "/things", 308),
        ("OPTIONS", "/things/", 204),
        ("POST", "/things/", 200),
    ]
    redirect = fetched.actual[0].response_headers
    assert redirect["Access-Control-Allow-Origin"] == fetched.actual[0].headers["Origin"]
