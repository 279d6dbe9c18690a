"""OriginSource: origins loaded at run time, cached per worker and key, reloaded in background."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import pytest
from flask import Blueprint, Flask, Request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from flask_crossorigin import CorsConfigError, CrossOrigin, OriginSource, cross_origin
from flask_crossorigin._cli import cors_cli
from flask_crossorigin._origins import normalise_origin, parse_origins
from flask_crossorigin._sources import _validate
from flask_crossorigin.testing import assert_cors_policy, fetch

from .helpers import EARTH

VENUS = "https://venus.test"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """A loader whose answer the test changes, counting its calls and their overlap."""

    def __init__(self, *origins: str, delay: float = 0.0) -> None:
        self.origins: object = list(origins)
        self.calls: list[Hashable] = []
        self.delay = delay
        self.running = 0
        self.most_at_once = 0
        self.guard = threading.Lock()

    def __call__(self, key: Hashable = None) -> Any:
        with self.guard:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.calls.append(key)
        try:
            if self.delay:
                time.sleep(self.delay)
            if isinstance(self.origins, BaseException):
                raise self.origins
            if callable(self.origins):
                return self.origins(key)
            return self.origins
        finally:
            with self.guard:
                self.running -= 1


def make_source(loader: Callable[..., Any], clock: Clock | None = None, **kw: Any) -> OriginSource:
    source = OriginSource(loader, **kw)
    if clock is not None:
        source.clock = clock
    return source


def settle(source: OriginSource) -> None:
    """Wait (bounded) until no background reload of ``source`` is under way."""
    deadline = time.monotonic() + 5
    while any(slot.loading is not None for slot in list(source._slots.values())):
        assert time.monotonic() < deadline, "a background reload did not finish"
        time.sleep(0.005)


def served(origins: Any, **options: Any) -> Flask:
    app = Flask("tenants")
    app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)
    CrossOrigin(app, origins=origins, **options)

    @app.route("/items", methods=["GET", "PUT"])
    def items() -> str:
        return "items"

    return app


def preflight(app: Flask, origin: str, host: str = "localhost") -> Any:
    return app.test_client().options(
        "/items",
        base_url=f"http://{host}",
        headers={"Origin": origin, "Access-Control-Request-Method": "PUT"},
    )


def actual(app: Flask, origin: str, host: str = "localhost") -> Any:
    return app.test_client().get("/items", base_url=f"http://{host}", headers={"Origin": origin})


# Building


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"load": "https://earth.com"}, TypeError, "load must be callable"),
        ({"load": list, "key": "host"}, TypeError, "key must be callable"),
        ({"load": list, "ttl": "60"}, TypeError, "ttl must be a number"),
        ({"load": list, "ttl": True}, TypeError, "ttl must be a number"),
        ({"load": list, "ttl": 0}, ValueError, "ttl must be a positive"),
        ({"load": list, "ttl": -1.5}, ValueError, "ttl must be a positive"),
        ({"load": list, "ttl": float("inf")}, ValueError, "ttl must be a positive"),
        ({"load": list, "ttl": float("nan")}, ValueError, "ttl must be a positive"),
        ({"load": list, "max_keys": 0}, ValueError, "max_keys must be at least 1"),
        ({"load": list, "max_keys": 2.5}, TypeError, "max_keys must be an int"),
    ],
)
def test_bad_constructor_argument_fails_at_once(
    arguments: dict[str, Any], error: type[Exception], names: str
) -> None:
    """A wrong argument is a TypeError or ValueError when the source is built, never per request."""
    load = arguments.pop("load")
    with pytest.raises(error, match=names):
        OriginSource(load, **arguments)


def test_source_is_accepted_alone_and_beside_static_origins() -> None:
    """parse_origins takes a source alone or in a list, keeping the static origins static."""
    source = OriginSource(Loader(VENUS))
    assert parse_origins(source).sources == (source,)
    mixed = parse_origins([EARTH, source, "https://*.mars.test"])
    assert mixed.sources == (source,)
    assert mixed.exact == frozenset({EARTH})
    assert mixed.allows(EARTH) is True
    assert mixed.allows(VENUS) is True
    assert mixed.allows("https://api.mars.test") is True
    assert mixed.allows("https://pluto.test") is False


# Answers on the wire


def test_loaded_origin_is_allowed_on_preflight_and_actual_request() -> None:
    """An origin the loader returns gets Access-Control-Allow-Origin on both requests."""
    app = served(OriginSource(Loader(VENUS, "https://*.venus.test")))
    assert preflight(app, VENUS).status_code == 204
    assert preflight(app, VENUS).headers["Access-Control-Allow-Origin"] == VENUS
    assert actual(app, VENUS).headers["Access-Control-Allow-Origin"] == VENUS
    sub = "https://shop.venus.test"
    assert actual(app, sub).headers["Access-Control-Allow-Origin"] == sub


@pytest.mark.parametrize(
    "origin", [EARTH, "https://venus.test.evil.com", "https://venus.test/", "HTTPS://VENUS.TEST"]
)
def test_origin_the_loader_does_not_return_is_refused(origin: str) -> None:
    """Anything but a loaded origin, byte for byte, gets a 403 preflight and no CORS header."""
    app = served(OriginSource(Loader(VENUS, "https://*.venus.test")))
    assert preflight(app, origin).status_code == 403
    response = actual(app, origin)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_source_works_in_a_decorator_and_a_resources_entry() -> None:
    """A source is accepted wherever origins is: here a decorator and a resources entry."""
    source = OriginSource(Loader(VENUS))
    app = Flask("layers")
    CrossOrigin(app, resources={"/api/*": {"origins": source}})

    @app.get("/api/x")
    def api() -> str:
        return "api"

    @app.get("/view")
    @cross_origin(origins=source)
    def view() -> str:
        return "view"

    client = app.test_client()
    for path in ("/api/x", "/view"):
        got = client.get(path, headers={"Origin": VENUS})
        assert got.headers["Access-Control-Allow-Origin"] == VENUS


def test_source_works_in_a_blueprint_policy_and_the_cors_origins_key() -> None:
    """A blueprint policy and CORS_ORIGINS take a source like any origins value."""
    source = OriginSource(Loader(VENUS))
    app = Flask("keyed")
    app.config["CORS_ORIGINS"] = source
    cors = CrossOrigin(app)
    shop = Blueprint("shop", __name__)

    @shop.get("/shop")
    def shop_view() -> str:
        return "shop"

    cors.init_app(shop, origins=OriginSource(Loader(EARTH)))
    app.register_blueprint(shop)

    @app.get("/app")
    def app_view() -> str:
        return "app"

    client = app.test_client()
    assert client.get("/app", headers={"Origin": VENUS}).headers["Access-Control-Allow-Origin"]
    assert client.get("/shop", headers={"Origin": EARTH}).headers["Access-Control-Allow-Origin"]
    assert (
        "Access-Control-Allow-Origin" not in client.get("/shop", headers={"Origin": VENUS}).headers
    )


def test_empty_load_is_a_good_load_that_allows_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """An empty result refuses every origin with a definite False and logs no error."""
    source = OriginSource(Loader())
    assert source.allows(VENUS) is False
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# Cache and reload


def test_set_is_loaded_once_then_served_from_memory_for_ttl() -> None:
    """Within ttl, any number of requests cause one load."""
    clock, loader = Clock(), Loader(VENUS)
    app = served(make_source(loader, clock, ttl=10))
    for _ in range(20):
        assert actual(app, VENUS).headers["Access-Control-Allow-Origin"] == VENUS
    clock.now += 9.9
    assert actual(app, VENUS).headers["Access-Control-Allow-Origin"] == VENUS
    assert len(loader.calls) == 1


def test_expired_set_answers_from_the_old_set_while_one_background_reload_runs() -> None:
    """After ttl, the noticing request is answered from the old set; later ones see the new set."""
    clock, loader = Clock(), Loader(VENUS)
    source = make_source(loader, clock, ttl=10)
    assert source.allows(VENUS) is True
    loader.origins = [EARTH]
    clock.now += 10
    gate = threading.Event()
    loader.origins = lambda _key: (gate.wait(5), [EARTH])[1]
    assert source.allows(VENUS) is True  # old set, not waited for
    assert source.allows(EARTH) is False
    gate.set()
    settle(source)
    assert source.allows(EARTH) is True
    assert source.allows(VENUS) is False
    assert len(loader.calls) == 2


def ask_at_once(source: OriginSource, origin: str, threads: int) -> list[bool | None]:
    """``source.allows(origin)`` from ``threads`` threads released together; their answers."""
    barrier = threading.Barrier(threads)
    answers: list[bool | None] = []

    def ask() -> None:
        barrier.wait(5)
        answers.append(source.allows(origin))

    started = [threading.Thread(target=ask) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(5)
    return answers


def test_thirty_two_threads_at_expiry_cause_exactly_one_load() -> None:
    """32 threads that all find the set expired start one load, and the loader never overlaps."""
    clock, loader = Clock(), Loader(VENUS, delay=0.05)
    source = make_source(loader, clock, ttl=10)
    source.allows(VENUS)
    clock.now += 11
    answers = ask_at_once(source, VENUS, threads=32)
    settle(source)
    assert answers == [True] * 32
    assert len(loader.calls) == 2
    assert loader.most_at_once == 1


def test_thirty_two_threads_on_a_cold_worker_wait_for_one_first_load() -> None:
    """Before any load, concurrent requests all wait for the same single load and are allowed."""
    loader = Loader(VENUS, delay=0.05)
    source = OriginSource(loader)
    answers = ask_at_once(source, VENUS, threads=32)
    assert answers == [True] * 32
    assert len(loader.calls) == 1


# Failures


@pytest.mark.parametrize(
    "junk",
    [
        None,
        "https://venus.test",
        b"https://venus.test",
        42,
        {"https://venus.test": True},
        RuntimeError("database is down"),
    ],
    ids=["None", "str", "bytes", "int", "dict", "raises"],
)
def test_junk_loader_fails_closed_without_a_500(
    junk: object, caplog: pytest.LogCaptureFixture
) -> None:
    """A loader returning junk or raising refuses every origin, logs one ERROR, and never 500s."""
    loader = Loader()
    loader.origins = junk
    source = OriginSource(loader)
    app = served(source)
    assert source.allows(VENUS) is None
    assert preflight(app, VENUS).status_code == 403
    response = actual(app, VENUS)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "Loader" in errors[0].getMessage()
    assert "every origin is refused" in errors[0].getMessage()


def test_failed_reload_keeps_the_last_good_set_and_logs_one_error_per_streak(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing reload streak keeps the old set in use, with one ERROR per streak."""
    clock, loader = Clock(), Loader(VENUS)
    source = make_source(loader, clock, ttl=60)
    assert source.allows(VENUS) is True
    loader.origins = RuntimeError("database is down")
    for _ in range(6):
        clock.now += 61
        assert source.allows(VENUS) is True
        settle(source)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "the 1 origins loaded before stay in use" in errors[0].getMessage()
    loader.origins = [EARTH]
    clock.now += 61
    source.allows(VENUS)
    settle(source)
    assert source.allows(EARTH) is True
    assert any("loaded again after" in r.getMessage() for r in caplog.records)
    loader.origins = RuntimeError("down again")
    clock.now += 61
    source.allows(EARTH)
    settle(source)
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2


def test_retries_back_off_from_a_second_up_to_ttl() -> None:
    """After failures, retries start 1, 2, 4, 8... s apart, capped at ttl, never per request."""
    clock, loader = Clock(), Loader(VENUS)
    source = make_source(loader, clock, ttl=10)
    source.allows(VENUS)
    loader.origins = RuntimeError("down")
    clock.now += 10
    source.allows(VENUS)
    settle(source)
    retried_after: list[float] = []
    waited = 0.0
    while len(retried_after) < 6:
        calls = len(loader.calls)
        clock.now += 0.25
        waited += 0.25
        for _ in range(5):
            source.allows(VENUS)
        settle(source)
        if len(loader.calls) > calls:
            assert len(loader.calls) == calls + 1
            retried_after.append(waited)
            waited = 0.0
    assert retried_after == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_first_load_failing_refuses_until_a_retry_succeeds() -> None:
    """Before any good load a key is closed; the retry after the back-off is waited for."""
    clock, loader = Clock(), Loader()
    loader.origins = RuntimeError("down")
    source = make_source(loader, clock, ttl=30)
    assert source.allows(VENUS) is None
    assert source.allows(VENUS) is None
    assert len(loader.calls) == 1
    loader.origins = [VENUS]
    clock.now += 1
    assert source.allows(VENUS) is True
    assert len(loader.calls) == 2


# Entries


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ("https://venus.test/", "has a path"),
        ("venus.test", "has no scheme"),
        ("https://venus\\.test", "regular expression"),
        ("*", "'*'"),
        ("null", "any page can send"),
        ("https://*.com", "top-level domain"),
        (b"https://venus.test", "is not a string"),
        (None, "is not a string"),
    ],
)
def test_invalid_entry_is_skipped_with_one_warning_and_the_rest_still_work(
    entry: object, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An invalid entry is named in one WARNING, once per process; the valid entries are allowed."""
    clock, loader = Clock(), Loader()
    loader.origins = [entry, "HTTPS://Venus.Test:443"]
    source = make_source(loader, clock, ttl=5)
    assert source.allows(VENUS) is True
    clock.now += 5
    source.allows(VENUS)
    settle(source)
    source.refresh()
    source.allows(VENUS)
    assert len(loader.calls) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert said in warnings[0]


@pytest.mark.parametrize(
    "entry",
    [
        "https://earth.com",
        "http://earth.com:80",
        "https://earth.com:443",
        "https://earth.com:8443",
        "http://a.b-c.earth.com:99999",
        "https://*.earth.com",
        "https://xn--bcher-kva.example",
        "https://127.0.0.1",
        "https://earth.com:0443",
        "https://earth.com.",
        "https://-a.com",
        "https://a..com",
        "https://a.com-",
        "https://a.c",
        "http://a.b:65536",
        "http://a.b:65535",
        "https://Earth.com",
    ],
)
def test_entry_from_a_source_is_normalised_exactly_as_a_configured_origin(entry: str) -> None:
    """The fast path for already-serialised entries agrees with normalise_origin."""
    try:
        expected: str | None = normalise_origin(entry)
    except CorsConfigError:
        expected = None
    assert _validate(entry)[0] == expected


@given(
    st.builds(
        lambda scheme, star, host, port: f"{scheme}://{star}{host}{port}",
        st.sampled_from(["http", "https", "HTTPS", "ftp"]),
        st.sampled_from(["", "*."]),
        st.text(alphabet="ab0-.Z", min_size=1, max_size=12),
        st.sampled_from(["", ":80", ":443", ":0", ":08080", ":65536", ":1"]),
    )
)
@settings(max_examples=300, deadline=None)
def test_fast_path_never_disagrees_with_normalise_origin(entry: str) -> None:
    """Whatever the entry, a source keeps it only in the form normalise_origin gives."""
    try:
        expected: str | None = normalise_origin(entry)
    except CorsConfigError:
        expected = None
    got, why = _validate(entry)
    # A source refuses some origins that a configuration may name (null, '*.' over a top-level
    # domain), always saying why; every origin it keeps is exactly normalise_origin's.
    assert (got is None) == (why is not None), (got, why)
    if why is None:
        assert got == expected


def test_hundred_thousand_entries_load_in_bounded_time_and_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """100,000 origins load in seconds, are looked up in a set, and the load is logged."""
    entries = [f"https://t{i}.venus.test" for i in range(100_000)]
    source = OriginSource(Loader(*entries))
    caplog.set_level(logging.DEBUG, logger="flask_crossorigin")
    started = time.perf_counter()
    assert source.allows("https://t99999.venus.test") is True
    assert time.perf_counter() - started < 5
    assert any("100000 entries (100000 valid)" in r.getMessage() for r in caplog.records)
    started = time.perf_counter()
    for _ in range(1000):
        source.allows("https://t5.venus.test")
    assert time.perf_counter() - started < 0.1


def test_many_invalid_entries_log_a_bounded_number_of_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Thousands of invalid entries cost a few warning lines, not thousands."""
    source = OriginSource(Loader(*[f"tenant{i}.test" for i in range(5000)], VENUS))
    assert source.allows(VENUS) is True
    assert len(caplog.records) <= 12
    assert "4990 more invalid entries" in caplog.records[-1].getMessage()


# Keys


def tenant_origins(key: Hashable) -> list[str]:
    return {"a.saas.test": ["https://a.shop"], "b.saas.test": ["https://b.shop"]}.get(str(key), [])


def host_key(request: Request) -> str:
    return request.host


def test_each_key_has_its_own_set_and_load_receives_the_key() -> None:
    """With key=request.host, a tenant's origin is allowed on its own host only."""
    loader = Loader()
    loader.origins = tenant_origins
    app = served(OriginSource(loader, key=host_key))
    got = actual(app, "https://a.shop", host="a.saas.test")
    assert got.headers["Access-Control-Allow-Origin"] == "https://a.shop"
    assert "Access-Control-Allow-Origin" not in actual(app, "https://a.shop", "b.saas.test").headers
    assert preflight(app, "https://b.shop", host="b.saas.test").status_code == 204
    assert sorted(map(str, loader.calls)) == ["a.saas.test", "b.saas.test"]


def test_key_can_be_given_without_a_request_context() -> None:
    """allows(origin, key=...) asks for a key's set outside any request (Engine.io's callback)."""
    loader = Loader()
    loader.origins = tenant_origins
    source = OriginSource(loader, key=host_key)
    assert source.allows("https://a.shop", key="a.saas.test") is True
    assert source.allows("https://a.shop", key="b.saas.test") is False


def test_key_is_read_from_a_wsgi_environ_outside_a_request_context() -> None:
    """allows_environ builds the request the key function reads from a bare WSGI environ."""
    loader = Loader()
    loader.origins = tenant_origins
    source = OriginSource(loader, key=host_key)
    environ = EnvironBuilder(base_url="http://a.saas.test").get_environ()
    assert source.allows_environ("https://a.shop", environ) is True
    assert source.allows_environ("https://b.shop", environ) is False
    assert OriginSource(Loader(VENUS)).allows_environ(VENUS, environ) is True


def test_least_recently_used_key_is_dropped_beyond_max_keys() -> None:
    """New keys beyond max_keys evict the least recently used one, which then loads again."""
    loader = Loader()
    loader.origins = tenant_origins
    source = OriginSource(loader, key=host_key, max_keys=2)
    for key in ("a.saas.test", "b.saas.test", "a.saas.test", "c.saas.test"):
        source.allows("https://a.shop", key=key)
    assert list(source._slots) == ["a.saas.test", "c.saas.test"]
    source.allows("https://b.shop", key="b.saas.test")
    assert loader.calls == ["a.saas.test", "b.saas.test", "c.saas.test", "b.saas.test"]
    assert len(source._slots) == 2


@pytest.mark.parametrize("key_result", [RuntimeError("no tenant"), None])
def test_failing_key_function_refuses_and_logs_at_most_once_a_minute(
    key_result: object, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key function that raises or returns None refuses the origin, logged at most once a
    minute, however its failures interleave with successes."""
    now = [1000.0]
    monkeypatch.setattr("flask_crossorigin._errors.time.monotonic", lambda: now[0])
    broken = True

    def key(request: Request) -> object:
        if not broken:
            return request.host
        if isinstance(key_result, BaseException):
            raise key_result
        return key_result

    loader = Loader()
    loader.origins = lambda _key: ["https://a.shop"]
    app = served(OriginSource(loader, key=key))
    for _ in range(3):
        assert preflight(app, "https://a.shop").status_code == 403
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
    broken = False
    assert preflight(app, "https://a.shop").status_code == 204
    broken = True
    assert preflight(app, "https://a.shop").status_code == 403
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
    now[0] += 61
    assert preflight(app, "https://a.shop").status_code == 403
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "(3 more since the last such line)" in errors[1]


# Refresh


def test_refresh_makes_the_next_request_reload_and_wait() -> None:
    """After refresh(), the next request of each key sees the new set, well within ttl."""
    clock, loader = Clock(), Loader()
    loader.origins = tenant_origins
    source = make_source(loader, clock, ttl=3600, key=host_key)
    assert source.allows("https://new.shop", key="a.saas.test") is False
    assert source.allows("https://b.shop", key="b.saas.test") is True
    loader.origins = lambda _key: ["https://new.shop"]
    source.refresh()
    assert source.allows("https://new.shop", key="a.saas.test") is True
    assert source.allows("https://new.shop", key="b.saas.test") is True
    assert len(loader.calls) == 4


def test_refresh_during_a_background_reload_still_reloads_after_it() -> None:
    """A reload begun before refresh() may have read old data, so the next request loads again."""
    clock, loader = Clock(), Loader(VENUS)
    source = make_source(loader, clock, ttl=10)
    source.allows(VENUS)
    gate = threading.Event()
    loader.origins = lambda _key: (gate.wait(5), [VENUS])[1]
    clock.now += 10
    source.allows(VENUS)  # starts the background reload, which reads the old table
    loader_after = [EARTH]
    source.refresh()
    gate.set()
    settle(source)
    loader.origins = loader_after
    assert source.allows(EARTH) is True


# Describing, advising, checking


def test_describe_shows_loader_ttl_and_what_is_loaded() -> None:
    """The description names the loader and ttl, then the count and age once loaded."""
    clock = Clock()

    def load_tenants() -> list[str]:
        return [VENUS, "https://*.venus.test"]

    source = make_source(load_tenants, clock, ttl=30)
    assert source.describe() == (
        "OriginSource(load_tenants, ttl=30): not loaded yet in this process"
    )
    source.allows(VENUS)
    clock.now += 12
    assert source.describe().endswith("ttl=30): 2 origins, loaded 12s ago")
    assert parse_origins([EARTH, source]).describe() == [EARTH, source.describe()]


def test_advice_names_the_loader_not_origins() -> None:
    """Advice for a refused origin says to add it to what the loader returns."""

    def load_tenants() -> list[str]:
        return []

    matcher = parse_origins(OriginSource(load_tenants))
    assert matcher.advice(VENUS) == f"add {VENUS!r} to what load_tenants returns"
    assert parse_origins([EARTH]).advice(VENUS) is None


def test_problems_reports_a_raising_loader_and_invalid_entries() -> None:
    """problems() loads once, outside the cache, and names each thing wrong."""

    def load_tenants() -> Iterable[str]:
        return [VENUS, "venus.test", "https://venus.test/app"]

    def load_broken() -> Iterable[str]:
        raise ConnectionError("no database")

    found = OriginSource(load_tenants).problems()
    assert len(found) == 2
    assert "'venus.test' has no scheme" in found[0]
    assert "has a path" in found[1]
    assert "raised ConnectionError('no database')" in OriginSource(load_broken).problems()[0]
    assert OriginSource(lambda: [VENUS]).problems() == []


# Tools


def load_tenants() -> list[str]:
    return [VENUS]


def test_routes_shows_the_source_with_loader_ttl_count_and_age() -> None:
    """flask cors routes, as text and JSON, names the loader and ttl, then what was loaded."""
    app = served(OriginSource(load_tenants, ttl=30))
    runner = app.test_cli_runner()
    before = runner.invoke(cors_cli, ["routes", "--json"])
    row = next(r for r in json.loads(before.output) if r["rule"] == "/items")
    assert row["policy"]["origins"] == [
        "OriginSource(load_tenants, ttl=30): not loaded yet in this process"
    ]
    actual(app, VENUS)
    after = runner.invoke(cors_cli, ["routes"])
    assert after.exit_code == 0, after.output
    assert "OriginSource(load_tenants, ttl=30): 1 origins, loaded 0s ago" in after.output


def test_check_and_fetch_advise_adding_the_origin_to_what_the_loader_returns() -> None:
    """A refused origin's advice names the loader, not the origins option."""
    app = served([EARTH, OriginSource(load_tenants)])
    result = fetch(app, "/items", origin="https://pluto.test", method="PUT")
    result.assert_blocked()
    assert "to allow it: add 'https://pluto.test' to what load_tenants returns" in result.transcript
    assert "add 'https://pluto.test' to origins" not in result.transcript
    fetch(app, "/items", origin=VENUS, method="PUT").assert_allowed()
    check = app.test_cli_runner().invoke(
        cors_cli, ["check", "/items", "--origin", "https://pluto.test", "--method", "PUT"]
    )
    assert check.exit_code == 1
    assert "add 'https://pluto.test' to what load_tenants returns" in check.output


def test_assert_cors_policy_reports_a_raising_loader_and_invalid_entries() -> None:
    """assert_cors_policy loads each source once and reports every problem in one error."""

    def load_broken() -> list[str]:
        raise ConnectionError("no database")

    def load_sloppy() -> list[str]:
        return [VENUS, "venus.test"]

    app = served(OriginSource(load_broken))

    @app.get("/other")
    @cross_origin(origins=OriginSource(load_sloppy))
    def other() -> str:
        return "other"

    with pytest.raises(CorsConfigError) as caught:
        assert_cors_policy(app)
    assert len(caught.value.problems) == 2
    assert "load_broken raised ConnectionError('no database')" in str(caught.value)
    assert "load_sloppy returned an invalid entry: 'venus.test' has no scheme" in str(caught.value)
    assert_cors_policy(served(OriginSource(load_tenants)))


# Processes


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_loads_even_if_the_parent_held_the_lock_at_fork() -> None:
    """A lock held in the parent when gunicorn forks does not deadlock the worker."""
    source = OriginSource(Loader(VENUS))
    with source._lock, source._load_lock:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit status
            os._exit(0 if source.allows(VENUS) is True else 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child deadlocked")
