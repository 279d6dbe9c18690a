"""Origins: normalising the configured ones, and matching the request's ``Origin``.

Browsers send the *serialized* origin (RFC 6454 section 6.2, Fetch "Origin header"):
lower-case scheme and host, punycode, no default port, no path. So only the
configuration is normalised; the request's value is compared byte for byte.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import CorsConfigError

logger = logging.getLogger("flask_crossorigin")

OriginCheck = Callable[[str], bool]

DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

#: Longer than any origin a browser can send (a DNS name has at most 253 characters).
#: Longer values are refused before patterns, regexes or callables see them, so a huge
#: ``Origin`` of many labels costs no more than a short one.
MAX_ORIGIN_LENGTH = 512

# What a browser can put in ``Origin``: scheme "://" host [":" port]. Anything else
# (a path, spaces, CR/LF, a list) is refused before a regex or a callable sees it,
# so neither can let a malformed value through into ``Access-Control-Allow-Origin``.
SERIALIZED_ORIGIN = re.compile(
    r"[a-z][a-z0-9+.\-]*://"
    r"(?:[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.?|\[[0-9a-f:.]+\])"
    r"(?::[0-9]{1,5})?"
)

#: What Android WebView, Cordova and Electron pages send as their ``Origin``: no host.
FILE_ORIGIN = "file://"

# Characters that mean the user wrote a regular expression as a plain string.
_REGEX_HINTS = re.compile(r"[\\^$()\[\]{}|+?]|\.\*")

_IPV6_LITERAL = re.compile(r"://\[[0-9A-Fa-f:.]*\]")

#: Characters UTS 46 (browsers) keeps but IDNA 2003 (Python's codec) maps away.
_IDNA_DEVIATIONS = "\u00df\u03c2\u200c\u200d"

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?")


def _fix(value: object) -> str:
    return f"origins: {value!r}"


def _normalise_host(host: str, raw: str) -> str:
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            raise CorsConfigError(f"{_fix(raw)} has an invalid IPv6 address") from None
    if any(ch in host for ch in _IDNA_DEVIATIONS):
        # Python's codec is IDNA 2003 ("faß" -> "fass", another domain); browsers keep them.
        raise CorsConfigError(
            f"{_fix(raw)} has a character that IDNA 2003 and browsers encode differently; "
            "give the host in its punycode form (xn--...)"
        )
    if re.fullmatch(r"[0-9a-fA-Fx.]+", host) and not re.fullmatch(r"[a-fA-F.]+", host):
        try:
            canonical = socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            pass
        else:
            return canonical  # "127.1" and "0x7f.0.0.1" are sent as "127.0.0.1"
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise CorsConfigError(f"{_fix(raw)} has a host that is not a valid domain name") from None
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise CorsConfigError(f"{_fix(raw)} has a host that is not a valid domain name")
    return host


def _origin_of(scheme: str, netloc: str) -> str:
    """The origin a user meant by ``scheme`` and ``netloc``, for a fix that is correct pasted."""
    try:
        return normalise_origin(f"{scheme}://{netloc.rpartition('@')[2]}")
    except CorsConfigError:
        return f"{scheme}://earth.com"


def normalise_origin(raw: str) -> str:
    """Return ``raw`` as a browser would serialise it, or raise ``CorsConfigError``.

    ``"HTTPS://Earth.com:443"`` becomes ``"https://earth.com"``. ``"null"`` is kept.
    """
    if raw in ("null", FILE_ORIGIN):
        return raw
    if _REGEX_HINTS.search(_IPV6_LITERAL.sub("://", raw, count=1)):
        raise CorsConfigError(
            f"{_fix(raw)} looks like a regular expression; pass re.compile({raw!r}) "
            "(it must match the whole origin) or a subdomain pattern such as "
            "'https://*.earth.com'"
        )
    if "://" not in raw:
        hostport = raw.strip("/").split("/")[0]
        scheme = "http" if hostport.split(":")[0] in ("localhost", "127.0.0.1") else "https"
        raise CorsConfigError(
            f"{_fix(raw)} has no scheme; an origin is scheme://host[:port], "
            f"e.g. {_origin_of(scheme, hostport)!r}"
        )
    if "*" in raw and (raw.count("*") > 1 or not raw.split("://", 1)[1].startswith("*.")):
        raise CorsConfigError(
            f"{_fix(raw)}: '*' is only allowed as '*.' right after the scheme, "
            "e.g. 'https://*.earth.com'; for anything else pass re.compile(...)"
        )
    if any(ch in raw for ch in " ,\t\r\n"):
        raise CorsConfigError(
            f"{_fix(raw)} contains a space or a comma; give several origins as a list"
        )
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    for present, what in (
        (parts.path, "a path"),
        (parts.query or raw.endswith("?"), "a query"),
        (parts.fragment or raw.endswith("#"), "a fragment"),
        ("@" in parts.netloc, "user info"),
    ):
        if present:
            raise CorsConfigError(
                f"{_fix(raw)} has {what}; an origin is scheme://host[:port], "
                f"e.g. {_origin_of(scheme, parts.netloc)!r}"
            )
    netloc = parts.netloc
    host, port = netloc, ""
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise CorsConfigError(f"{_fix(raw)} has an invalid host")
            port = rest[1:]
    elif ":" in netloc:
        host, port = netloc.rsplit(":", 1)
    if not host:
        raise CorsConfigError(f"{_fix(raw)} has no host")
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise CorsConfigError(f"{_fix(raw)} has an invalid port {port!r}")
        port = str(int(port))
    host = host if host.startswith("*.") else _normalise_host(host, raw)
    if host.startswith("*."):
        host = "*." + _normalise_host(host[2:], raw)
    if port == DEFAULT_PORTS.get(scheme):
        port = ""
    return f"{scheme}://{host}" + (f":{port}" if port else "")


class DynamicOrigins:
    """Origins known only at run time (:class:`~flask_crossorigin.OriginSource`).

    Defined here so that matching can consult one without this module importing it.
    """

    def allows(self, origin: str) -> bool | None:
        """True, False, or None when it cannot decide now (refused, not to be cached)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def advice(self, origin: str) -> str:
        raise NotImplementedError


def matches_subdomain(subdomains: frozenset[tuple[str, str, str]], origin: str) -> bool:
    """Whether a serialised ``origin`` falls under one of ``subdomains``' patterns.

    Each pattern is ``(scheme, base host, port)``; the request's host is probed once per
    label, so the cost does not grow with the number of patterns. ``origin`` must already
    match :data:`SERIALIZED_ORIGIN`.
    """
    scheme, _, hostport = origin.partition("://")
    host, port = hostport, ""
    if not hostport.endswith("]"):
        head, sep, tail = hostport.rpartition(":")
        if sep:
            host, port = head, tail
    labels = host.split(".")
    if all(labels):
        for i in range(1, len(labels)):
            if (scheme, ".".join(labels[i:]), port) in subdomains:
                return True
    return False


@dataclass(frozen=True)
class OriginMatcher:
    """Which request origins a policy allows.

    Exact origins and ``*.`` patterns cost the same however many there are:
    ``exact`` is a set lookup, and ``subdomains`` holds ``(scheme, base host, port)``
    for each ``scheme://*.base[:port]`` pattern, probed once per label of the
    request's host. ``regexes`` (full-matched) and ``checks`` (user callables) are
    tried in turn, so their number does count. ``sources`` (origins loaded at run
    time) are asked last, each at the cost of a set lookup.
    """

    any_origin: bool = False
    exact: frozenset[str] = frozenset()
    subdomains: frozenset[tuple[str, str, str]] = frozenset()
    regexes: tuple[re.Pattern[str], ...] = ()
    checks: tuple[OriginCheck, ...] = ()
    sources: tuple[DynamicOrigins, ...] = ()

    def describe(self) -> list[str]:
        """The configured origins as text, for ``flask cors routes`` and messages."""
        if self.any_origin:
            return ["*"]
        described = sorted(self.exact)
        described += sorted(f"{s}://*.{h}" + (f":{p}" if p else "") for s, h, p in self.subdomains)
        described += [f"re.compile({r.pattern!r})" for r in self.regexes]
        described += [getattr(c, "__qualname__", repr(c)) for c in self.checks]
        described += [source.describe() for source in self.sources]
        return described

    def advice(self, origin: str) -> str | None:
        """What to change so that ``origin`` is allowed, when a source decides it."""
        if self.sources:
            return " or ".join(source.advice(origin) for source in self.sources)
        return None

    def allows(self, origin: str) -> bool | None:
        """Whether ``origin`` (the raw header value) is allowed; None: refused for now.

        A callable that raises refuses the origin and logs the error: a bug in a
        user's check must not turn into a 500 or into an open door. None means a
        source could not decide (no good load yet): refused, but not to be cached.
        """
        if self.any_origin or origin in self.exact:
            return True
        if not (self.subdomains or self.regexes or self.checks):
            # A source validates the raw value itself before probing its patterns.
            return self._ask_sources(origin) if self.sources else False
        if len(origin) > MAX_ORIGIN_LENGTH or not (
            SERIALIZED_ORIGIN.fullmatch(origin) or origin == FILE_ORIGIN
        ):
            return False
        if self.subdomains and matches_subdomain(self.subdomains, origin):
            return True
        for regex in self.regexes:
            if regex.fullmatch(origin):
                return True
        for check in self.checks:
            try:
                if check(origin) is True:
                    return True
            except Exception:
                logger.exception(
                    "origins callable %s raised for origin %r; the origin is refused",
                    getattr(check, "__qualname__", repr(check)),
                    origin[:80],
                )
        return self._ask_sources(origin) if self.sources else False

    def _ask_sources(self, origin: str) -> bool | None:
        undecided = False
        for source in self.sources:
            answer = source.allows(origin)
            if answer:
                return True
            undecided = undecided or answer is None
        return None if undecided else False


def parse_origins(value: object) -> OriginMatcher:
    """Validate the ``origins`` option into an :class:`OriginMatcher`."""
    if value == "*":
        return OriginMatcher(any_origin=True)
    items: Iterable[object]
    if isinstance(value, (str, re.Pattern, DynamicOrigins)) or callable(value):
        items = [value]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        items = list(value)
    else:
        raise CorsConfigError(
            f"{_fix(value)} is not an origin; give '*', an origin string, a pattern "
            "like 'https://*.earth.com', re.compile(...), a callable, or a list of these"
        )
    if not items:
        raise CorsConfigError(
            "origins: [] allows no origin; to leave a route closed, give it no CORS policy"
        )
    exact: set[str] = set()
    subdomains: set[tuple[str, str, str]] = set()
    regexes: list[re.Pattern[str]] = []
    checks: list[OriginCheck] = []
    sources: list[DynamicOrigins] = []
    problems: list[str] = []
    for item in items:
        if isinstance(item, DynamicOrigins):
            sources.append(item)
            continue
        try:
            _add_origin(item, items, exact, subdomains, regexes, checks)
        except CorsConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise CorsConfigError.collect(problems)
    return OriginMatcher(
        exact=frozenset(exact),
        subdomains=frozenset(subdomains),
        regexes=tuple(regexes),
        checks=tuple(checks),
        sources=tuple(sources),
    )


def _add_origin(
    item: object,
    items: object,
    exact: set[str],
    subdomains: set[tuple[str, str, str]],
    regexes: list[re.Pattern[str]],
    checks: list[OriginCheck],
) -> None:
    """Validate one item of ``origins`` into the sets it belongs to."""
    if isinstance(item, re.Pattern):
        if not isinstance(item.pattern, str):
            raise CorsConfigError(f"{_fix(item)} is a bytes pattern; compile a str pattern")
        regexes.append(item)
    elif isinstance(item, str):
        if item == "*":
            raise CorsConfigError(
                f"{_fix(items)}: '*' allows every origin, so it must stand alone: origins='*'"
            )
        origin = normalise_origin(item)
        if origin == "null":
            logger.warning(
                "origins lists 'null': sandboxed documents, data: pages and "
                "cross-origin redirects all send Origin: null, so any site can "
                "present it"
            )
        scheme, _, hostport = origin.partition("://")
        if hostport.startswith("*."):
            host, _, port = hostport[2:].partition(":")
            if "." not in host.rstrip(".") and host != "localhost":
                logger.warning(
                    "origins %r allows every site under the top-level domain %r; "
                    "name the registrable domain, e.g. '%s://*.earth.%s'",
                    item,
                    host,
                    scheme,
                    host,
                )
            subdomains.add((scheme, host, port))
        else:
            exact.add(origin)
    elif callable(item):
        checks.append(item)
    else:
        raise CorsConfigError(
            f"{_fix(item)} is not an origin; give a string, re.compile(...) or a callable"
        )
