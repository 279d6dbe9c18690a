"""Origins: configuration normalised as browsers serialise, requests compared byte for byte."""

from __future__ import annotations

import logging
import re

import pytest

from flask_crossorigin.origins import normalise_origin, parse_origins

from .conftest import EARTH, make_app, preflight_headers


@pytest.mark.parametrize(
    ("configured", "serialised"),
    [
        ("https://earth.com", "https://earth.com"),
        ("HTTPS://Earth.COM:443", "https://earth.com"),
        ("http://earth.com:80", "http://earth.com"),
        ("http://earth.com:8080", "http://earth.com:8080"),
        ("https://earth.com:0443", "https://earth.com"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("http://[0:0:0:0:0:0:0:1]:8004", "http://[::1]:8004"),
        ("http://Bücher.example", "http://xn--bcher-kva.example"),
        ("http://a.test.:8001", "http://a.test.:8001"),
        ("https://*.Earth.com", "https://*.earth.com"),
        ("http://127.1:5000", "http://127.0.0.1:5000"),
        ("http://0x7f.0.0.1", "http://127.0.0.1"),
        ("null", "null"),
    ],
)
def test_configured_origin_is_normalised_as_a_browser_serialises_it(
    configured: str, serialised: str
) -> None:
    assert normalise_origin(configured) == serialised


@pytest.mark.parametrize(
    ("origins", "origin", "allowed"),
    [
        (EARTH, EARTH, True),
        (EARTH, "https://earth.com.evil.com", False),
        (EARTH, "https://evilearth.com", False),
        (EARTH, "http://earth.com", False),
        (EARTH, "https://earth.com:8443", False),
        (EARTH, "https://EARTH.com", False),
        (EARTH, "https://earth.com/", False),
        ("HTTPS://Earth.com:443", EARTH, True),
        ("https://*.earth.com", "https://api.earth.com", True),
        ("https://*.earth.com", "https://a.b.earth.com", True),
        ("https://*.earth.com", EARTH, False),
        ("https://*.earth.com", "https://earth.com.evil.com", False),
        ("https://*.earth.com", "https://api.earth.com.evil.com", False),
        ("https://*.earth.com", "https://evilearth.com", False),
        ("https://*.earth.com", "https://.earth.com", False),
        ("https://*.earth.com", "http://api.earth.com", False),
        ("https://*.earth.com", "https://api.earth.com:8443", False),
        ("http://*.localhost:5000", "http://app.localhost:5000", True),
        ("http://*.localhost:5000", "http://app.localhost:5001", False),
        ("http://*.localhost:5000", "http://app.localhost", False),
        (re.compile(r"https://[a-z]+\.earth\.com"), "https://api.earth.com", True),
        (re.compile(r"https://[a-z]+\.earth\.com"), "https://api.earth.com.evil.com", False),
        (re.compile(r"https://.*"), "https://x.com\r\nX-Injected: 1", False),
        (lambda origin: origin.endswith(".earth.com"), "https://api.earth.com", True),
        (lambda origin: origin.endswith(".earth.com"), "https://api.mars.com", False),
        ([EARTH, "https://mars.com"], "https://mars.com", True),
        ("*", "https://anything.example", True),
        (EARTH, "null", False),
        (["null"], "null", True),
    ],
)
def test_request_origin_is_allowed_only_by_an_exact_pattern_regex_or_check_match(
    origins: object, origin: str, allowed: bool
) -> None:
    assert parse_origins(origins).allows(origin) is allowed


def test_null_origin_in_the_list_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        parse_origins(["null", EARTH])
    assert "sandboxed" in caplog.text


def test_origin_check_that_raises_refuses_and_logs_instead_of_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_check(origin: str) -> bool:
        raise KeyError(origin)

    app = make_app()

    @app.get("/data")
    def data() -> str:
        return "ok"

    from flask_crossorigin import cross_origin

    app.view_functions["data"] = cross_origin(origins=broken_check)(data)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="flask_crossorigin"):
        actual = client.get("/data", headers={"Origin": EARTH})
        refused = client.options("/data", headers=preflight_headers(method="GET", headers="x"))
    assert actual.status_code == 200
    assert "Access-Control-Allow-Origin" not in actual.headers
    assert refused.status_code == 403
    assert "broken_check raised" in caplog.text


def test_origin_check_returning_a_truthy_non_bool_refuses_as_a_failed_check() -> None:
    """A check must return True; "yes" refuses the origin as a failed check (None), not a no."""
    assert parse_origins(lambda origin: "yes").allows(EARTH) is None


def test_pattern_over_a_whole_top_level_domain_logs_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        parse_origins(["https://*.com", "http://*.localhost:5000"])
    assert caplog.text.count("every site under the top-level domain") == 1
