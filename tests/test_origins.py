"""Origins: configuration normalised as browsers serialise, requests compared byte for byte."""

from __future__ import annotations

import ast
import importlib
import json
import logging
import re
import time
from collections.abc import Callable

import pytest
from flask import Flask

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin
from flask_crossorigin import _origins as origins_module
from flask_crossorigin._cli import cors_cli
from flask_crossorigin._origins import normalise_origin, parse_origins

from .helpers import (
    EARTH,
    bare_app,
    make_app,
    preflight_headers,
    records,
)


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


# origins=[]: covered and closed.


@pytest.mark.parametrize("empty", [[], (), set(), frozenset(), iter(())])
def test_any_empty_origins_is_accepted_and_allows_nothing(empty: object) -> None:
    """``origins=[]`` (any empty iterable) parses to a matcher that allows no origin."""
    matcher = parse_origins(empty)
    assert matcher.allows_nothing
    assert matcher.describe() == []
    assert matcher.allows(EARTH) is False
    assert matcher.allows("null") is False


@pytest.mark.parametrize(
    "configure",
    [
        lambda app: CrossOrigin(app, origins=[]),
        lambda app: CrossOrigin().init_app(app, origins=[]),
        lambda app: (app.config.update(CORS_ORIGINS=[]), CrossOrigin(app)),
    ],
    ids=["keyword", "init_app", "CORS_ORIGINS"],
)
def test_empty_app_level_origins_start_cover_every_route_and_warn_once(
    configure: Callable[[Flask], object], caplog: pytest.LogCaptureFixture
) -> None:
    """An empty app-level list starts, closes every route, and logs one WARNING on opening one."""
    app = bare_app()
    app.add_url_rule("/items", "items", lambda: "items", methods=["GET", "PUT"])
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        configure(app)
    (warning,) = records(caplog)
    assert "covers every route and allows no origin" in warning
    assert "CORS_ORIGINS=['https://app.example.com']" in warning
    client = app.test_client()
    preflight = client.options("/items", headers=preflight_headers(method="PUT"))
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    actual = client.get("/items", headers={"Origin": EARTH})
    assert actual.status_code == 200
    assert "Access-Control-Allow-Origin" not in actual.headers
    assert "Origin" in actual.headers.get("Vary", "")


def test_empty_origins_on_a_decorator_closes_that_route_under_a_broad_policy_without_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``@cross_origin(origins=[])`` under an app open to all closes its route, silently."""
    app = bare_app()
    app.add_url_rule("/open", "open", lambda: "open")
    app.add_url_rule("/closed", "closed", cross_origin(origins=[])(lambda: "closed"))
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        CrossOrigin(app, origins="*")
    assert records(caplog) == []
    client = app.test_client()
    assert client.get("/open", headers={"Origin": EARTH}).headers["Access-Control-Allow-Origin"]
    closed = client.get("/closed", headers={"Origin": EARTH})
    assert "Access-Control-Allow-Origin" not in closed.headers
    assert client.options("/closed", headers=preflight_headers(method="GET")).status_code == 403


def test_empty_origins_on_a_resources_entry_closes_its_routes_without_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A ``resources`` entry with ``origins: []`` closes the routes it matches, silently."""
    app = bare_app()
    app.add_url_rule("/api/items", "items", lambda: "items")
    app.add_url_rule("/api/admin", "admin", lambda: "admin")
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        CrossOrigin(app, resources={"/api/admin": {"origins": []}, "/api/*": {"origins": [EARTH]}})
    assert records(caplog) == []
    client = app.test_client()
    assert (
        client.get("/api/items", headers={"Origin": EARTH}).headers["Access-Control-Allow-Origin"]
        == EARTH
    )
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/api/admin", headers={"Origin": EARTH}).headers
    )


def test_routes_json_shows_an_empty_origins_list_for_a_closed_route() -> None:
    """``describe()`` of a closed policy is ``[]``, which ``flask cors routes`` prints."""
    app = make_app(origins=[])
    app.add_url_rule("/items", "items", lambda: "items")
    result = app.test_cli_runner().invoke(cors_cli, ["routes", "--json"])
    assert result.exit_code == 0, result.output
    (route,) = [r for r in json.loads(result.output) if r["endpoint"] == "items"]
    assert route["policy"]["origins"] == []


# "*" in a list.


def test_a_list_holding_only_star_means_star() -> None:
    """``origins=["*"]`` is ``origins="*"``: every origin, ``*`` on the wire."""
    assert parse_origins(["*"]) == parse_origins("*")
    app = make_app(origins=["*"])
    app.add_url_rule("/x", "x", lambda: "x")
    response = app.test_client().get("/x", headers={"Origin": "https://anywhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_star_beside_other_origins_means_star_and_warns_naming_the_redundant_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``["*", EARTH, "https://*.mars.com"]`` allows every origin; the log names the other two."""
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        matcher = parse_origins(["*", EARTH, "https://*.mars.com"])
    assert matcher.any_origin
    (warning,) = records(caplog)
    assert "'https://earth.com'" in warning
    assert "'https://*.mars.com'" in warning
    assert "redundant" in warning


def test_star_beside_an_invalid_origin_still_reports_the_invalid_one() -> None:
    """The entries beside ``"*"`` are still validated: a typo is an error, not silently dropped."""
    with pytest.raises(CorsConfigError, match="has no scheme"):
        parse_origins(["*", "earth.com"])


def test_star_in_a_list_with_credentials_is_refused_like_star() -> None:
    """``["*"]`` with credentials is the ``"*"`` with credentials a browser rejects."""
    with pytest.raises(CorsConfigError, match="supports_credentials=True with origins='\\*'"):
        make_app(origins=["*"], supports_credentials=True)


# Callables that fail.


class Tenants:
    """A tenant lookup that raises for unknown tenants until told otherwise."""

    def __init__(self) -> None:
        self.known: dict[str, object] = {}

    def __call__(self, origin: str) -> bool:
        return self.known[origin] is not None  # KeyError for an unknown tenant


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "flask_crossorigin" and r.levelno >= logging.ERROR
    ]


def test_a_raising_callable_logs_its_traceback_at_most_once_a_minute(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 failures, interleaved with a tenant that works, log one traceback; a minute later
    the next failure logs again, with the number left out."""
    now = [1000.0]
    monkeypatch.setattr("flask_crossorigin._errors.time.monotonic", lambda: now[0])
    tenants = Tenants()
    tenants.known[EARTH] = True
    matcher = parse_origins(tenants)
    with caplog.at_level(logging.ERROR, logger="flask_crossorigin"):
        results = set()
        for i in range(200):
            results.add(matcher.allows(f"https://t{i}.example"))
            assert matcher.allows(EARTH) is True  # a success does not restart the log
        assert len(_errors(caplog)) == 1
        now[0] += 61
        assert matcher.allows("https://gone.example") is None
        assert "(199 more since the last such line)" in _errors(caplog)[1].getMessage()
    assert results == {None}
    records = _errors(caplog)
    assert len(records) == 2
    assert all(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in records)
    assert "Tenants" in records[0].getMessage()


@pytest.mark.parametrize(
    "returned",
    [re.match("x", "x"), {"tenant": "earth"}, None, 1],
    ids=["re.Match", "record", "None", "int"],
)
def test_a_callable_returning_a_non_bool_refuses_and_logs_an_error_naming_it(
    returned: object, caplog: pytest.LogCaptureFixture
) -> None:
    """A non-bool result is the callable's bug: a failed check (None), one ERROR naming it."""

    def lookup_tenant(origin: str) -> object:
        return returned

    matcher = parse_origins(lookup_tenant)
    with caplog.at_level(logging.ERROR, logger="flask_crossorigin"):
        verdicts = [matcher.allows(EARTH) for _ in range(50)]
    assert verdicts == [None] * 50
    (record,) = _errors(caplog)
    assert "lookup_tenant" in record.getMessage()
    assert type(returned).__name__ in record.getMessage()


def test_a_failing_callable_beside_a_listed_origin_does_not_refuse_the_listed_one() -> None:
    """A listed origin is allowed before any callable runs; an unlisted one gets None."""

    def broken(origin: str) -> bool:
        raise RuntimeError("database down")

    matcher = parse_origins([EARTH, broken])
    assert matcher.allows(EARTH) is True
    assert matcher.allows("https://mars.com") is None


def test_a_callable_returning_false_refuses_with_false() -> None:
    """A check that answers False is a plain refusal (cacheable), not a failure."""
    assert parse_origins(lambda origin: False).allows(EARTH) is False


def test_failing_callable_answers_requests_without_a_500_through_the_app() -> None:
    """A KeyError in ``origins`` refuses the preflight (403) and the actual request (no ACAO)."""
    app = make_app(origins=Tenants())
    app.add_url_rule("/x", "x", lambda: "x", methods=["GET", "PUT"])
    client = app.test_client()
    assert client.options("/x", headers=preflight_headers(method="PUT")).status_code == 403
    actual = client.get("/x", headers={"Origin": EARTH})
    assert actual.status_code == 200
    assert "Access-Control-Allow-Origin" not in actual.headers


# Patterns that backtrack.

NESTED = re.compile(r"https://([a-z0-9-]+\.?)+\.earth\.com")


@pytest.mark.parametrize(
    "pattern",
    [
        NESTED,
        re.compile(r"https://(a+)+\.earth\.com"),
        re.compile(r"https://(\w+\.?)*\.earth\.com"),
        re.compile(r"https://(www\.|api\.)+earth\.com"),
    ],
    ids=["nested-optional-dot", "nested-plus", "nested-word", "repeated-alternation"],
)
def test_a_pattern_that_can_backtrack_exponentially_is_warned_about_at_start_up(
    pattern: re.Pattern[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Nested quantifiers or a repeated alternation get a start-up WARNING naming the pattern."""
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        make_app(origins=pattern)
    (warning,) = records(caplog)
    assert "exponential time" in warning
    assert repr(pattern.pattern) in warning


@pytest.mark.parametrize(
    "pattern",
    [
        r"https://([a-z0-9-]+\.)*earth\.com",
        r"https://(\.?[a-z]+)x",
        r"http[s]?://(localhost|127\.0\.0\.1)(:\d+)?",
        r"https://[a-z]+\.earth\.com",
        r"https://(\.[a-z0-9]+)*\.earth\.com",
    ],
)
def test_a_pattern_whose_repeats_split_one_way_only_is_not_warned_about(
    pattern: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A repeat whose body ends with a character it cannot repeat, or a bounded one, is fine."""
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        parse_origins(re.compile(pattern))
    assert records(caplog) == []


@pytest.mark.parametrize("host_length", [20, 24, 40, 200, 400])
def test_no_crafted_origin_makes_a_backtracking_pattern_take_more_than_milliseconds(
    host_length: int,
) -> None:
    """Unbounded, a 20-character host costs ~94 ms, doubling per character; bounded, it is tiny."""
    matcher = parse_origins(NESTED)
    for origin in (
        "https://" + "a" * host_length,
        "https://" + "a" * host_length + ".earth.co",
        "https://" + "a-" * (host_length // 2),
        "https://" + "a." * (host_length // 2) + "earth.coma",
    ):
        started = time.perf_counter()
        assert not matcher.allows(origin)
        # Generous for a loaded 2-core machine; 24 characters unbounded take over a second.
        assert time.perf_counter() - started < 0.05, origin


def test_a_backtracking_pattern_still_allows_its_short_origins() -> None:
    """The bound refuses only long origins: short ones the pattern matches are allowed."""
    matcher = parse_origins(NESTED)
    assert matcher.allows("https://a.earth.com") is True
    assert matcher.allows("https://earth.com") is False


# Public suffixes.


@pytest.mark.parametrize(
    "pattern",
    ["https://*.co.uk", "https://*.com.au", "https://*.github.io", "https://*.herokuapp.com"],
)
@pytest.mark.parametrize("full_list", [True, False], ids=["publicsuffixlist", "built-in"])
def test_pattern_over_a_public_suffix_logs_the_top_level_domain_warning(
    pattern: str,
    full_list: bool,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``*.co.uk`` lets in anyone who registers a name there, like ``*.com``; with either list."""
    if full_list:
        importlib.import_module("publicsuffixlist")  # in the test extra: never skipped
    else:
        monkeypatch.setattr(origins_module, "_public_suffix_check", lambda domain: False)
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        parse_origins(pattern)
    (warning,) = records(caplog)
    assert "every site under the public suffix" in warning


def test_the_registrable_domain_the_public_suffix_warning_suggests_is_not_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The suggested ``https://*.earth.co.uk``, pasted, warns of nothing and allows subdomains."""
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        parse_origins("https://*.co.uk")
    suggested = re.search(r"e\.g\. '([^']+)'", records(caplog)[0])
    assert suggested is not None
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        matcher = parse_origins(suggested[1])
    assert records(caplog) == []
    assert matcher.allows("https://shop.earth.co.uk") is True
    assert matcher.allows("https://shop.evil.co.uk") is False


@pytest.mark.parametrize("pattern", ["https://*.earth.com", "http://*.localhost:5000"])
def test_pattern_under_a_registrable_domain_or_localhost_is_not_warned_about(
    pattern: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A company's own domain and ``localhost`` are not public suffixes."""
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        parse_origins(pattern)
    assert records(caplog) == []


def test_with_publicsuffixlist_installed_every_listed_suffix_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``gov.pl`` is on the Public Suffix List but not in the short built-in list."""
    importlib.import_module("publicsuffixlist")  # in the test extra: never skipped
    assert "gov.pl" not in origins_module.COMMON_PUBLIC_SUFFIXES
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        parse_origins("https://*.gov.pl")
    (warning,) = records(caplog)
    assert "public suffix 'gov.pl'" in warning


@pytest.mark.parametrize(
    "check", [Tenants(), lambda origin: {"tenant": "earth"}], ids=["raises", "returns-a-record"]
)
def test_refusals_of_a_failing_callable_are_not_to_be_cached(check: object) -> None:
    """The hooks answer allows() None with ``Cache-Control: no-store``: the failure may pass."""
    app = make_app(origins=check)
    app.add_url_rule("/x", "x", lambda: "x", methods=["GET", "PUT"])
    client = app.test_client()
    preflight = client.options("/x", headers=preflight_headers(method="PUT"))
    assert preflight.status_code == 403
    assert preflight.headers.get("Cache-Control") == "no-store"
    actual = client.get("/x", headers={"Origin": EARTH})
    assert "Access-Control-Allow-Origin" not in actual.headers
    assert "no-store" in actual.headers.get("Cache-Control", "")


def test_the_origin_the_empty_app_level_warning_suggests_opens_the_app_when_pasted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The warning's ``CORS_ORIGINS=[...]``, pasted into the config, opens every route to it."""
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        make_app(origins=[])
    found = re.search(r"CORS_ORIGINS=(\[[^\]]+\])", records(caplog)[0])
    assert found is not None
    app = Flask("mars")
    app.config["CORS_ORIGINS"] = ast.literal_eval(found[1])
    app.add_url_rule("/x", "x", lambda: "x")
    CrossOrigin(app)
    origin = app.config["CORS_ORIGINS"][0]
    response = app.test_client().get("/x", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin


def test_the_rewrite_the_backtracking_warning_suggests_allows_long_subdomains_unbounded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``([a-z0-9-]+\\.)*`` for ``([a-z0-9-]+\\.?)+``: no warning, no bound, the same origins."""
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        matcher = parse_origins(re.compile(r"https://([a-z0-9-]+\.)+earth\.com"))
    assert records(caplog) == []
    assert matcher.allows("https://staging.tenant-one.eu.earth.com") is True
    started = time.perf_counter()
    assert matcher.allows("https://" + "a" * 200 + ".earth.co") is False
    assert time.perf_counter() - started < 0.05


def test_the_bool_the_non_bool_error_suggests_makes_the_callable_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The ERROR says to return ``bool(match)``; so wrapped, the check allows and refuses."""
    pattern = re.compile(r"https://[a-z]+\.earth\.com")
    with caplog.at_level(logging.ERROR, logger="flask_crossorigin"):
        parse_origins(pattern.fullmatch).allows("https://api.earth.com")
    assert "bool(match)" in caplog.text
    fixed = parse_origins(lambda origin: bool(pattern.fullmatch(origin)))
    assert fixed.allows("https://api.earth.com") is True
    assert fixed.allows("https://evil.com") is False


def test_file_origin_can_be_listed() -> None:
    app = bare_app()
    app.add_url_rule(
        "/items", "items", cross_origin(origins=["file://"])(lambda: "ok"), methods=["PUT"]
    )
    CrossOrigin(app)
    client = app.test_client()

    answer = client.options("/items", headers=preflight_headers("file://", "PUT"))
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "file://"
    actual = client.put("/items", headers={"Origin": "file://"})
    assert actual.headers["Access-Control-Allow-Origin"] == "file://"
    assert client.options("/items", headers=preflight_headers("null", "PUT")).status_code == 403


def test_origins_callable_is_consulted_for_a_file_origin() -> None:
    seen: list[str] = []

    def from_the_app_shell(origin: str) -> bool:
        seen.append(origin)
        return origin == "file://"

    app = bare_app()
    app.add_url_rule("/items", "items", cross_origin(origins=from_the_app_shell)(lambda: "ok"))
    CrossOrigin(app)

    actual = app.test_client().get("/items", headers={"Origin": "file://"})

    assert seen == ["file://"]
    assert actual.headers.get("Access-Control-Allow-Origin") == "file://"
