"""The policy of one route: what it allows, and the header values that says, computed once.

A request only classifies itself, finds its :class:`Policy` and copies strings out
of it. Everything that depends on configuration alone (joined header values, the
origin matcher) is done here, when the policy is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from ._errors import CorsConfigError
from ._http import (
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_METHODS,
    ALLOW_ORIGIN,
    ALLOW_PRIVATE_NETWORK,
    EXPOSE_HEADERS,
    MAX_AGE,
    TOKEN,
    Header,
    token_list,
)
from ._options import Settings
from ._origins import OriginMatcher

#: The rule of a refusal that a failing origins check caused: it may pass next time, so
#: its answer is ``Cache-Control: no-store``.
ORIGIN_CHECK_FAILED = "origin could not be checked (the origins check failed)"


class Refusal(NamedTuple):
    """Why a CORS request was refused: the rule, the offending value, the option to change.

    ``option`` is ``None`` when no option decides it (a malformed request header).
    """

    rule: str
    value: str
    option: str | None

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:80] + "..."
        return f"{self.rule}: {shown!r} ({self.where})"

    @property
    def where(self) -> str:
        """``option origins``, or that no option decides it."""
        return "no option decides it" if self.option is None else f"option {self.option}"


def origin_refusal(origins: OriginMatcher, origin: str) -> Refusal | None:
    """Why ``origins`` refuses ``origin``, or ``None`` when it allows it."""
    allowed = origins.allows(origin)
    return None if allowed else refused_origin(allowed, origin)


def refused_origin(allowed: bool | None, origin: str) -> Refusal:
    """The refusal of ``origin`` by a matcher that answered ``allowed`` (False or None)."""
    if allowed is None:  # a user's check or a source could not decide: next time it may
        return Refusal(ORIGIN_CHECK_FAILED, origin, "origins")
    return Refusal("origin is not allowed", origin, "origins")


@dataclass(frozen=True, slots=True)
class Policy:
    """An immutable CORS policy for one route, with its header values precomputed."""

    #: Which request origins are allowed.
    origins: OriginMatcher
    #: Upper-case method names; HEAD is there whenever GET is.
    methods: frozenset[str]
    #: Lower-case request header names allowed; ``None``: whatever the preflight asks for.
    allowed_headers: frozenset[str] | None
    #: Response header names a page may read, as configured.
    expose_headers: tuple[str, ...]
    #: Credentialed requests are allowed; then ``origins`` is never ``*`` (checked at build).
    supports_credentials: bool
    #: Seconds a browser may cache an allowed preflight; ``None``: no header, 5 s in browsers.
    max_age: int | None
    #: Private Network Access preflights are allowed.
    allow_private_network: bool
    #: The write gate: ``True`` refuses a cross-origin write the policy would not have
    #: preflighted, ``"report"`` only reports it, ``False`` lets it through.
    protect_writes: bool | Literal["report"]
    #: Where the policy comes from: ``decorator``, ``blueprint``, ``resources`` or ``app``.
    source: str

    #: ``Access-Control-Allow-Methods``: the full list, so Chromium's cache entry covers them all.
    allow_methods_value: str
    #: ``Access-Control-Allow-Headers`` for a configured list (``""``: none allowed, no header);
    #: ``None`` when the requested names are echoed.
    allow_headers_value: str | None
    #: Headers of every actual response when the answer is the same for all (``*``), else None.
    static_headers: tuple[Header, ...] | None
    #: Headers that go with an echoed origin on actual responses.
    echo_headers: tuple[Header, ...]
    #: The lower-cased names of all those, to see at once whether the view set one itself.
    actual_names: frozenset[str]
    #: Headers of every allowed preflight, besides origin, methods and headers.
    preflight_extra: tuple[Header, ...]

    @classmethod
    def build(cls, settings: Settings, served_methods: Iterable[str], source: str) -> Policy:
        """Build from settled options (checked for bad combinations by the caller).

        The one combination that would open every origin with credentials is refused
        here too, whatever the caller checked: it must never reach the wire.

        ``served_methods`` are the route's own methods, the default of ``methods``:
        without the HEAD and OPTIONS that Flask adds by itself.
        """
        methods = settings["methods"]
        if methods is None:
            methods = tuple(sorted(served_methods))
        allow_headers = settings["allow_headers"]
        expose = settings["expose_headers"]
        credentials = settings["supports_credentials"]
        max_age = settings["max_age"]
        origins = settings["origins"]
        if credentials and origins.any_origin:
            raise CorsConfigError(f"{source}: supports_credentials=True with origins='*'")

        echo: list[Header] = []
        if credentials:
            echo.append((ALLOW_CREDENTIALS, "true"))
        actual = list(echo)
        if expose:
            actual.append((EXPOSE_HEADERS, ", ".join(expose)))
        preflight = list(echo)
        if max_age is not None:
            preflight.append((MAX_AGE, str(max_age)))
        static = origins.any_origin and not credentials
        return cls(
            origins=origins,
            # HEAD goes wherever GET does, as Flask routes it.
            methods=frozenset(methods) | ({"HEAD"} if "GET" in methods else set()),
            allowed_headers=None
            if allow_headers == "*"
            else frozenset(h.lower() for h in allow_headers),
            expose_headers=expose,
            supports_credentials=credentials,
            max_age=max_age,
            allow_private_network=settings["allow_private_network"],
            protect_writes=settings["protect_writes"],
            source=source,
            allow_methods_value=", ".join(methods),
            allow_headers_value=None if allow_headers == "*" else ", ".join(allow_headers),
            static_headers=((ALLOW_ORIGIN, "*"), *actual) if static else None,
            echo_headers=tuple(actual),
            actual_names=frozenset(name.lower() for name, _ in ((ALLOW_ORIGIN, "*"), *actual)),
            preflight_extra=tuple(preflight),
        )

    def origin_refusal(self, origin: str) -> Refusal | None:
        """Why ``origin`` is refused, or ``None`` when it is allowed."""
        return origin_refusal(self.origins, origin)

    def preflight(
        self,
        origin: str,
        request_method: str,
        request_headers: str | None,
        private_network: str | None,
    ) -> tuple[list[Header], Refusal | None]:
        """Answer a preflight (Fetch, "CORS-preflight fetch", steps 5-7 are what it must pass).

        Returns the ``Access-Control-*`` headers to send, or the reason for refusing.
        """
        refusal = self.origin_refusal(origin)
        if refusal is not None:
            return [], refusal
        if not TOKEN.fullmatch(request_method):
            return [], Refusal("Access-Control-Request-Method is malformed", request_method, None)
        if request_method.upper() not in self.methods:
            return [], Refusal("method is not allowed", request_method, "methods")
        requested = token_list(request_headers) if request_headers else []
        if requested is None:
            return [], Refusal(
                "Access-Control-Request-Headers is malformed", request_headers or "", None
            )
        for name in requested:
            if name == "*" and self.supports_credentials:
                # Echoed, it would put '*' in a credentialed Access-Control-Allow-Headers.
                return [], Refusal(
                    "a header named '*' cannot be allowed with credentials", name, None
                )
            if self.allowed_headers is not None and name.lower() not in self.allowed_headers:
                return [], Refusal("request header is not allowed", name, "allow_headers")
        asks_private = private_network is not None and private_network.lower() == "true"
        if asks_private and not self.allow_private_network:
            return [], Refusal(
                "private network access is not allowed",
                private_network or "",
                "allow_private_network",
            )

        methods = self.allow_methods_value
        if request_method not in self.methods:
            # fetch() keeps the case of methods other than DELETE/GET/HEAD/OPTIONS/POST/PUT
            # and the browser compares byte for byte (Fetch, "CORS-preflight fetch" step 7).
            methods = f"{methods}, {request_method}" if methods else request_method
        headers: list[Header] = [
            (ALLOW_ORIGIN, "*" if self.static_headers else origin),
            (ALLOW_METHODS, methods),
        ]
        if self.allow_headers_value:
            headers.append((ALLOW_HEADERS, self.allow_headers_value))
        elif requested:
            # Echo the names rather than '*': '*' never covers Authorization (Fetch,
            # "CORS non-wildcard request-header name") nor anything with credentials.
            headers.append((ALLOW_HEADERS, ", ".join(requested)))
        headers.extend(self.preflight_extra)
        if asks_private:
            headers.append((ALLOW_PRIVATE_NETWORK, "true"))
        return headers, None

    def describe(self) -> dict[str, object]:
        """The effective policy as plain data, for ``flask cors routes --json``."""
        return {
            "origins": self.origins.describe(),
            "methods": sorted(self.methods),
            "allow_headers": "*" if self.allowed_headers is None else self.allow_headers_value,
            "expose_headers": ", ".join(self.expose_headers) or None,
            "supports_credentials": self.supports_credentials,
            "max_age": self.max_age,
            "allow_private_network": self.allow_private_network,
            "protect_writes": self.protect_writes,
        }
