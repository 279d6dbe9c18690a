"""Real servers on loopback and one headless Chromium, for the browser tests.

Every server runs in a daemon thread and is shut down at the end of the session; every
wait (page load, script, explicit waits in tests) is bounded, so nothing hangs.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from .harness import FETCH, TIMEOUT, Fetched, Pages, Recorder

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def _missing_browser() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if importlib.util.find_spec("selenium") is None:
        missing.append("the selenium package")
    if not missing:
        return None
    return (
        f"browser tests need Chromium, chromedriver and selenium; missing: {', '.join(missing)}. "
        "Install them with `apt-get install chromium chromium-driver` and "
        '`pip install -e ".[test]"` (or point CHROMIUM / CHROMEDRIVER at them)'
    )


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the session, with a fresh profile (no cookies, empty caches)."""
    problem = _missing_browser()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, so a missing browser is a failure: {problem}")
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(TIMEOUT)
        driver.set_script_timeout(TIMEOUT)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[[Any], int]]:
    """Start a WSGI app on a free loopback port, in a daemon thread; return the port."""
    servers = []

    def start(app: Any) -> int:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


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


@pytest.fixture
def fetch_from(browser: Any) -> Callable[..., Fetched]:
    """``fetch_from(page_origin, recorder, url, token, **init)`` runs ``fetch(url, init)``."""

    def run(origin: str, recorder: Recorder, url: str, token: str, **init: Any) -> Fetched:
        if not browser.current_url.startswith(origin + "/"):
            browser.get(origin + "/")
        browser.get_log("browser")  # drop older messages
        result = browser.execute_async_script(FETCH, url, init)
        console: list[str] = []
        if not result["readable"]:
            # The console message may trail the rejected promise by a moment.
            deadline = time.monotonic() + 2
            while not console and time.monotonic() < deadline:
                time.sleep(0.02)
                console = [
                    e["message"] for e in browser.get_log("browser") if "CORS" in e["message"]
                ]
        return Fetched(result, recorder.seen(token), console)

    return run


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go; ``test-artifacts/`` is ignored by git."""
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
