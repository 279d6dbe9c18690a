"""Local Network Access: Chromium 142+ asks the user before a public page reaches a local API.

CORS-FACTS 1.14: a fetch into a more private address space (public to local or
loopback, local to loopback) waits for a permission prompt, and no request reaches
the server until it is allowed; Firefox and Safari do not gate it. ``fetch`` and
``flask cors check`` say so in a note, inferred from the API's address, never as a
CORS refusal.
"""

from __future__ import annotations

import pytest
from click.testing import Result
from flask import Flask

from flask_crossorigin import CrossOrigin
from flask_crossorigin._browser import address_space
from flask_crossorigin.testing import fetch

from .helpers import flask_cors

EARTH = "https://earth.com"


def create_app() -> Flask:
    app = Flask(__name__)
    CrossOrigin(
        app, origins=[EARTH, "http://localhost:5173", "http://192.168.1.20", "http://earth.com"]
    )

    @app.get("/oxygen")
    def oxygen() -> dict[str, int]:
        return {"o2": 21}

    return app


def check(app: Flask, *args: str) -> Result:
    return flask_cors(app, "check", *args)


@pytest.mark.parametrize(
    ("host", "space"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("localhost", "loopback"),
        ("api.localhost", "loopback"),
        ("[::1]", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "local"),
        ("172.16.0.1", "local"),
        ("172.31.255.255", "local"),
        ("192.168.1.20", "local"),
        ("169.254.10.1", "local"),
        ("fd12::1", "local"),
        ("fe80::1", "local"),
        ("172.32.0.1", "public"),
        ("8.8.8.8", "public"),
        ("api.mars.test", "public"),
    ],
)
def test_address_space_of_a_host_follows_local_network_access(host: str, space: str) -> None:
    """Loopback, RFC 1918, link-local and unique local addresses, localhost names; else public."""
    assert address_space(host) == space


def test_public_page_fetching_a_loopback_api_gets_a_note_in_chromium() -> None:
    """The note names the permission prompt and the console's words; CORS still allows it."""
    result = fetch(create_app(), "/oxygen", origin=EARTH, base_url="http://127.0.0.1:5000")

    result.assert_allowed()
    assert result.local_network is not None
    assert "Chromium 142 and later asks the user for permission first" in result.local_network
    assert "access the `loopback` address space" in result.local_network
    assert "no request, not even a preflight, reaches the server" in result.local_network
    assert "note: Local Network Access" in result.transcript
    assert result.refusal is None and result.blocked is None


def test_http_public_page_cannot_be_granted_local_access() -> None:
    """The permission needs a secure context: an http:// public page is refused outright."""
    result = fetch(create_app(), "/oxygen", origin="http://earth.com", base_url="http://10.0.0.7")

    assert result.local_network is not None
    assert "refuses it outright" in result.local_network
    assert "more-private address space `local`" in result.local_network


def test_local_page_fetching_loopback_is_gated_too() -> None:
    """A page on a private address fetching loopback goes into a more private space."""
    result = fetch(
        create_app(), "/oxygen", origin="http://192.168.1.20", base_url="http://localhost:5000"
    )

    assert result.local_network is not None
    assert "a page on a local address" in result.local_network


@pytest.mark.parametrize(
    ("origin", "api"),
    [
        ("http://localhost:5173", "http://127.0.0.1:5000"),
        ("http://localhost:5173", "http://localhost:5000"),
        ("http://192.168.1.20", "http://10.0.0.7"),
        (EARTH, "https://api.mars.test"),
    ],
)
def test_no_note_when_the_api_is_not_more_private_than_the_page(origin: str, api: str) -> None:
    """Loopback to loopback, local to local and public to public are never gated."""
    result = fetch(create_app(), "/oxygen", origin=origin, base_url=api)

    assert result.local_network is None
    assert "Local Network Access" not in result.transcript


@pytest.mark.parametrize("engine", ["firefox", "safari"])
def test_firefox_and_safari_do_not_gate_local_network_access(engine: str) -> None:
    """Only Chromium asks: the other engines' results carry no note."""
    result = fetch(
        create_app(),
        "/oxygen",
        origin=EARTH,
        base_url="http://127.0.0.1:5000",
        browser=engine,  # type: ignore[arg-type]
    )

    assert result.local_network is None


def test_default_api_address_is_not_taken_for_a_local_one() -> None:
    """Without base_url or SERVER_NAME the API's address is unknown, so no note."""
    result = fetch(create_app(), "/oxygen", origin=EARTH)

    assert result.request.server == "http://localhost"
    assert result.local_network is None


def test_check_url_on_loopback_explains_local_network_access_not_cors() -> None:
    """``check --url http://127.0.0.1:5000/...`` prints the note and still exits 0 (CORS allows)."""
    result = check(
        create_app(),
        "--url",
        "http://127.0.0.1:5000/oxygen",
        "--origin",
        EARTH,
        "--browser",
        "chromium",
    )

    assert result.exit_code == 0, result.output
    assert "note: Local Network Access" in result.output
    assert "but in Chromium 142+ it needs Local Network Access first" in result.output
    assert "option to change" not in result.output
