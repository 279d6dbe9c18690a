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
from typing import Any, NamedTuple

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


class PublicPages(NamedTuple):
    """A Chromium; per scheme, a page it takes for public and the origin the model is given."""

    browser: engines.Chromium
    pages: dict[str, tuple[str, str]]


@pytest.fixture(scope="module")
def public_pages(
    serve: Callable[[Any], int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PublicPages]:
    """One Chromium for which ``http://earth.test:<port>`` pages are on a public address.

    There are two such pages, on two ports: Chromium treats the ``"https"`` one as a
    secure context (as an https page is), and for it the model is asked about the https
    origin.
    """
    if engines.Chromium.missing():
        pytest.skip(f"Chromium is not installed: {engines.Chromium.install}")
    page = Flask("public_page")
    page.add_url_rule("/", "blank", lambda: "<!doctype html><title>public</title>")
    page.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))
    ports = {scheme: serve(page) for scheme in ("http", "https")}
    public = ",".join(f"127.0.0.1:{port}=public" for port in ports.values())
    flags = (
        f"--host-resolver-rules=MAP {PUBLIC_NAME} 127.0.0.1",
        f"--ip-address-space-overrides={public}",
        f"--unsafely-treat-insecure-origin-as-secure=http://{PUBLIC_NAME}:{ports['https']}",
    )
    browser = engines.Chromium.start(Path(tmp_path_factory.mktemp("lna")), flags)
    try:
        yield PublicPages(
            browser,
            {
                scheme: (f"http://{PUBLIC_NAME}:{port}", f"{scheme}://{PUBLIC_NAME}:{port}")
                for scheme, port in ports.items()
            },
        )
    finally:
        browser.quit()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_public_page_to_loopback_api_is_refused_before_the_server_as_the_note_says(
    public_pages: PublicPages, serve: Callable[[Any], int], scheme: str
) -> None:
    """Chromium rejects the fetch with no request at the server, in the note's words."""
    browser = public_pages.browser
    page, modelled = public_pages.pages[scheme]
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
