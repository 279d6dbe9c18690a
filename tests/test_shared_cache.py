"""A real shared cache (Varnish) in front of the app under gunicorn.

Responses are ``Cache-Control: public, max-age=60`` and Varnish is told to cache
preflights too, so the only thing that keeps one origin's answer from another is the
``Vary`` the extension sends. Each response must carry exactly the CORS headers of its
own request, while ``X-Varnish`` (two ids on a hit), ``Age`` and the backend's call id
prove that repeated requests really were answered from the cache. A control route that
drops ``Vary`` shows that this cache would otherwise replay one origin's answer to another.

The second half (issue 11) puts a Varnish that also obeys ``Cache-Control: no-store`` and
``private`` in front of ``create_cache_control_app``: no answer to an ``OPTIONS`` that is no
preflight, and no private-network answer, is replayed to another preflight, and a refusal of
repeated header lines (sent raw over a socket) is never replayed to the real origin.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest

from .helpers import EARTH, EVIL
from .servers import MARS, OBEYING_VCL, gunicorn, require_varnishd, varnish

pytestmark = pytest.mark.slow

ACAO = "access-control-allow-origin"
_unique = itertools.count()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]

    @property
    def hit(self) -> bool:
        """Varnish's ``X-Varnish`` holds two ids on a hit (this request's, the object's)."""
        return len(self.headers["x-varnish"].split()) == 2

    @property
    def backend_call(self) -> str:
        return self.headers["x-backend-call"]


@pytest.fixture(scope="module")
def cache_port() -> Iterator[int]:
    require_varnishd()
    with gunicorn("cache", workers=1, threads=4) as app_port, varnish(app_port) as port:
        yield port


def fetch(port: int, method: str, path: str, headers: Mapping[str, str | None]) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        sent = {name: value for name, value in headers.items() if value is not None}
        connection.request(method, path, headers=sent)
        response = connection.getresponse()
        response.read()
        names = [name.lower() for name, _ in response.getheaders()]
        assert names.count(ACAO) <= 1
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()})
    finally:
        connection.close()


def unique(path: str) -> str:
    """A URL no other test has put in the cache (Flask ignores the query string)."""
    return f"{path}?n={next(_unique)}-{time.monotonic_ns()}"


ACTUAL_ROUTES = {
    "listed": ("/listed", {EARTH, MARS}, [EARTH, MARS, None, EVIL, "null"]),
    "credentials": (
        "/credentials",
        {EARTH, "https://api.mars.test"},
        [EARTH, "https://api.mars.test", MARS, None, EVIL],
    ),
}


@pytest.mark.parametrize("route", ACTUAL_ROUTES)
def test_cached_actual_response_is_only_replayed_to_its_own_origin(
    cache_port: int, route: str
) -> None:
    path, allowed, origins = ACTUAL_ROUTES[route]
    url = unique(path)
    first_call: dict[str | None, str] = {}
    # Two rounds over every origin (and no origin): the first fills the cache, one
    # variant per Origin value; the second must be served from it, unchanged.
    for round_ in range(2):
        for origin in origins:
            answer = fetch(cache_port, "GET", url, {"Origin": origin})
            assert answer.status == 200
            expected = origin if origin in allowed else None
            assert answer.headers.get(ACAO) == expected, (round_, origin, answer.headers)
            if route == "credentials":
                assert answer.headers.get("access-control-allow-credentials") == (
                    "true" if expected else None
                )
            assert "origin" in answer.headers["vary"].lower()
            if round_ == 0:
                assert not answer.hit, (origin, answer.headers)
                first_call[origin] = answer.backend_call
            else:
                assert answer.hit, (origin, answer.headers)
                assert answer.backend_call == first_call[origin]
    # Every origin needed its own trip to the app.
    assert len(set(first_call.values())) == len(origins)


def test_star_answer_is_shared_by_every_origin(cache_port: int) -> None:
    """Without credentials, ``*`` is the same answer for all, so one cached copy serves all."""
    url = unique("/star")
    answers = [fetch(cache_port, "GET", url, {"Origin": o}) for o in (EARTH, MARS, None, EVIL)]
    assert [a.headers.get(ACAO) for a in answers] == ["*"] * 4
    assert [a.hit for a in answers] == [False, True, True, True]
    assert len({a.backend_call for a in answers}) == 1
    assert all("vary" not in a.headers for a in answers)


def test_control_without_vary_this_cache_would_leak_one_origins_answer(cache_port: int) -> None:
    """The same route with its ``Vary`` removed: proof that the cache above is a real threat."""
    url = unique("/no-vary")
    earth = fetch(cache_port, "GET", url, {"Origin": EARTH})
    mars = fetch(cache_port, "GET", url, {"Origin": MARS})
    nobody = fetch(cache_port, "GET", url, {"Origin": None})
    assert earth.headers.get(ACAO) == EARTH and not earth.hit
    assert mars.hit and mars.headers.get(ACAO) == EARTH  # Mars is handed Earth's answer
    assert nobody.hit and nobody.headers.get(ACAO) == EARTH


PREFLIGHTS = [
    # (origin, Access-Control-Request-Method, -Headers) -> status, ACAO, ACAH
    ((EARTH, "PUT", None), (204, EARTH, None)),
    ((MARS, "PUT", None), (204, MARS, None)),
    ((EVIL, "PUT", None), (403, None, None)),
    (("null", "PUT", None), (403, None, None)),
    ((EARTH, "DELETE", None), (204, EARTH, None)),
    ((EARTH, "PATCH", None), (403, None, None)),
    ((EARTH, "put", None), (204, EARTH, None)),
    ((EARTH, "PUT", "x-a"), (204, EARTH, "x-a")),
    ((EARTH, "PUT", "x-b"), (204, EARTH, "x-b")),
    ((EARTH, "PUT", "x-a,x-b"), (204, EARTH, "x-a, x-b")),
    ((MARS, "PUT", "x-b"), (204, MARS, "x-b")),
    ((EVIL, "PUT", "x-b"), (403, None, None)),
]


def test_cached_preflight_is_only_replayed_for_the_same_origin_method_and_headers(
    cache_port: int,
) -> None:
    url = unique("/listed")
    first_call = {}
    for round_ in range(2):
        for (origin, method, request_headers), (status, acao, acah) in PREFLIGHTS:
            answer = fetch(
                cache_port,
                "OPTIONS",
                url,
                {
                    "Origin": origin,
                    "Access-Control-Request-Method": method,
                    "Access-Control-Request-Headers": request_headers,
                },
            )
            key = (origin, method, request_headers)
            assert answer.status == status, (round_, key, answer.headers)
            assert answer.headers.get(ACAO) == acao, (round_, key, answer.headers)
            assert answer.headers.get("access-control-allow-headers") == acah, (round_, key)
            if status == 204:
                methods = answer.headers["access-control-allow-methods"].split(", ")
                assert method in methods
            vary = {v.strip().lower() for v in answer.headers["vary"].split(",")}
            assert {"origin", "access-control-request-method"} <= vary
            assert "access-control-request-headers" in vary
            if round_ == 0:
                assert not answer.hit, (key, answer.headers)
                first_call[key] = answer.backend_call
            else:
                # Stored, not computed again: the app's call number is the first one's.
                assert answer.hit, (key, answer.headers)
                assert answer.backend_call == first_call[key]
    assert len(set(first_call.values())) == len(PREFLIGHTS)


def test_options_without_origin_is_not_mixed_with_preflights(cache_port: int) -> None:
    url = unique("/listed")
    preflight = {"Origin": EARTH, "Access-Control-Request-Method": "PUT"}
    allowed = fetch(cache_port, "OPTIONS", url, preflight)
    plain = fetch(cache_port, "OPTIONS", url, {"Access-Control-Request-Method": "PUT"})
    again = fetch(cache_port, "OPTIONS", url, preflight)
    assert allowed.status == 204 and allowed.headers.get(ACAO) == EARTH
    assert plain.status == 200 and ACAO not in plain.headers and not plain.hit
    assert again.hit and again.headers.get(ACAO) == EARTH


# Issue 11: a cache in front must never turn one request's answer into another's.
#
# From here on the app is ``create_cache_control_app`` and Varnish obeys ``Cache-Control:
# no-store`` and ``private`` (OPTIONS included) but otherwise stores OPTIONS as above.

ACAM = "access-control-allow-methods"
ACAPN = "access-control-allow-private-network"
PUT_PREFLIGHT = {"Origin": EARTH, "Access-Control-Request-Method": "PUT"}


@dataclass(frozen=True)
class Servers:
    app: int
    cache: int


@pytest.fixture(scope="module")
def obeying() -> Iterator[Servers]:
    require_varnishd()
    with (
        gunicorn(app="create_cache_control_app()", workers=1, threads=4) as app_port,
        varnish(app_port, OBEYING_VCL) as cache_port,
    ):
        yield Servers(app_port, cache_port)


def test_control_this_cache_stores_options_and_replays_one_without_vary(obeying: Servers) -> None:
    """Proof that the cache below stores an OPTIONS and hands it to the next preflight."""
    url = unique("/no-vary")
    bare = fetch(obeying.cache, "OPTIONS", url, {})
    preflight = fetch(obeying.cache, "OPTIONS", url, PUT_PREFLIGHT)
    assert bare.status == 200 and not bare.hit
    assert preflight.hit and preflight.status == 200 and ACAM not in preflight.headers


NON_PREFLIGHT_OPTIONS = {
    "listed, no headers": ("/listed", {}),
    "listed, Origin only": ("/listed", {"Origin": EARTH}),
    "listed, request method only": ("/listed", {"Access-Control-Request-Method": "PUT"}),
    "star, no headers": ("/star", {}),
    "star, Origin only": ("/star", {"Origin": EARTH}),
    "star, request method only": ("/star", {"Access-Control-Request-Method": "PUT"}),
}


@pytest.mark.parametrize(
    ("path", "first"), NON_PREFLIGHT_OPTIONS.values(), ids=NON_PREFLIGHT_OPTIONS.keys()
)
def test_cached_answer_to_an_options_that_is_no_preflight_is_never_replayed_to_a_preflight(
    obeying: Servers, path: str, first: dict[str, str | None]
) -> None:
    url = unique(path)
    plain = fetch(obeying.cache, "OPTIONS", url, first)
    preflight = fetch(obeying.cache, "OPTIONS", url, PUT_PREFLIGHT)
    assert plain.status == 200 and not plain.hit
    # Replayed, the 200 without Access-Control-Allow-Methods would block every PUT.
    assert preflight.status == 204, preflight.headers
    assert preflight.headers.get(ACAO) == ("*" if path == "/star" else EARTH)
    assert "PUT" in preflight.headers.get(ACAM, "").split(", ")


PRIVATE_NETWORK = {"Access-Control-Request-Private-Network": "true"}
# route, first preflight, second preflight -> (status, ACAPN) of each
PRIVATE_NETWORK_ORDERS = {
    "refused private-network first, on a route without it": (
        "/listed",
        (PRIVATE_NETWORK, 403, None),
        ({}, 204, None),
    ),
    "ordinary first, on a route without it": (
        "/listed",
        ({}, 204, None),
        (PRIVATE_NETWORK, 403, None),
    ),
    "ordinary first, on a route that allows it": (
        "/private-network",
        ({}, 204, None),
        (PRIVATE_NETWORK, 204, "true"),
    ),
    "private-network first, on a route that allows it": (
        "/private-network",
        (PRIVATE_NETWORK, 204, "true"),
        ({}, 204, None),
    ),
}


@pytest.mark.parametrize(
    ("path", "first", "second"),
    PRIVATE_NETWORK_ORDERS.values(),
    ids=PRIVATE_NETWORK_ORDERS.keys(),
)
def test_private_network_preflight_and_ordinary_preflight_are_never_replayed_to_each_other(
    obeying: Servers,
    path: str,
    first: tuple[dict[str, str], int, str | None],
    second: tuple[dict[str, str], int, str | None],
) -> None:
    url = unique(path)
    for extra, status, acapn in (first, second):
        answer = fetch(obeying.cache, "OPTIONS", url, {**PUT_PREFLIGHT, **extra})
        assert (answer.status, answer.headers.get(ACAPN)) == (status, acapn), (extra, answer)
        assert answer.headers.get(ACAO) == (EARTH if status == 204 else None)


def raw_request(port: int, method: str, path: str, lines: list[str]) -> Answer:
    """Send header lines exactly as given (repeated names included), over a real socket."""
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *lines, "Connection: close"]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        response.read()
        headers: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return Answer(response.status, headers)


# Requests a browser never sends: what a server makes of two lines of one header.
REPEATED_LINES = {
    "two Origin lines, real origin first": (
        "GET",
        ["Origin: https://earth.com", "Origin: https://evil.com"],
    ),
    "two Origin lines, real origin last": (
        "GET",
        ["Origin: https://evil.com", "Origin: https://earth.com"],
    ),
    "preflight with two Origin lines": (
        "OPTIONS",
        [
            "Origin: https://earth.com",
            "Origin: https://evil.com",
            "Access-Control-Request-Method: PUT",
        ],
    ),
    "preflight with two request-method lines": (
        "OPTIONS",
        [
            "Origin: https://earth.com",
            "Access-Control-Request-Method: PUT",
            "Access-Control-Request-Method: DELETE",
        ],
    ),
}


def no_shared_cache_stores(answer: Answer) -> bool:
    directives = {
        d.strip().split("=")[0].lower() for d in answer.headers.get("cache-control", "").split(",")
    }
    return bool(directives & {"no-store", "private"})


@pytest.mark.parametrize(("method", "lines"), REPEATED_LINES.values(), ids=REPEATED_LINES.keys())
def test_answer_to_repeated_header_lines_from_gunicorn_is_marked_for_no_shared_cache(
    obeying: Servers, method: str, lines: list[str]
) -> None:
    answer = raw_request(obeying.app, method, unique("/listed"), lines)
    assert ACAO not in answer.headers
    assert no_shared_cache_stores(answer), answer.headers


@pytest.mark.parametrize(("method", "lines"), REPEATED_LINES.values(), ids=REPEATED_LINES.keys())
def test_refusal_of_repeated_header_lines_is_never_replayed_to_the_real_origin(
    obeying: Servers, method: str, lines: list[str]
) -> None:
    """Varnish keys a variant on the first line of each header ``Vary`` names."""
    url = unique("/listed")
    hostile = raw_request(obeying.cache, method, url, lines)
    real = fetch(
        obeying.cache, method, url, PUT_PREFLIGHT if method == "OPTIONS" else {"Origin": EARTH}
    )
    assert ACAO not in hostile.headers
    assert real.headers.get(ACAO) == EARTH, real.headers
    assert real.status == (204 if method == "OPTIONS" else 200)
    assert real.backend_call != hostile.backend_call
