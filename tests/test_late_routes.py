"""Routes added after ``init_app``, under a real threaded gunicorn (``-k gthread``).

Such routes are resolved at the first request. A burst of first requests must never run the
view of a route whose policy cannot be built, and every good route must answer correctly;
afterwards that route answers every request with the same ``500``, at the same cost, and its
error is logged once per process, not per request. The apps are
``tests.servers.create_late_routes_app``; every client stays on 127.0.0.1 with timeouts.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from pathlib import Path

import pytest

from .helpers import EARTH, EVIL
from .servers import MARS, Call, Expected, gunicorn

pytestmark = pytest.mark.slow

ACAO = "Access-Control-Allow-Origin"
#: Enough work that resolving the late routes at the first request lasts ~0.1 s.
LATE_ROUTES = 2000
UNUSED_RESOURCES = 300
BURST_THREADS = 32
BURST_ROUNDS = 2


def acao_call(
    method: str, path: str, headers: dict[str, str], status: int, acao: str | None
) -> Call:
    """A request, and the status and ``Access-Control-Allow-Origin`` (or none) it must get."""
    return Call(method, path, headers, Expected(status, {ACAO: acao}))


BROKEN = [
    acao_call("GET", "/broken", {"Origin": EARTH}, 500, None),
    acao_call("PUT", "/broken", {"Origin": EARTH}, 500, None),
    acao_call(
        "OPTIONS", "/broken", {"Origin": EARTH, "Access-Control-Request-Method": "PUT"}, 500, None
    ),
]
GOOD = [
    acao_call("GET", "/early", {"Origin": EARTH}, 200, EARTH),
    acao_call(
        "OPTIONS", "/early", {"Origin": EARTH, "Access-Control-Request-Method": "PUT"}, 204, EARTH
    ),
    acao_call("GET", f"/late/{LATE_ROUTES - 1}", {"Origin": MARS}, 200, MARS),
    acao_call("GET", "/late/1234", {"Origin": EVIL}, 200, None),
    acao_call(
        "OPTIONS", "/late/7", {"Origin": MARS, "Access-Control-Request-Method": "PUT"}, 204, MARS
    ),
    acao_call("PUT", "/after", {"Origin": MARS}, 200, MARS),
    acao_call(
        "OPTIONS", "/after", {"Origin": EARTH, "Access-Control-Request-Method": "PUT"}, 403, None
    ),
]


def burst_call(thread: int, round_: int) -> Call:
    """Half of the burst asks for the broken route, half for the good ones."""
    index = thread * BURST_ROUNDS + round_
    if thread % 2 == 0:
        return BROKEN[index % len(BROKEN)]
    return GOOD[index % len(GOOD)]


def send(port: int, call: Call) -> list[str]:
    """Send ``call`` on a new connection: what is wrong with its answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request(call.method, call.path, headers=call.headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    problems = call.header_problems(response)
    if response.status != call.expected.status:
        problems.append(f"status {response.status}")
    return problems


def test_first_burst_never_runs_the_view_of_a_route_whose_policy_cannot_be_built(
    tmp_path: Path,
) -> None:
    ran = tmp_path / "broken-view-ran"
    app = f"create_late_routes_app({str(ran)!r}, {LATE_ROUTES}, {UNUSED_RESOURCES})"
    problems: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(BURST_THREADS, timeout=30)

    def client(port: int, thread: int) -> None:
        try:
            barrier.wait()  # every thread's first request leaves at once
            for round_ in range(BURST_ROUNDS):
                call = burst_call(thread, round_)
                wrong = send(port, call)
                if wrong:
                    with lock:
                        problems.append(f"{call}: {wrong}")
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            with lock:
                problems.append(f"thread {thread}: {error!r}")

    # No request before the burst: the port is only probed with a connection.
    with gunicorn(app=app, workers=2, threads=8, wait_path=None) as port:
        threads = [
            threading.Thread(target=client, args=(port, number), daemon=True)
            for number in range(BURST_THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
    runs = ran.read_text().splitlines() if ran.exists() else []
    assert runs == [], f"the broken route's view ran {len(runs)} times"
    assert problems == [], problems[:5]


SEQUENTIAL = 300


def test_route_whose_policy_cannot_be_built_answers_the_same_500_at_constant_cost(
    tmp_path: Path,
) -> None:
    ran = tmp_path / "broken-view-ran"
    log_path = tmp_path / "gunicorn.log"
    answers: set[tuple[int, bytes]] = set()
    durations: list[float] = []
    deadline = time.monotonic() + 60  # stops a run that slows down, instead of hanging
    with gunicorn(app=f"create_late_routes_app({str(ran)!r})", log_path=log_path) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            for _ in range(SEQUENTIAL):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                connection.request("GET", "/broken", headers={"Origin": EARTH})
                response = connection.getresponse()
                body = response.read()
                durations.append(time.perf_counter() - started)
                answers.add((response.status, body))
        finally:
            connection.close()
    log = log_path.read_bytes()
    text = log.decode(errors="replace")
    mentions = [line for line in text.splitlines() if "'broken'" in line]
    first, last = statistics.median(durations[:50]), statistics.median(durations[-50:])
    print(
        f"\n{len(durations)} requests to the broken route: median {first * 1e3:.1f} ms "
        f"(first 50), {last * 1e3:.1f} ms (last 50); log {len(log)} bytes"
    )

    assert len(durations) == SEQUENTIAL, f"only {len(durations)} requests within 60 s"
    assert len(answers) == 1, f"{len(answers)} different answers"
    ((status, _body),) = answers
    assert status == 500
    assert not ran.exists(), "the broken route's view ran"
    # Logged once for this one worker process (a message line, and at most its exception's).
    assert 1 <= len(mentions) <= 2, (len(mentions), mentions[:3])
    assert text.count("Traceback") <= 1
    assert len(log) < 20_000, f"{len(log)} bytes of log"
    assert last <= 2 * first + 0.002, f"{first * 1e3:.1f} ms -> {last * 1e3:.1f} ms"
