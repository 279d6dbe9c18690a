"""A real shared cache (Varnish) in front of the app under gunicorn.

Responses are ``Cache-Control: public, max-age=60`` and Varnish is told to cache
preflights too, so the only thing that keeps one origin's answer from another is the
``Vary`` the extension sends. Each response must carry exactly the CORS headers of its
own request, while ``X-Varnish`` (two ids on a hit), ``Age`` and the backend's call id
prove that repeated requests really were answered from the cache. A control route that
drops ``Vary`` shows that this cache would otherwise replay one origin's answer to another.
"""

from __future__ import annotations

import http.client
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from .servers import EARTH, MARS, gunicorn, require_varnishd, varnish

pytestmark = pytest.mark.slow

EVIL = "https://evil.com"
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


def fetch(port: int, method: str, path: str, headers: dict[str, str | None]) -> Answer:
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
    for round_ in range(3):
        if round_ == 2:
            time.sleep(1.1)  # so that Age shows the answers were stored, not recomputed
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
                assert answer.hit, (key, answer.headers)
                assert answer.backend_call == first_call[key]
                if round_ == 2:
                    assert int(answer.headers["age"]) >= 1
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
