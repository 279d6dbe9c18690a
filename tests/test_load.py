"""Load: gunicorn with 2 workers x 4 threads, a bounded concurrent run from a loopback client.

Preflights (allowed and refused), allowed, refused and origin-less actual requests, a
``*`` route and a route without a policy are mixed; every answer must carry exactly the
CORS headers of its own request (an ``X-Request-Id`` echo ties each answer to it).

CI runs a short version. For a long run: ``LOAD_REQUESTS=100000 python -m pytest -s
tests/test_load.py`` (``LOAD_SECONDS`` bounds the wall time; ``LOAD_CLIENTS`` the threads).
"""

from __future__ import annotations

import http.client
import itertools
import os
import random
import threading
import time
from dataclasses import dataclass, field

import pytest

from .helpers import EARTH, EVIL
from .servers import MARS, Call, Expected, gunicorn

pytestmark = pytest.mark.slow

REQUESTS = int(os.environ.get("LOAD_REQUESTS", "2000"))
SECONDS = float(os.environ.get("LOAD_SECONDS", str(max(15.0, REQUESTS / 200))))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "8"))

PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)


def no_cors(**extra: str | None) -> dict[str, str | None]:
    names = ("Allow-Origin", "Allow-Credentials", "Allow-Methods", "Allow-Headers")
    return {**{f"Access-Control-{n}": None for n in names}, **extra}


def make_call(index: int) -> Call:
    """The ``index``-th request of the mix, and what it must get back (deterministic)."""
    rng = random.Random(index)
    kind = rng.randrange(9)
    origin = rng.choice([EARTH, MARS])
    if kind == 0:  # allowed preflight, sometimes with headers, sometimes a lower-case method
        method = rng.choice(["PUT", "DELETE", "put"])
        asked = rng.choice([None, "x-a", "x-a,content-type"])
        headers = {"Origin": origin, "Access-Control-Request-Method": method}
        if asked:
            headers["Access-Control-Request-Headers"] = asked
        expect = no_cors(
            **{
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Headers": asked.replace(",", ", ") if asked else None,
                "Vary": PREFLIGHT_VARY,
            }
        )
        del expect["Access-Control-Allow-Methods"]  # checked by allow_methods_has
        return Call("OPTIONS", "/listed", headers, Expected(204, expect, method))
    if kind == 1:  # preflight from an origin that is not listed
        headers = {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
        return Call("OPTIONS", "/listed", headers, Expected(403, no_cors(Vary=PREFLIGHT_VARY)))
    if kind == 2:  # preflight for a method the route does not serve
        headers = {"Origin": origin, "Access-Control-Request-Method": "PATCH"}
        return Call("OPTIONS", "/listed", headers, Expected(403, no_cors(Vary=PREFLIGHT_VARY)))
    if kind == 3:  # allowed actual request
        expect = no_cors(**{"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
        return Call(
            rng.choice(["GET", "PUT"]), "/listed", {"Origin": origin}, Expected(200, expect)
        )
    if kind == 4:  # allowed credentialed request from a subdomain pattern
        sub = f"https://app{rng.randrange(100)}.mars.test"
        expect = no_cors(
            **{
                "Access-Control-Allow-Origin": sub,
                "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin",
            }
        )
        return Call("GET", "/credentials", {"Origin": sub}, Expected(200, expect))
    if kind == 5:  # refused actual request
        bad = rng.choice([EVIL, "null", EARTH + ".evil.com", "https://mars.test.evil.com"])
        path = rng.choice(["/listed", "/credentials"])
        return Call("GET", path, {"Origin": bad}, Expected(200, no_cors(Vary="Origin")))
    if kind == 6:  # no Origin at all
        path = rng.choice(["/listed", "/credentials"])
        return Call("GET", path, {}, Expected(200, no_cors(Vary="Origin")))
    if kind == 7:  # origins='*': the same answer for everyone, no Vary
        headers = {"Origin": rng.choice([EARTH, EVIL])} if rng.random() < 0.8 else {}
        expect = no_cors(**{"Access-Control-Allow-Origin": "*", "Vary": None})
        return Call("GET", "/star", headers, Expected(200, expect))
    # a route without a policy stays untouched
    return Call("GET", "/plain", {"Origin": origin}, Expected(200, no_cors(Vary=None)))


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0
    errors: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)


def check(call: Call, index: int, response: http.client.HTTPResponse) -> list[str]:
    """What is wrong with the headers of ``response`` (the status is checked apart)."""
    problems = call.header_problems(response)
    if response.getheader("X-Request-Id") != str(index):
        problems.append(f"X-Request-Id {response.getheader('X-Request-Id')!r}")
    return [f"#{index} {call.method} {call.path} {call.headers}: {p}" for p in problems]


def client(port: int, counter: itertools.count[int], deadline: float, tally: Tally) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        while time.monotonic() < deadline:
            index = next(counter)
            if index >= REQUESTS:
                return
            call = make_call(index)
            try:
                connection.request(
                    call.method, call.path, headers={**call.headers, "X-Request-Id": str(index)}
                )
                response = connection.getresponse()
                response.read()
                problems = check(call, index, response)
            except (OSError, http.client.HTTPException) as error:
                with tally.lock:
                    tally.errors.append(f"#{index}: {error!r}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            with tally.lock:
                tally.done += 1
                if response.status != call.expected.status:
                    tally.errors.append(f"#{index} {call.method} {call.path}: {response.status}")
                tally.wrong.extend(problems)
    finally:
        connection.close()


def test_concurrent_mixed_load_gets_correct_cors_headers_on_every_response() -> None:
    with gunicorn("load", workers=2, threads=4) as port:
        counter = itertools.count()
        tally = Tally()
        started = time.monotonic()
        deadline = started + SECONDS
        threads = [
            threading.Thread(target=client, args=(port, counter, deadline, tally), daemon=True)
            for _ in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 15)
        elapsed = time.monotonic() - started
    print(
        f"\nload: {tally.done}/{REQUESTS} requests, {len(tally.errors)} errors, "
        f"{len(tally.wrong)} wrong headers, {elapsed:.1f} s "
        f"({tally.done / elapsed:.0f} req/s, {CLIENTS} clients, gunicorn -w 2 --threads 4)"
    )
    assert not any(thread.is_alive() for thread in threads)
    assert tally.errors == [], tally.errors[:5]
    assert tally.wrong == [], tally.wrong[:5]
    assert tally.done == REQUESTS, f"only {tally.done} of {REQUESTS} within {SECONDS} s"


def test_the_mix_covers_every_kind_of_request() -> None:
    """The load is only meaningful if the mix really contains each kind, in fair numbers."""
    calls = [make_call(i) for i in range(2000)]
    statuses = {c.expected.status for c in calls}
    assert statuses == {200, 204, 403}
    paths = {(c.method, c.path) for c in calls}
    assert {("OPTIONS", "/listed"), ("GET", "/star"), ("GET", "/plain")} <= paths
    assert sum(1 for c in calls if not c.headers) > 100  # origin-less
    assert sum(1 for c in calls if c.expected.status == 403) > 200
