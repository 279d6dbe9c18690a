"""Local Network Access in a real Chromium: what the model's note says is what happens.

A page made public (``--ip-address-space-overrides``, with a name mapped to loopback
by ``--host-resolver-rules`` so the model sees a public origin too) fetches an API on
``127.0.0.1``. Headless Chromium has no permission prompt, so the permission counts as
denied: the fetch rejects and no request, preflight included, reaches the server
(CORS-FACTS 1.14). A loopback page fetching the same API is not gated.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_crossorigin import CrossOrigin
from flask_crossorigin.testing import fetch as model_fetch

from . import engines
from .harness import Recorder

pytestmark = pytest.mark.browser

PUBLIC_NAME = "earth.test"


def create_api(*origins: str) -> Flask:
    app = Flask(__name__)
    CrossOrigin(app, origins=list(origins))

    @app.put("/oxygen")
    def oxygen() -> dict[str, int]:
        return {"o2": 21}

    return app


@pytest.fixture(scope="module", params=["http", "https"])
def public_page(
    request: pytest.FixtureRequest,
    serve: Callable[[Any], int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[engines.Chromium, str, str]]:
    """A Chromium for which ``http://earth.test:<port>`` is a page on a public address.

    For ``"https"`` Chromium treats that page as a secure context (as an https page
    is), and the model is asked about the https origin.
    """
    page = Flask("public_page")
    page.add_url_rule("/", "blank", lambda: "<!doctype html><title>public</title>")
    page.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))
    port = serve(page)
    flags: tuple[str, ...] = (
        f"--host-resolver-rules=MAP {PUBLIC_NAME} 127.0.0.1",
        f"--ip-address-space-overrides=127.0.0.1:{port}=public",
    )
    if request.param == "https":
        flags += (f"--unsafely-treat-insecure-origin-as-secure=http://{PUBLIC_NAME}:{port}",)
    if engines.Chromium.missing():
        pytest.skip(f"Chromium is not installed: {engines.Chromium.install}")
    browser = engines.Chromium.start(Path(tmp_path_factory.mktemp("lna")), flags)
    try:
        yield browser, f"http://{PUBLIC_NAME}:{port}", f"{request.param}://{PUBLIC_NAME}:{port}"
    finally:
        browser.quit()


def test_public_page_to_loopback_api_is_refused_before_the_server_as_the_note_says(
    public_page: tuple[engines.Chromium, str, str], serve: Callable[[Any], int]
) -> None:
    """Chromium rejects the fetch with no request at the server, in the note's words."""
    browser, page, modelled = public_page
    app = create_api(page, modelled)
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]
    api = f"http://127.0.0.1:{serve(app)}"
    token = uuid.uuid4().hex

    browser.open(page + "/")
    browser.driver.get_log("browser")
    got = browser.fetch(f"{api}/oxygen?t={token}", {"method": "PUT"})
    console = [entry["message"] for entry in browser.driver.get_log("browser")]

    assert got == {"readable": False, "error": "TypeError: Failed to fetch"}
    assert recorder.seen(token) == []
    note = model_fetch(app, "/oxygen", method="PUT", origin=modelled, base_url=api).local_network
    assert note is not None
    assert "not even a preflight" in note
    said = note.partition("the console says: ")[2].partition(". No option")[0]
    words = said.rpartition("blocked by CORS policy: ")[2]
    assert any(words in line for line in console), (words, console)


def test_loopback_page_to_loopback_api_is_not_gated_and_the_model_has_no_note(
    browser: engines.Engine, serve: Callable[[Any], int]
) -> None:
    """Loopback to loopback reaches the server in every engine; the model adds no note."""
    page_app = Flask("page")
    page_app.add_url_rule("/", "blank", lambda: "<!doctype html><title>page</title>")
    page = f"http://localhost:{serve(page_app)}"
    app = create_api(page)
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]
    api = f"http://127.0.0.1:{serve(app)}"
    token = uuid.uuid4().hex

    browser.open(page + "/")
    got = browser.fetch(f"{api}/oxygen?t={token}", {"method": "PUT"})

    assert got["readable"], got
    assert [e.method for e in recorder.seen(token)] == ["OPTIONS", "PUT"]
    engine = {"webkit": "safari"}.get(browser.name, browser.name)
    result = model_fetch(
        app,
        "/oxygen",
        method="PUT",
        origin=page,
        base_url=api,
        browser=engine,  # type: ignore[arg-type]
    )
    assert result.local_network is None
    result.assert_allowed()
