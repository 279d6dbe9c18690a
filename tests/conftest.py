"""Shared fixtures: pytest-flask's ``app``/``client`` on a small Mars API (helpers: helpers.py).

Also the order of the session: browser tests run last, and the browsers they need start
in the background when the session's first test begins, as do the commands of tests
marked ``background`` (background.py), so that their start-up overlaps the other tests
instead of adding to the session's time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort

from flask_crossorigin import CrossOrigin, cross_origin

from . import background as background_commands
from .browser import engines
from .helpers import EARTH, bare_app, preflight_headers

# test_testing_plugin.py runs a user's test file in this process.
pytest_plugins = ["pytester"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last (in their own order): see :func:`engine_starts`."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def engine_starts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[engines.Engine]]]:
    """Every engine that a selected test uses, started side by side in background threads
    when the session's first test begins; the ``browser`` fixture waits for its own.

    Firefox alone takes about 3 s to start: started now, the engines are ready by the
    time the browser tests (last in the session) need them.
    """
    wanted = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "browser" in callspec.params:
            wanted.add(callspec.params["browser"])
    pool = ThreadPoolExecutor(max_workers=len(engines.ENGINES))
    starts = {
        name: pool.submit(engines.start, name, tmp_path_factory.mktemp(name))
        for name in engines.ENGINES
        if name in wanted
    }
    try:
        yield starts
    finally:
        # Every start ends (each of its waits is bounded), so every engine that started,
        # late ones included, is quit: none is left running.
        pool.shutdown(wait=True)

        def stop(start: Future[engines.Engine]) -> None:
            if start.exception() is None:
                with contextlib.suppress(Exception):
                    start.result().quit()

        with ThreadPoolExecutor(max_workers=len(engines.ENGINES)) as quitting:
            list(quitting.map(stop, starts.values()))  # side by side too


@pytest.fixture(scope="session", autouse=True)
def background_started(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[background_commands.Commands]:
    """The background command of every selected test, started now (see background.py)."""
    yield from background_commands.commands(
        request.session, tmp_path_factory, Path(__file__).resolve().parent.parent
    )


@pytest.fixture
def background(
    request: pytest.FixtureRequest, background_started: background_commands.Commands
) -> background_commands.Finished:
    """The result of this test's ``@pytest.mark.background`` command, once it has finished."""
    return background_started.start(request.node).result()


@pytest.fixture
def app() -> Flask:
    """Mars: the seed's API, plus a few routes that the tests share."""
    app = bare_app()
    app.calls = []  # type: ignore[attr-defined]

    @app.post("/oxygen-data")
    @cross_origin(origins=EARTH, max_age=600)
    def oxygen_data() -> dict[str, bool]:
        app.calls.append("oxygen_data")  # type: ignore[attr-defined]
        return {"stored": True}

    @app.get("/public")
    @cross_origin()
    def public() -> str:
        return "open to all"

    @app.route("/private", methods=["GET", "PUT", "PATCH"])
    @cross_origin(origins=[EARTH], supports_credentials=True, expose_headers=["X-Trace"])
    def private() -> tuple[str, int, dict[str, str]]:
        return "secret", 200, {"X-Trace": "abc"}

    @app.get("/missing")
    @cross_origin(origins=EARTH)
    def missing() -> str:
        abort(404)

    @app.get("/boom")
    @cross_origin(origins=EARTH)
    def boom() -> str:
        raise RuntimeError("boom")

    @app.get("/plain")
    def plain() -> str:
        return "no policy"

    CrossOrigin(app)
    return app


@pytest.fixture
def preflight(client: Any) -> Callable[..., Any]:
    """Send a preflight to ``path`` through the test client."""

    def send(path: str, origin: str = EARTH, method: str = "POST", **kw: Any) -> Any:
        return client.options(path, headers=preflight_headers(origin, method, **kw))

    return send
