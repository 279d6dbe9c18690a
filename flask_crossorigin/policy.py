"""The policy: validated options, and the header values they produce, computed once.

A request only classifies itself, finds its :class:`Policy` and copies strings out
of it. Everything that depends on configuration alone (validation, joined header
values, the origin matcher) is done here, when the policy is built.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from .errors import CorsConfigError
from .origins import OriginMatcher, parse_origins

logger = logging.getLogger("flask_crossorigin")

#: The options a policy is made of, in the order the README documents them.
POLICY_OPTIONS = (
    "origins",
    "methods",
    "allow_headers",
    "expose_headers",
    "supports_credentials",
    "max_age",
    "allow_private_network",
)
#: ``resources`` says which routes the app-level policy covers, so only the app has it.
APP_OPTIONS = (*POLICY_OPTIONS, "resources")

#: flask-cors options that have no place here, and what to do instead.
FLASK_CORS_ONLY = {
    "send_wildcard": "'*' is sent whenever origins='*' and credentials are off, "
    "the request's own origin otherwise; remove send_wildcard",
    "always_send": "headers are sent on every response of a covered route; remove always_send",
    "vary_header": "Vary is managed for you and is exactly as wide as the answer "
    "depends on; remove vary_header",
    "automatic_options": "preflights are always answered by the extension before any "
    "view or hook; remove automatic_options",
    "intercept_exceptions": "error responses (404, 500, abort()) always carry the route's "
    "CORS headers; remove intercept_exceptions",
}

FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
#: Chromium caps the preflight cache at 7200 s (Safari at 600 s).
MAX_AGE_CAP = 7200

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")

Header = tuple[str, str]


class Refusal(NamedTuple):
    """Why a CORS request was refused: the rule, the offending value, the option to change."""

    rule: str
    value: str
    option: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:80] + "..."
        return f"{self.rule}: {shown!r} (option {self.option})"


def check_option_names(
    options: Mapping[str, object], where: str, allowed: tuple[str, ...], *, config: bool = False
) -> None:
    """Raise ``TypeError`` for an unknown name, and ``CorsConfigError`` for a flask-cors one.

    flask-cors silently ignores unknown names, so ``support_credentials=True`` ships
    to production doing nothing; here it stops the app from starting. With
    ``config``, names are shown as the ``CORS_*`` keys the user wrote.
    """

    def shown(name: str) -> str:
        return f"CORS_{name.upper()}" if config else name

    what = "key" if config else "option"
    for name in options:
        if name in FLASK_CORS_ONLY:
            raise CorsConfigError(
                f"{where}: {name} is a flask-cors option: {FLASK_CORS_ONLY[name]}"
            )
        if name == "resources" and "resources" not in allowed:
            raise CorsConfigError(
                f"{where}: resources is an app-level option; give it to CrossOrigin(app, ...) "
                "or init_app(app, ...)"
            )
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {shown(close[0])!r}?)" if close else ""
            raise TypeError(
                f"{where} got an unknown {what} {shown(name)!r}{hint}; "
                f"valid {what}s: {', '.join(shown(option) for option in allowed)}"
            )


def _names(option: str, value: object, *, upper: bool) -> tuple[str, ...]:
    """A token or a list of tokens (a comma-separated string is split)."""
    if isinstance(value, str):
        items: list[object] = [part.strip() for part in value.split(",")]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
    else:
        raise CorsConfigError(f"{option}: {value!r} is not a name or a list of names")
    names: list[str] = []
    for item in items:
        if not isinstance(item, str) or not TOKEN.fullmatch(item):
            raise CorsConfigError(
                f"{option}: {item!r} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~); "
                "check for spaces or quotes"
            )
        name = item.upper() if upper else item
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
    if not names:
        raise CorsConfigError(f"{option}: {value!r} names nothing; remove the option instead")
    return tuple(names)


def _bool(option: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise CorsConfigError(f"{option}: {value!r} is not a bool; use True or False")
    return value


def _max_age(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds != int(seconds):
            raise CorsConfigError(f"max_age: {value!r} is not a whole number of seconds")
        value = int(seconds)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CorsConfigError(
            f"max_age: {value!r} is not an integer; give seconds (e.g. 600), a timedelta, or None"
        )
    if value < 0:
        raise CorsConfigError(f"max_age: {value!r} is negative; give 0 or more seconds, or None")
    if value > MAX_AGE_CAP:
        logger.warning(
            "max_age=%d: Chromium caps the preflight cache at %d s and Safari at 600 s",
            value,
            MAX_AGE_CAP,
        )
    return value


def parse_option(name: str, value: object) -> object:
    """Validate one option's value into the form a :class:`Policy` is built from."""
    if name == "origins":
        return parse_origins(value)
    if name == "methods":
        methods = _names("methods", value, upper=True)
        for method in methods:
            if method in FORBIDDEN_METHODS:
                raise CorsConfigError(
                    f"methods: {method!r} is a forbidden method; browsers never send it "
                    "from fetch() or XMLHttpRequest, so remove it"
                )
            if method == "*":
                raise CorsConfigError(
                    "methods: '*' is not supported; list the methods, or leave methods "
                    "out to allow the ones the route serves"
                )
        return methods
    if name == "allow_headers":
        if value == "*":
            return "*"
        headers = _names("allow_headers", value, upper=False)
        if "*" in headers:
            raise CorsConfigError("allow_headers: '*' must stand alone: allow_headers='*'")
        return headers
    if name == "expose_headers":
        headers = _names("expose_headers", value, upper=False)
        if any(h.lower() in ("set-cookie", "set-cookie2") for h in headers):
            raise CorsConfigError(
                f"expose_headers: {value!r} names Set-Cookie, which browsers never expose; "
                "remove it"
            )
        return headers
    if name in ("supports_credentials", "allow_private_network"):
        return _bool(name, value)
    if name == "max_age":
        return _max_age(value)
    raise TypeError(f"unknown option {name!r}")  # pragma: no cover - names are checked first


def parse_options(options: Mapping[str, object], where: str) -> dict[str, object]:
    """Check names and values of one layer of options (a decorator, a blueprint, ...)."""
    check_option_names(options, where, POLICY_OPTIONS)
    parsed = {name: parse_option(name, value) for name, value in options.items()}
    check_combination(parsed, where)
    return parsed


def check_combination(parsed: Mapping[str, object], where: str) -> None:
    """Reject the combinations a browser would refuse, as far as ``parsed`` decides them."""
    if parsed.get("supports_credentials") is not True:
        return
    origins = parsed.get("origins")
    if isinstance(origins, OriginMatcher) and origins.any_origin:
        raise CorsConfigError(
            f"{where}: supports_credentials=True with origins='*': browsers reject '*' on a "
            "credentialed response; list the origins, e.g. origins=['https://earth.com']"
        )
    expose = parsed.get("expose_headers")
    if isinstance(expose, tuple) and "*" in expose:
        raise CorsConfigError(
            f"{where}: expose_headers='*' with supports_credentials=True: with credentials a "
            "browser reads '*' as a header named '*'; list the headers to expose"
        )


DEFAULTS: dict[str, object] = {
    "origins": OriginMatcher(any_origin=True),
    "methods": None,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "allow_private_network": False,
}


@dataclass(frozen=True, slots=True)
class Policy:
    """An immutable CORS policy for one route, with its header values precomputed."""

    origins: OriginMatcher
    methods: frozenset[str]
    allow_any_header: bool
    allowed_headers: frozenset[str]
    supports_credentials: bool
    allow_private_network: bool
    source: str
    #: ``Access-Control-Allow-Methods``: the full list, so Chromium's cache entry covers them all.
    methods_header: str
    allow_headers_header: str | None
    expose_headers_header: str | None
    max_age_header: str | None
    #: Headers of every actual response when the answer is the same for all (``*``).
    static_headers: tuple[Header, ...] | None
    #: Headers that go with an echoed origin on actual responses.
    echo_headers: tuple[Header, ...]
    #: The lower-cased names of all those, to see at once whether the view set one itself.
    actual_names: frozenset[str]
    #: Headers of every allowed preflight, besides origin, methods and headers.
    preflight_extra: tuple[Header, ...]

    @classmethod
    def build(
        cls, options: Mapping[str, object], route_methods: Iterable[str], where: str, source: str
    ) -> Policy:
        """Build from merged, already parsed options (see :func:`parse_option`)."""
        merged = {**DEFAULTS, **options}
        check_combination(merged, where)
        origins = merged["origins"]
        assert isinstance(origins, OriginMatcher)
        methods = merged["methods"]
        if methods is None:
            methods = tuple(m for m in sorted(route_methods) if m not in ("OPTIONS", "HEAD"))
        assert isinstance(methods, tuple)
        allow_headers = merged["allow_headers"]
        expose = merged["expose_headers"]
        credentials = merged["supports_credentials"] is True
        max_age = merged["max_age"]
        assert isinstance(expose, tuple | None) and isinstance(max_age, int | None)

        echo: list[Header] = []
        if credentials:
            echo.append(("Access-Control-Allow-Credentials", "true"))
        expose_header = ", ".join(expose) if expose else None
        actual = list(echo)
        if expose_header:
            actual.append(("Access-Control-Expose-Headers", expose_header))
        preflight = list(echo)
        if max_age is not None:
            preflight.append(("Access-Control-Max-Age", str(max_age)))
        static = origins.any_origin and not credentials
        return cls(
            origins=origins,
            # HEAD goes wherever GET does, as Flask routes it.
            methods=frozenset(methods) | ({"HEAD"} if "GET" in methods else set()),
            allow_any_header=allow_headers == "*",
            allowed_headers=frozenset(
                h.lower() for h in (allow_headers if isinstance(allow_headers, tuple) else ())
            ),
            supports_credentials=credentials,
            allow_private_network=merged["allow_private_network"] is True,
            source=source,
            methods_header=", ".join(methods),
            allow_headers_header=", ".join(allow_headers)
            if isinstance(allow_headers, tuple)
            else None,
            expose_headers_header=expose_header,
            max_age_header=str(max_age) if max_age is not None else None,
            static_headers=(("Access-Control-Allow-Origin", "*"), *actual) if static else None,
            echo_headers=tuple(actual),
            actual_names=frozenset(
                name.lower() for name, _ in (("Access-Control-Allow-Origin", "*"), *actual)
            ),
            preflight_extra=tuple(preflight),
        )

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
        if not self.origins.allows(origin):
            return [], Refusal("origin is not allowed", origin, "origins")
        if not TOKEN.fullmatch(request_method):
            return [], Refusal("Access-Control-Request-Method is malformed", request_method, "-")
        if request_method.upper() not in self.methods:
            return [], Refusal("method is not allowed", request_method, "methods")
        requested: list[str] = []
        if request_headers:
            for part in request_headers.split(","):
                name = part.strip(" \t")
                if not name:
                    continue
                if not TOKEN.fullmatch(name):
                    return [], Refusal(
                        "Access-Control-Request-Headers is malformed", request_headers, "-"
                    )
                if name == "*" and self.supports_credentials:
                    # Echoed, it would put '*' in a credentialed Access-Control-Allow-Headers.
                    return [], Refusal(
                        "a header named '*' cannot be allowed with credentials", name, "-"
                    )
                if not self.allow_any_header and name.lower() not in self.allowed_headers:
                    return [], Refusal("request header is not allowed", name, "allow_headers")
                requested.append(name)
        asks_private = private_network is not None and private_network.lower() == "true"
        if asks_private and not self.allow_private_network:
            return [], Refusal(
                "private network access is not allowed",
                private_network or "",
                "allow_private_network",
            )

        methods = self.methods_header
        if request_method not in self.methods:
            # fetch() keeps the case of methods other than DELETE/GET/HEAD/OPTIONS/POST/PUT
            # and the browser compares byte for byte (Fetch, "CORS-preflight fetch" step 7).
            methods = f"{methods}, {request_method}" if methods else request_method
        headers: list[Header] = [
            ("Access-Control-Allow-Origin", "*" if self.static_headers else origin),
            ("Access-Control-Allow-Methods", methods),
        ]
        if self.allow_headers_header is not None:
            headers.append(("Access-Control-Allow-Headers", self.allow_headers_header))
        elif requested:
            # Echo the names rather than '*': '*' never covers Authorization (Fetch,
            # "CORS non-wildcard request-header name") nor anything with credentials.
            headers.append(("Access-Control-Allow-Headers", ", ".join(requested)))
        headers.extend(self.preflight_extra)
        if asks_private:
            headers.append(("Access-Control-Allow-Private-Network", "true"))
        return headers, None

    def describe(self) -> dict[str, object]:
        """The effective policy as plain data, for ``flask cors routes --json``."""
        return {
            "origins": self.origins.describe(),
            "methods": sorted(self.methods),
            "allow_headers": "*" if self.allow_any_header else (self.allow_headers_header or ""),
            "expose_headers": self.expose_headers_header,
            "supports_credentials": self.supports_credentials,
            "max_age": int(self.max_age_header) if self.max_age_header else None,
            "allow_private_network": self.allow_private_network,
        }
