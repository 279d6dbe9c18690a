"""Real servers on loopback and one browser per engine, for the browser tests.

The ``browser`` fixture is parametrised over Chromium, Firefox and WebKit (see
``engines.py``): every browser test runs once in each, with one browser process per
engine for the whole session, all started together and stopped at its end. Every
server runs in a daemon thread and is shut down at the end of the session; every wait
(page load, script, explicit waits in tests) is bounded, so nothing hangs.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ..servers import serve_in_thread, stop_thread_server
from . import engines
from .engines import Engine, EngineUnavailable
from .harness import Fetched, Pages, Recorder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", params=list(engines.ENGINES))
def browser(request: pytest.FixtureRequest, engine_starts: dict[str, Future[Engine]]) -> Engine:
    """One browser of each engine for the session, with a fresh profile (no cookies, empty caches).

    An engine that is not installed skips its tests, saying how to install it; under
    ``CI=true`` it fails them instead.
    """
    name: str = request.param
    try:
        return engine_starts[name].result(timeout=engines.START_TIMEOUT)
    except EngineUnavailable as problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, so a missing browser is a failure: {problem}")
        pytest.skip(str(problem))


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[[Any], int]]:
    """Start a WSGI app on a free loopback port, in a daemon thread; return the port."""
    servers = []

    def start(app: Any) -> int:
        server, thread = serve_in_thread(app)
        servers.append((server, thread))
        return server.server_port

    yield start
    for server, thread in servers:
        stop_thread_server(server, thread)


@pytest.fixture(scope="session")
def pages(serve: Callable[[Any], int]) -> Pages:
    page = Flask("page")

    @page.get("/")
    def blank() -> tuple[str, dict[str, str]]:
        return "<!doctype html><title>page</title>", {"Cache-Control": "no-store"}

    @page.get("/favicon.ico")
    def favicon() -> tuple[str, int]:
        return "", 204

    return Pages(
        a=f"http://127.0.0.1:{serve(page)}",
        b=f"http://127.0.0.1:{serve(page)}",
        c=f"http://localhost:{serve(page)}",
    )


def console_about(browser: Engine, tokens: set[str]) -> list[str]:
    """The console's CORS lines, once each token (of a blocked fetch) has been named in one.

    The lines may trail the rejected promise by a moment, and Firefox prints two for a
    failed preflight: wait until every token is in some line, then until no more lines
    come for a quarter of a second (two seconds at most in all).
    """
    console: list[str] = []
    if browser.blocked_console is None or not tokens:
        return console
    deadline = time.monotonic() + 2
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        lines = browser.console_since_last()
        if lines:
            console += lines
            quiet_since = time.monotonic()
        seen_all = all(any(token in line for line in console) for token in tokens)
        if seen_all and time.monotonic() - quiet_since > 0.25:
            break
    return console


@pytest.fixture
def fetch_from(browser: Engine) -> Callable[..., Fetched]:
    """``fetch_from(page_origin, recorder, url, token, **init)`` runs ``fetch(url, init)``."""

    def run(origin: str, recorder: Recorder, url: str, token: str, **init: Any) -> Fetched:
        if not browser.current_url.startswith(origin + "/"):
            browser.open(origin + "/")
        browser.console_since_last()  # drop older messages
        result = browser.fetch(url, init)
        console = [] if result["readable"] else console_about(browser, {token})
        return Fetched(result, recorder.seen(token), console, url)

    return run


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots and the console record go; ``test-artifacts/`` is ignored by git."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


#: Written at the end of the session: per engine, per scenario, what the page saw and
#: what the console said. Engines that did not run this session keep their last record.
CONSOLE_RECORD = "engine-console.json"


@pytest.fixture(scope="session")
def console_record(artifacts: Path) -> Iterator[dict[str, dict[str, Any]]]:
    """``record[engine][scenario] = {...}``; merged into ``test-artifacts/engine-console.json``."""
    record: dict[str, dict[str, Any]] = {}
    yield record
    if not record:
        return
    path = artifacts / CONSOLE_RECORD
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    engines_saved = saved.get("engines", {})
    engines_saved.update(record)
    saved = {
        "about": (
            "What each engine showed for each fetch() scenario of tests/browser/"
            "test_browser_cors.py: the JS result or error and the console's CORS lines "
            "(none from WebKit: WebKitWebDriver has no log). In 'console_template', the "
            "fetched URL is {url}, the page origin {origin} and the API origin {api}."
        ),
        "engines": dict(sorted(engines_saved.items())),
    }
    path.write_text(json.dumps(saved, indent=2, sort_keys=False) + "\n")
