"""The one exception users catch, and how failures of user code are logged without flooding."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence


class CorsConfigError(ValueError):
    """An invalid CORS option, raised when the policy is configured, never per request.

    The message names the option, the bad value and the fix, because the person
    reading it is usually looking at a traceback from ``create_app()``. When several
    problems are found at once, they are all in one error, one per line, and in
    :attr:`problems`.
    """

    #: Each problem found, one sentence each (one item for a single problem).
    problems: tuple[str, ...]

    def __init__(self, message: str, problems: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.problems = tuple(problems) if problems else (message,)

    @classmethod
    def collect(cls, problems: Sequence[str]) -> CorsConfigError:
        """One error for every problem in ``problems`` (at least one)."""
        if len(problems) == 1:
            return cls(problems[0])
        lines = "\n".join(f"  - {problem}" for problem in problems)
        return cls(f"{len(problems)} CORS configuration errors:\n{lines}", problems)


class LogThrottle:
    """At most one log line per ``interval`` seconds for one failing piece of user code.

    A user's origins check, key function or signal receiver that fails keeps failing
    on many requests, often interleaved with successes (the tenant that exists, the one
    that does not), so "once per failure streak" must not mean "once per success in
    between": the first failure is logged, then at most one line a minute, with the
    number of failures left out since.
    """

    __slots__ = ("_lock", "_next", "_quiet", "interval")

    def __init__(self, interval: float = 60.0) -> None:
        self.interval = interval
        self._next = 0.0
        self._quiet = 0
        self._lock = threading.Lock()

    def allow(self) -> int | None:
        """``None``: stay quiet; else log now, with this many failures left out since."""
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._quiet += 1
                return None
            self._next = now + self.interval
            quiet, self._quiet = self._quiet, 0
            return quiet

    @staticmethod
    def since(quiet: int) -> str:
        """The words to append to a log line for the failures left out before it."""
        return f" ({quiet} more since the last such line)" if quiet else ""
