"""The one exception users catch: a configuration that cannot be served safely."""

from __future__ import annotations

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
