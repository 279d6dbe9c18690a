"""Origins that change at run time: a loader's answer, cached per worker process and per key.

A multi-tenant app keeps its customers' domains in its own database. Querying it on
every request (an ``origins`` callable) costs a round trip per request and fails with
the database. An :class:`OriginSource` instead keeps what ``load()`` returned for ``ttl``
seconds and reloads it in the background, so a lookup costs what a static list costs,
and several workers on several machines agree within ``ttl`` plus one load because
they all read the same database: nothing of ours sits between them.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from flask import Request, request

from ._errors import CorsConfigError, LogThrottle
from ._origins import (
    MAX_ORIGIN_LENGTH,
    SERIALIZED_ORIGIN,
    DynamicOrigins,
    OriginMatcher,
    matches_subdomain,
    normalise_origin,
)

logger = logging.getLogger("flask_crossorigin")

#: The first retry after a failed load; each further one waits twice as long, up to ``ttl``.
FIRST_RETRY = 1.0
#: A load that returns more entries than this failed: it is a runaway query or generator.
MAX_ENTRIES = 1_000_000
#: Invalid entries named one WARNING each per load; the rest are counted in one line.
MAX_WARNINGS_PER_LOAD = 10
#: A load whose entries took longer than this to validate is logged as a WARNING.
SLOW_LOAD = 1.0

_NO_KEY: Any = object()


class _Failed(Exception):
    """A load that did not give a usable set (the reason is the message)."""


class LoadedOrigins:
    """One good load: exact origins in a set, ``*.`` patterns as ``(scheme, base, port)``."""

    __slots__ = ("count", "exact", "loaded_at", "normalised", "subdomains")

    def __init__(
        self,
        exact: frozenset[str],
        subdomains: frozenset[tuple[str, str, str]],
        loaded_at: float,
        normalised: dict[str, str | None],
    ) -> None:
        self.exact = exact
        self.subdomains = subdomains
        self.loaded_at = loaded_at
        self.count = len(exact) + len(subdomains)
        #: Each entry's normalised form (None: invalid), so the next load of the same
        #: table revalidates only the entries that changed.
        self.normalised = normalised

    def allows(self, origin: str) -> bool:
        if origin in self.exact:
            return True
        # The raw header must look like a serialised origin before its labels are probed.
        return bool(
            self.subdomains
            and len(origin) <= MAX_ORIGIN_LENGTH
            and SERIALIZED_ORIGIN.fullmatch(origin)
            and matches_subdomain(self.subdomains, origin)
        )


class _Slot:
    """What this worker knows about one key. Changed only under the source's lock."""

    __slots__ = ("current", "due", "failures", "gen", "loading", "retry")

    def __init__(self) -> None:
        self.current: LoadedOrigins | None = None
        #: When the next load may start (clock time); -inf: at the next request.
        self.due = -math.inf
        #: The source's refresh generation that ``current`` was loaded in.
        self.gen = -1
        #: Set when the load under way ends; None when no load is under way.
        self.loading: threading.Event | None = None
        #: Failed loads in the current streak.
        self.failures = 0
        #: Seconds to wait before the next retry after a failure.
        self.retry = FIRST_RETRY


def _name(function: object) -> str:
    """``load_tenants`` or ``Tenants.load``: the qualified name, without ``f.<locals>.``."""
    name = getattr(function, "__qualname__", None)
    return str(name).rpartition("<locals>.")[2] if name else repr(function)


class OriginSource(DynamicOrigins):
    """Origins that ``load()`` returns, kept per worker for ``ttl`` seconds.

    Give it wherever ``origins`` goes: ``CrossOrigin(app, origins=source)``,
    ``@cross_origin(origins=source)``, a blueprint policy, a ``resources`` entry, or
    beside static origins in a list.

    :param load: returns an iterable of origin strings (``"https://shop.example"``,
        ``"https://*.shop.example"``); called with the key when ``key`` is given.
    :param ttl: seconds a loaded set is used before a background reload starts.
    :param key: ``key(request) -> hashable`` for one set per key (a tenant from
        ``request.host``, say); ``load`` then receives the key.
    :param max_keys: how many keys' sets a worker keeps (least recently used dropped).

    .. versionadded:: 0.2.0
    """

    def __init__(
        self,
        load: Callable[..., Iterable[str] | None],
        *,
        ttl: float = 60.0,
        key: Callable[[Any], Hashable] | None = None,
        max_keys: int = 1024,
    ) -> None:
        if not callable(load):
            raise TypeError(f"OriginSource: load must be callable, not {load!r}")
        if key is not None and not callable(key):
            raise TypeError(f"OriginSource: key must be callable or None, not {key!r}")
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError(f"OriginSource: ttl must be a number of seconds, not {ttl!r}")
        if not (ttl > 0 and math.isfinite(ttl)):
            raise ValueError(f"OriginSource: ttl must be a positive number of seconds, not {ttl!r}")
        if isinstance(max_keys, bool) or not isinstance(max_keys, int):
            raise TypeError(f"OriginSource: max_keys must be an int, not {max_keys!r}")
        if max_keys < 1:
            raise ValueError(f"OriginSource: max_keys must be at least 1, not {max_keys!r}")
        self.load = load
        self.ttl = float(ttl)
        self.key = key
        self.max_keys = max_keys
        #: The clock used for ttl and retries (tests replace it).
        self.clock: Callable[[], float] = time.monotonic
        self._reset()
        self._warned: set[str] = set()
        _SOURCES.add(self)

    def _reset(self) -> None:
        """Fresh locks and no load under way: at construction, and in a forked child."""
        self._lock = threading.Lock()
        # The loader never runs in two threads at once, whatever the keys.
        self._load_lock = threading.Lock()
        if not hasattr(self, "_slots"):
            self._slots: OrderedDict[Hashable, _Slot] = OrderedDict()
            self._gen = 0
        for slot in self._slots.values():
            slot.loading = None  # the thread that ran it does not exist in this process
        self._key_throttle = LogThrottle()

    def __copy__(self) -> OriginSource:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> OriginSource:
        # One live cache per source: a copy of a config that holds it (a test fixture's
        # copy.deepcopy(app.config), say) shares the source, its loads and its lock.
        return self

    def __repr__(self) -> str:
        keyed = f", key={_name(self.key)}" if self.key is not None else ""
        return f"OriginSource({_name(self.load)}, ttl={self.ttl:g}{keyed})"

    @property
    def loader_name(self) -> str:
        """The loader's name, as advice and ``flask cors routes`` show it."""
        return _name(self.load)

    # Asking

    def allows(self, origin: str, key: Hashable = _NO_KEY) -> bool | None:
        """Whether ``origin`` is in the loaded set: True, False, or None when undecided.

        None (the caller refuses, but the answer must not be cached) means no good
        load of this key yet, or a key function that failed. With a ``key`` function,
        the key comes from the active Flask request unless ``key`` is passed, which
        is how a caller outside a request context (Engine.io's origin check, say)
        asks for a given key.
        """
        if key is _NO_KEY:
            if self.key is None:
                key = None
            else:
                key = self._key_of(request)
                if key is None:
                    return None
        slots = self._slots
        slot = slots.get(key)
        if slot is None or slot.due <= self.clock():
            slot = self._settle(key)
        elif self.key is not None:
            # KeyError: dropped by another thread just now; the slot in hand is still good.
            with contextlib.suppress(KeyError):
                slots.move_to_end(key)
        current = slot.current
        return None if current is None else current.allows(origin)

    def allows_environ(self, origin: str, environ: dict[str, Any]) -> bool | None:
        """:meth:`allows` for a caller that has a WSGI environ but no request context
        (Engine.io's origin check): the key function gets a ``Request`` built on it."""
        if self.key is None:
            return self.allows(origin, key=None)
        key = self._key_of(Request(environ))
        return None if key is None else self.allows(origin, key=key)

    def _key_of(self, current: Any) -> Hashable:
        assert self.key is not None
        try:
            key = self.key(current)
            hash(key)  # an unhashable key (a list) is the key function's failure, not a 500
        except Exception:
            quiet = self._key_throttle.allow()
            if quiet is not None:
                logger.exception(
                    "OriginSource key function %s failed; the origin is refused "
                    "(logged at most once a minute%s)",
                    _name(self.key),
                    LogThrottle.since(quiet),
                )
            return None
        if key is None:
            quiet = self._key_throttle.allow()
            if quiet is not None:
                logger.error(
                    "OriginSource key function %s returned None; the origin is refused "
                    "(logged at most once a minute%s)",
                    _name(self.key),
                    LogThrottle.since(quiet),
                )
            return None
        return key

    # Loading

    def _settle(self, key: Hashable) -> _Slot:
        """The slot of ``key``, after starting or waiting for the load it needs.

        Only a key with no good load (or one marked by :meth:`refresh`) waits; an
        expired set keeps answering while one background thread reloads it.
        """
        while True:
            load_here: tuple[int, threading.Event] | None = None
            with self._lock:
                slot = self._slots.get(key)
                if slot is None:
                    slot = self._slots[key] = _Slot()
                    while len(self._slots) > self.max_keys:
                        self._slots.popitem(last=False)
                else:
                    self._slots.move_to_end(key)
                if slot.loading is None and slot.due > self.clock():
                    return slot
                must_wait = slot.current is None or slot.gen != self._gen
                under_way = slot.loading
                if under_way is None:
                    event = slot.loading = threading.Event()
                    if not must_wait:
                        threading.Thread(
                            target=self._load_into,
                            args=(slot, key, self._gen, event),
                            name=f"OriginSource reload {self.loader_name}",
                            daemon=True,
                        ).start()
                        return slot
                    load_here = (self._gen, event)
                elif not must_wait:
                    return slot
            if load_here is not None:
                self._load_into(slot, key, *load_here)
                return slot
            if under_way is not None:
                under_way.wait()

    def _load_into(self, slot: _Slot, key: Hashable, gen: int, event: threading.Event) -> None:
        """Run one load of ``key`` and record its outcome in ``slot``; never raises."""
        loaded: LoadedOrigins | None = None
        error: BaseException | None = None
        try:
            with self._load_lock:
                previous = slot.current
                loaded = self._load_once(key, previous.normalised if previous else {})
        except BaseException as caught:
            error = caught
        with self._lock:
            now = self.clock()
            if loaded is not None:
                if slot.failures:
                    logger.warning(
                        "OriginSource %s loaded again after %d failed attempt(s)%s",
                        self.loader_name,
                        slot.failures,
                        self._for(key),
                    )
                slot.current, slot.gen = loaded, gen
                slot.failures, slot.retry = 0, FIRST_RETRY
                slot.due = now + self.ttl
            else:
                slot.failures += 1
                if slot.failures == 1:
                    kept = (
                        f"the {slot.current.count} origins loaded before stay in use"
                        if slot.current is not None
                        else "every origin is refused until a load succeeds"
                    )
                    logger.error(
                        "OriginSource %s failed%s: %s; %s; retrying with back-off up to "
                        "every %gs (logged once until a load succeeds)",
                        self.loader_name,
                        self._for(key),
                        _reason(error),
                        kept,
                        self.ttl,
                        exc_info=error if not isinstance(error, _Failed) else None,
                    )
                slot.due = now + min(slot.retry, self.ttl)
                slot.retry = min(slot.retry * 2, self.ttl)
            if gen != self._gen:
                slot.due = -math.inf  # refreshed while loading: what was read may predate it
            slot.loading = None
        event.set()
        if error is not None and not isinstance(error, Exception):
            raise error  # KeyboardInterrupt, SystemExit: recorded as a failure, then passed on

    def _for(self, key: Hashable) -> str:
        return "" if self.key is None else f" for key {str(key)[:80]!r}"

    def _load_once(self, key: Hashable, known: dict[str, str | None]) -> LoadedOrigins:
        """Call the loader and validate what it returned, or raise :class:`_Failed`."""
        started = time.perf_counter()
        result = self.load() if self.key is None else self.load(key)
        if result is None or isinstance(result, (str, bytes, bytearray, dict)):
            raise _Failed(
                f"it returned {type(result).__name__} {str(result)[:80]!r}, not an iterable "
                "of origin strings"
            )
        if not isinstance(result, Iterable):
            raise _Failed(f"it returned {type(result).__name__}, not an iterable of origin strings")
        exact: set[str] = set()
        subdomains: set[tuple[str, str, str]] = set()
        normalised: dict[str, str | None] = {}
        invalid: list[str] = []
        total = 0
        for entry in result:
            total += 1
            if total > MAX_ENTRIES:
                raise _Failed(f"it returned more than {MAX_ENTRIES} entries")
            if not isinstance(entry, str):
                invalid.append(f"{entry!r:.80} is not a string")
                continue
            if entry in known:
                origin = known[entry]
            else:
                origin, problem = _validate(entry)
                if problem is not None:
                    invalid.append(problem)
            normalised[entry] = origin
            if origin is None:
                continue
            scheme, _, hostport = origin.partition("://")
            if hostport.startswith("*."):
                host, _, port = hostport[2:].partition(":")
                subdomains.add((scheme, host, port))
            else:
                exact.add(origin)
        self._warn(invalid)
        elapsed = time.perf_counter() - started
        log = logger.warning if elapsed > SLOW_LOAD else logger.debug
        log(
            "OriginSource %s%s loaded %d entries (%d valid) in %.2fs",
            self.loader_name,
            self._for(key),
            total,
            len(exact) + len(subdomains),
            elapsed,
        )
        return LoadedOrigins(frozenset(exact), frozenset(subdomains), self.clock(), normalised)

    def _warn(self, invalid: list[str]) -> None:
        """One WARNING per invalid entry, once per process; at most a few per load."""
        fresh = [problem for problem in invalid if problem not in self._warned]
        for problem in fresh[:MAX_WARNINGS_PER_LOAD]:
            logger.warning(
                "OriginSource %s returned an invalid entry, skipped: %s",
                self.loader_name,
                problem,
            )
        if len(fresh) > MAX_WARNINGS_PER_LOAD:
            logger.warning(
                "OriginSource %s returned %d more invalid entries, skipped",
                self.loader_name,
                len(fresh) - MAX_WARNINGS_PER_LOAD,
            )
        if len(self._warned) < 100_000:
            self._warned.update(fresh)

    # Managing

    def refresh(self) -> None:
        """Make the next request of every key on this worker reload, and wait for it.

        Call it where the app changes what ``load`` returns (the view that adds a
        tenant). It reaches only the worker process it runs in; the others pick the
        change up within ``ttl``.
        """
        with self._lock:
            self._gen += 1
            for slot in self._slots.values():
                slot.due = -math.inf

    def problems(self) -> list[str]:
        """Load once (outside the cache) and return what is wrong, for ``assert_cors_policy``.

        A source with a ``key`` function is not loaded: there is no key to ask for.
        """
        if self.key is not None:
            return []
        invalid: list[str] = []
        try:
            result = self.load()
        except Exception as error:
            return [f"origins: OriginSource {self.loader_name} raised {error!r}"]
        if result is None or isinstance(result, (str, bytes, bytearray, dict)):
            return [
                f"origins: OriginSource {self.loader_name} returned {type(result).__name__}; "
                "return an iterable of origin strings, e.g. ['https://shop.example']"
            ]
        if not isinstance(result, Iterable):
            return [
                f"origins: OriginSource {self.loader_name} returned {type(result).__name__}; "
                "return an iterable of origin strings, e.g. ['https://shop.example']"
            ]
        for count, entry in enumerate(result):
            if count >= MAX_ENTRIES:
                return [f"origins: OriginSource {self.loader_name} returned over {MAX_ENTRIES}"]
            if not isinstance(entry, str):
                invalid.append(f"{entry!r:.80} is not a string")
                continue
            problem = _validate(entry)[1]
            if problem is not None:
                invalid.append(problem)
        return [
            f"origins: OriginSource {self.loader_name} returned an invalid entry: {problem}"
            for problem in invalid
        ]

    # Describing

    def describe(self) -> str:
        """The source as ``flask cors routes`` shows it: loader, ttl, and what is loaded."""
        now = self.clock()
        with self._lock:
            loaded = [slot.current for slot in self._slots.values() if slot.current is not None]
        if not loaded:
            state = "not loaded yet in this process"
        elif self.key is None:
            state = f"{loaded[0].count} origins, loaded {now - loaded[0].loaded_at:.0f}s ago"
        else:
            count = sum(current.count for current in loaded)
            oldest = max(now - current.loaded_at for current in loaded)
            state = f"{len(loaded)} keys, {count} origins, oldest loaded {oldest:.0f}s ago"
        return f"{self!r}: {state}"

    def advice(self, origin: str) -> str:
        """What to change so that ``origin`` is allowed."""
        return f"add {origin!r} to what {self.loader_name} returns"


def source_problems(matchers: Iterable[OriginMatcher | None]) -> list[str]:
    """Load each source of ``matchers`` once and say what is wrong with it, for
    ``assert_cors_policy``: a loader that raises, returns junk or returns invalid entries."""
    seen: dict[int, OriginSource] = {}
    for matcher in matchers:
        for source in matcher.sources if matcher is not None else ():
            if isinstance(source, OriginSource):
                seen.setdefault(id(source), source)
    return [problem for source in seen.values() for problem in source.problems()]


# An entry already in the form a browser sends (lower-case http(s), a domain name whose
# last label starts with a letter, so no IPv4 shorthand, no default port) needs no
# normalising: a table of 100,000 tenants then validates in a fraction of a second.
_ALREADY_SERIALISED = re.compile(
    r"(?:https://(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?::(?!443$)[1-9][0-9]{0,4})?"
    r"|http://(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?::(?!80$)[1-9][0-9]{0,4})?)"
)


def _validate(entry: str) -> tuple[str | None, str | None]:
    """``entry`` normalised, or None and why it cannot come from a source."""
    if entry == "*":
        return None, "'*' (a source lists origins; for every origin use origins='*')"
    if _ALREADY_SERIALISED.fullmatch(entry) and (
        ":" not in entry[8:] or int(entry.rpartition(":")[2]) < 65536
    ):
        origin = entry
    else:
        try:
            origin = normalise_origin(entry)
        except CorsConfigError as error:
            return None, str(error).removeprefix("origins: ")[:200]
    if origin in ("null", "file://"):
        return None, f"{entry!r}: any page can send Origin {origin}, so a source may not list it"
    hostport = origin.partition("://")[2]
    if hostport.startswith("*."):
        host = hostport[2:].partition(":")[0].rstrip(".")
        if "." not in host and host != "localhost":
            return None, f"{entry!r} allows every site under the top-level domain {host!r}"
    return origin, None


def _reason(error: BaseException | None) -> str:
    if isinstance(error, _Failed):
        return str(error)
    return f"it raised {error!r:.200}"


_SOURCES: weakref.WeakSet[OriginSource] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A lock held by a parent's thread at fork would stay held forever in the child.
    for source in list(_SOURCES):
        source._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
