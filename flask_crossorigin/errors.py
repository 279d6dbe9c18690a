"""The one exception users catch: a configuration that cannot be served safely."""

from __future__ import annotations


class CorsConfigError(ValueError):
    """An invalid CORS option, raised when the policy is configured, never per request.

    The message names the option, the bad value and the fix, because the person
    reading it is usually looking at a traceback from ``create_app()``.
    """
