"""Named hostile requests, each with the one safe answer the extension must give.

Every case goes through the real extension and Flask's test client. Values that a
real server would pass on as raw bytes (non-ASCII, CR/LF, NUL) are put straight into
the WSGI environ as latin-1 strings, which is what PEP 3333 servers do.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from flask_crossorigin import CrossOrigin, cross_origin

from .helpers import EARTH

ACAO = "Access-Control-Allow-Origin"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACAC = "Access-Control-Allow-Credentials"

API_EARTH = "https://api.earth.com"


def _boom_check(origin: str) -> bool:
    if "boom" in origin:
        raise RuntimeError("origin database unavailable")
    return origin.endswith(".mars.test")


def make_app() -> Flask:
    """One route per kind of policy; resources cover ``/public/*`` and ``/Docs/*``."""
    app = Flask("hostile")
    CrossOrigin(
        app,
        resources={
            "/public/*": {"origins": "*"},
            "/Docs/*": {"origins": [EARTH]},
            "/c++/*": {"origins": "*"},
        },
    )

    def view(**_values: str) -> str:
        return request.endpoint or ""

    def fresh_view() -> Callable[..., str]:
        # One function per route, as a real app would have.
        def routed(**_values: str) -> str:
            return request.endpoint or ""

        return routed

    routes: dict[str, dict[str, Any]] = {
        "/exact": {"origins": EARTH, "supports_credentials": True},
        "/pattern": {"origins": "https://*.earth.com", "supports_credentials": True},
        "/regex": {"origins": re.compile(r"https://[a-z]+\.mars\.test")},
        "/callable": {"origins": _boom_check},
        "/star": {"origins": "*"},
        "/null-listed": {"origins": ["null", EARTH]},
        "/normalised": {"origins": ["HTTPS://Earth.com:443"]},
        "/ipv6": {"origins": ["http://[0:0:0:0:0:0:0:1]:8000"]},
        "/idn": {"origins": ["https://bücher.example"]},
        "/listed-headers": {"origins": EARTH, "allow_headers": ["X-A", "X-B"]},
    }
    for rule, options in routes.items():
        endpoint = rule.strip("/").replace("-", "_")
        app.add_url_rule(
            rule, endpoint, cross_origin(**options)(fresh_view()), methods=["GET", "PUT", "DELETE"]
        )
    # resources are matched against the rule, so these are covered or not by their rule.
    app.add_url_rule("/public/<path:rest>", "public", view)
    app.add_url_rule("/private/<path:rest>", "private", view)
    app.add_url_rule("/Docs/<name>", "docs", view)
    app.add_url_rule("/docs/<name>", "docs_lower", view)
    app.add_url_rule("/c++/<name>", "cpp", view)
    app.add_url_rule("/c  /<name>", "c_spaces", view)
    return app


@dataclass(frozen=True)
class Case:
    path: str
    origin: str | None = None
    method: str = "GET"
    request_method: str | None = None
    request_headers: str | None = None
    raw: dict[str, str] = field(default_factory=dict)
    header_list: tuple[tuple[str, str], ...] = ()
    status: int = 200
    acao: str | None = None
    vary_origin: bool = True
    acah: tuple[str, ...] | None = None
    acam_has: str | None = None
    endpoint: str | None = None


def preflight(path: str, origin: str, method: str = "PUT", **kw: object) -> Case:
    kw.setdefault("status", 204)
    return Case(path, origin, method="OPTIONS", request_method=method, **kw)  # type: ignore[arg-type]


def refused_preflight(path: str, origin: str, method: str = "PUT", **kw: object) -> Case:
    return preflight(path, origin, method, status=403, **kw)


MANY = ",".join(f"x-h{i}" for i in range(1000))
BIG_ORIGIN = "https://" + "a." * 50_000 + "earth.com"

CASES = {
    # Suffix and prefix attacks on an exact origin and on a subdomain pattern.
    "suffix-vs-exact": Case("/exact", "https://earth.com.evil.com"),
    "prefix-vs-exact": Case("/exact", "https://evilearth.com"),
    "suffix-vs-pattern": Case("/pattern", "https://earth.com.evil.com"),
    "prefix-vs-pattern": Case("/pattern", "https://evilearth.com"),
    "sub-suffix-vs-pattern": Case("/pattern", "https://api.earth.com.evil.com"),
    "bare-domain-vs-pattern": Case("/pattern", EARTH),
    "other-scheme-vs-pattern": Case("/pattern", "http://api.earth.com"),
    "port-vs-pattern": Case("/pattern", "https://api.earth.com:8443"),
    "subdomain-allowed": Case("/pattern", API_EARTH, acao=API_EARTH),
    "deep-subdomain-allowed": Case(
        "/pattern", "https://a.b.earth.com", acao="https://a.b.earth.com"
    ),
    "suffix-preflight-vs-pattern": refused_preflight("/pattern", "https://earth.com.evil.com"),
    "prefix-preflight-vs-exact": refused_preflight("/exact", "https://evilearth.com"),
    "suffix-vs-regex": Case("/regex", "https://a.mars.test.evil.com"),
    "regex-dot-is-literal": Case("/regex", "https://aXmars.test"),
    # null
    "null-unlisted": Case("/exact", "null"),
    "null-unlisted-preflight": refused_preflight("/exact", "null"),
    "null-vs-pattern": Case("/pattern", "null"),
    "null-vs-callable": Case("/callable", "null"),
    "null-listed": Case("/null-listed", "null", acao="null"),
    "null-upper-case": Case("/null-listed", "NULL"),
    # Browsers send the serialised form only; anything else is another string.
    "upper-scheme": Case("/exact", "HTTPS://earth.com"),
    "upper-host": Case("/exact", "https://EARTH.com"),
    "upper-host-vs-pattern": Case("/pattern", "https://API.earth.com"),
    "upper-host-vs-regex": Case("/regex", "https://A.mars.test"),
    "default-port": Case("/exact", "https://earth.com:443"),
    "default-port-vs-pattern": Case("/pattern", "https://api.earth.com:443"),
    "config-normalised": Case("/normalised", EARTH, acao=EARTH),
    "config-normalised-raw-form": Case("/normalised", "HTTPS://Earth.com:443"),
    "trailing-slash": Case("/exact", EARTH + "/"),
    "path": Case("/exact", EARTH + "/path"),
    "path-vs-pattern": Case("/pattern", "https://evil.com/.earth.com"),
    "trailing-dot-vs-pattern": Case("/pattern", "https://api.earth.com."),
    "userinfo": Case("/exact", "https://user@earth.com"),
    "userinfo-host-swap": Case("/exact", "https://earth.com@evil.com"),
    "userinfo-vs-pattern": Case("/pattern", "https://api.earth.com@evil.com"),
    "userinfo-vs-callable": Case("/callable", "https://x@a.mars.test"),
    "ipv6-allowed": Case("/ipv6", "http://[::1]:8000", acao="http://[::1]:8000"),
    "ipv6-uncompressed": Case("/ipv6", "http://[0:0:0:0:0:0:0:1]:8000"),
    "ipv6-other-port": Case("/ipv6", "http://[::1]:8001"),
    "punycode-allowed": Case(
        "/idn", "https://xn--bcher-kva.example", acao="https://xn--bcher-kva.example"
    ),
    "unicode-host-utf8-bytes": Case("/idn", "https://b\xc3\xbccher.example"),
    "punycode-upper": Case("/idn", "https://xn--BCHER-kva.example"),
    # Two Origin headers arrive joined by ", " (WSGI); that is no single origin.
    "two-origin-headers": Case("/exact", header_list=(("Origin", EARTH), ("Origin", EARTH))),
    "two-origins-joined": Case("/pattern", f"{API_EARTH}, {API_EARTH}"),
    "two-origins-vs-star": Case("/star", f"{EARTH}, https://evil.com", acao="*", vary_origin=False),
    "big-origin-vs-exact": Case("/exact", "https://" + "e" * 100_000 + ".com"),
    "big-origin-vs-pattern": Case("/pattern", BIG_ORIGIN),
    "big-origin-vs-regex": Case("/regex", "https://" + "a" * 100_000 + ".mars.test!"),
    "big-origin-vs-callable": Case("/callable", "https://" + "a." * 50_000 + "mars.test!"),
    "big-origin-preflight-vs-pattern": refused_preflight("/pattern", BIG_ORIGIN),
    # Empty values.
    "empty-origin": Case("/exact", ""),
    "empty-origin-vs-pattern": Case("/pattern", ""),
    "empty-origin-preflight": refused_preflight("/pattern", ""),
    "empty-origin-vs-star": Case("/star", "", acao="*", vary_origin=False),
    "empty-request-method": refused_preflight("/pattern", API_EARTH, ""),
    "empty-request-headers": preflight("/pattern", API_EARTH, request_headers="", acao=API_EARTH),
    # Methods: matched ignoring case, echoed as spelled.
    "lower-case-method": preflight("/pattern", API_EARTH, "put", acao=API_EARTH, acam_has="put"),
    "unserved-method": refused_preflight("/pattern", API_EARTH, "PATCH"),
    "star-method": refused_preflight("/pattern", API_EARTH, "*"),
    "method-with-space": refused_preflight("/pattern", API_EARTH, "PUT "),
    "method-list": refused_preflight("/pattern", API_EARTH, "PUT, GET"),
    # Access-Control-Request-Headers parsing.
    "empty-and-repeated-commas": preflight(
        "/pattern",
        API_EARTH,
        request_headers=" ,, x-a , ,x-b,,  ,",
        acao=API_EARTH,
        acah=("x-a", "x-b"),
    ),
    "commas-only": preflight("/pattern", API_EARTH, request_headers=", , ,", acao=API_EARTH),
    "repeated-commas-vs-list": preflight(
        "/listed-headers", EARTH, request_headers=",x-a,,X-B,", acao=EARTH, acah=("X-A", "X-B")
    ),
    "unlisted-header-vs-list": refused_preflight(
        "/listed-headers", EARTH, request_headers="x-a,x-c"
    ),
    "thousand-headers": preflight(
        "/pattern",
        API_EARTH,
        request_headers=MANY,
        acao=API_EARTH,
        acah=tuple(MANY.split(",")),
    ),
    "thousand-headers-vs-list": refused_preflight("/listed-headers", EARTH, request_headers=MANY),
    "star-header-with-credentials": refused_preflight("/pattern", API_EARTH, request_headers="*"),
    "header-with-space": refused_preflight("/pattern", API_EARTH, request_headers="x-a,x b"),
    "header-with-semicolon": refused_preflight("/pattern", API_EARTH, request_headers="x-a;b"),
    "header-with-colon": refused_preflight("/pattern", API_EARTH, request_headers="x-a:1"),
    "header-quoted": refused_preflight("/pattern", API_EARTH, request_headers='"x-a"'),
    "header-non-ascii": refused_preflight("/pattern", API_EARTH, request_headers="x-\xe9"),
    "header-nul": refused_preflight("/pattern", API_EARTH, request_headers="x-a\x00"),
    "header-crlf": refused_preflight("/pattern", API_EARTH, request_headers="x-a\r\nSet-Cookie"),
    # Raw bytes a server passes on as latin-1.
    "origin-non-ascii": Case("/exact", "https://\xc3\xa9arth.com"),
    "origin-non-ascii-vs-pattern": Case("/pattern", "https://\xe9.earth.com"),
    "origin-non-ascii-vs-callable": Case("/callable", "https://\xe9.mars.test"),
    "origin-non-ascii-vs-star": Case("/star", "https://\xe9.com", acao="*", vary_origin=False),
    "origin-crlf-vs-exact": Case("/exact", EARTH + "\r\nSet-Cookie: a=b"),
    "origin-crlf-vs-pattern": Case("/pattern", API_EARTH + "\r\nX: y"),
    "origin-lf-vs-regex": Case("/regex", "https://a.mars.test\n"),
    "origin-nul-vs-callable": Case("/callable", "https://a.mars.test\x00"),
    "method-non-ascii": refused_preflight("/pattern", API_EARTH, "P\xd5T"),
    "private-network-not-allowed": refused_preflight(
        "/pattern", API_EARTH, raw={"HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK": "true"}
    ),
    # A callable that raises refuses (see also test_raising_callable_is_logged).
    "callable-allows": Case("/callable", "https://a.mars.test", acao="https://a.mars.test"),
    "callable-raises": Case("/callable", "https://boom.mars.test"),
    "callable-raises-preflight": refused_preflight("/callable", "https://boom.mars.test"),
    # resources are matched on the rule, case-sensitively (flask-cors CVE-2024-6839/6844/6866).
    "resource-covered": Case("/public/x", EARTH, acao="*", vary_origin=False, endpoint="public"),
    "resource-uncovered": Case("/private/x", EARTH, vary_origin=False, endpoint="private"),
    "resource-encoded-slash": Case(
        "/public%2F..%2Fprivate%2Fx", EARTH, acao="*", vary_origin=False, endpoint="public"
    ),
    "resource-dotdot": Case(
        "/public/../private/x", EARTH, acao="*", vary_origin=False, endpoint="public"
    ),
    "resource-upper-case-path": Case("/PUBLIC/x", EARTH, status=404, vary_origin=False),
    "resource-private-encoded": Case(
        "/private/x%2F..%2F..%2Fpublic", EARTH, vary_origin=False, endpoint="private"
    ),
    "resource-case-sensitive-rule": Case(
        "/docs/x", EARTH, vary_origin=False, endpoint="docs_lower"
    ),
    "resource-mixed-case-rule": Case("/Docs/x", EARTH, acao=EARTH, endpoint="docs"),
    "resource-plus": Case("/c++/x", EARTH, acao="*", vary_origin=False, endpoint="cpp"),
    "resource-encoded-plus": Case("/c%2B%2B/x", EARTH, acao="*", vary_origin=False, endpoint="cpp"),
    "resource-plus-is-not-space": Case("/c  /x", EARTH, vary_origin=False, endpoint="c_spaces"),
    "resource-preflight-uncovered": Case(
        "/private/x", EARTH, method="OPTIONS", request_method="GET", vary_origin=False
    ),
    "resource-preflight-upper-case": Case(
        "/PUBLIC/x", EARTH, method="OPTIONS", request_method="GET", status=404, vary_origin=False
    ),
}


def send(client, case: Case):  # type: ignore[no-untyped-def]
    environ: dict[str, str] = {}
    headers: list[tuple[str, str]] = list(case.header_list)
    if case.origin is not None:
        environ["HTTP_ORIGIN"] = case.origin
    if case.request_method is not None:
        environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] = case.request_method
    if case.request_headers is not None:
        environ["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = case.request_headers
    environ.update(case.raw)
    return client.open(case.path, method=case.method, headers=headers, environ_overrides=environ)


def split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@pytest.fixture(scope="module")
def hostile_client() -> FlaskClient:
    return make_app().test_client()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_request_gets_its_safe_answer(hostile_client: FlaskClient, case: Case) -> None:
    started = time.monotonic()
    response = send(hostile_client, case)
    elapsed = time.monotonic() - started

    assert response.status_code == case.status
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert response.headers.getlist(ACAO) == ([case.acao] if case.acao else [])
    if case.acao is None:
        assert not [name for name, _ in response.headers if name.startswith("Access-Control-")]
    vary = [v.lower() for v in split(", ".join(response.headers.getlist("Vary")))]
    assert ("origin" in vary) == case.vary_origin
    assert len(vary) == len(set(vary))
    if case.endpoint is not None:
        assert response.get_data(as_text=True) == case.endpoint
    if case.acah is not None:
        assert split(response.headers.get(ACAH)) == list(case.acah)
    if case.acam_has is not None:
        assert case.acam_has in split(response.headers.get(ACAM))
    for name, value in response.headers.items():
        assert not set(value) & {"\r", "\n", "\0"}, name
        if name.startswith("Access-Control-") and response.headers.get(ACAC) == "true":
            assert "*" not in split(value), (name, value)


def test_raising_callable_is_logged_and_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    # A fresh app: its callable's failure streak starts here (it is logged once per streak).
    client = make_app().test_client()
    with caplog.at_level(logging.INFO, logger="flask_crossorigin"):
        response = send(client, Case("/callable", "https://boom.mars.test\x1b[31m"))
        refused = send(client, CASES["callable-raises"])
    assert response.status_code == refused.status_code == 200
    assert ACAO not in refused.headers
    records = [r for r in caplog.records if r.name == "flask_crossorigin"]
    raised = [r for r in records if r.exc_info and isinstance(r.exc_info[1], RuntimeError)]
    assert len(raised) == 1, [r.getMessage() for r in records]
    assert "boom.mars.test" in raised[-1].getMessage()
    # Request values are quoted, so a terminal escape or a newline cannot forge a log line.
    assert all("\x1b" not in r.getMessage() and "\n" not in r.getMessage() for r in records)


def test_refusal_log_of_big_origin_is_cut_short(
    hostile_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="flask_crossorigin"):
        send(hostile_client, CASES["big-origin-preflight-vs-pattern"])
    messages = [r.getMessage() for r in caplog.records if r.name == "flask_crossorigin"]
    assert messages
    assert all(len(m) < 1000 for m in messages)


def test_narrower_resource_listed_first_wins() -> None:
    """resources entries are tried in order; the first whose pattern matches the rule wins."""
    app = Flask("order")
    CrossOrigin(
        app,
        resources={"/api/private/*": {"origins": [EARTH]}, "/api/*": {"origins": "*"}},
    )
    app.add_url_rule("/api/private/<x>", "private", lambda x: x)
    app.add_url_rule("/api/<x>", "public", lambda x: x)
    client = app.test_client()
    evil = {"Origin": "https://evil.com"}
    assert client.get("/api/private/a", headers=evil).headers.get(ACAO) is None
    assert client.get("/api/private/a", headers={"Origin": EARTH}).headers.get(ACAO) == EARTH
    assert client.get("/api/a", headers=evil).headers.get(ACAO) == "*"


def test_decorating_a_shared_view_does_not_open_its_other_routes() -> None:
    app = Flask("shared")
    CrossOrigin(app)

    def handler() -> str:
        return "secret"

    app.add_url_rule("/public", "public", cross_origin(origins="*")(handler))
    app.add_url_rule("/admin", "admin", handler)
    client = app.test_client()
    assert client.get("/public", headers={"Origin": EARTH}).headers.get(ACAO) == "*"
    assert ACAO not in client.get("/admin", headers={"Origin": "https://evil.com"}).headers


# Values no browser sends, which a server makes of two lines of one header: gunicorn joins
# them with ",", the WSGI environ of Werkzeug's test client with ", ". A shared cache keys
# its variant on the first line only, so a refusal it stored would be replayed to the real
# origin; these answers must be ones that no shared cache stores.
REPEATED_LINES = {
    "Origin, as gunicorn joins two lines": Case("/exact", "https://evil.com,https://earth.com"),
    "Origin, real origin first": Case("/exact", "https://earth.com,https://evil.com"),
    "Origin, two lines": Case("/exact", header_list=(("Origin", EARTH), ("Origin", EARTH))),
    "Origin, two lines vs pattern": Case(
        "/pattern", header_list=(("Origin", API_EARTH), ("Origin", "https://evil.com"))
    ),
    "Origin, two lines on a preflight": refused_preflight(
        "/exact", "https://earth.com,https://evil.com"
    ),
    "request method, two lines": refused_preflight("/exact", EARTH, "PUT,DELETE"),
    "request method, two lines joined by the test client": Case(
        "/exact",
        EARTH,
        method="OPTIONS",
        header_list=(
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Method", "DELETE"),
        ),
        status=403,
    ),
}


@pytest.mark.parametrize("case", REPEATED_LINES.values(), ids=REPEATED_LINES.keys())
def test_answer_to_a_value_only_repeated_lines_make_is_stored_by_no_shared_cache(
    hostile_client: FlaskClient, case: Case
) -> None:
    response = send(hostile_client, case)

    assert response.status_code == case.status
    assert ACAO not in response.headers
    directives = {
        part.split("=")[0].strip().lower()
        for line in response.headers.getlist("Cache-Control")
        for part in line.split(",")
    }
    assert directives & {"no-store", "private"}, response.headers.getlist("Cache-Control")


def test_a_repeated_private_network_header_is_answered_no_store() -> None:
    app = Flask(__name__)
    app.add_url_rule(
        "/pn", "pn", cross_origin(origins=EARTH, allow_private_network=True)(lambda: "ok")
    )
    CrossOrigin(app)
    environ = {
        "HTTP_ORIGIN": EARTH,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
        "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK": "true,true",
    }
    response = app.test_client().options("/pn", environ_overrides=environ)
    assert response.headers["Cache-Control"] == "no-store"
