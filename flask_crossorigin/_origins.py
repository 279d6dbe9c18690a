"""Origins: normalising the configured ones, and matching the request's ``Origin``.

Browsers send the *serialized* origin (RFC 6454 section 6.2, Fetch "Origin header"):
lower-case scheme and host, punycode, no default port, no path. So only the
configuration is normalised; the request's value is compared byte for byte.
"""

from __future__ import annotations

import importlib
import ipaddress
import logging
import re
import socket
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from ._errors import CorsConfigError, LogThrottle

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


def _raw_literal(pattern: str) -> str:
    """``pattern`` as a Python literal to paste, raw where that reads better."""
    if "'" not in pattern and not pattern.endswith("\\"):
        return f"r'{pattern}'"
    return repr(pattern)


#: What flask-cors users write after the host to mean "any port": ``:*``, ``:.*``, ``:\d+``...
_TRAILING_PORT = re.compile(r"(?:\(?:(?:\.|\\d|\[0-9\])?[*+]?\)?\??|\.\*)\$?$")


def _full_match_suggestion(raw: str) -> str | None:
    """A pattern that full-matches what ``raw`` meant under flask-cors's ``re.match``, or None.

    flask-cors matched only the start of the origin, so ``http://localhost:*`` also let in
    ``http://localhost.evil.com``; what an origin can carry after its host is only a port,
    so the suggestion ends with ``(:\\d+)?`` unless ``raw`` was anchored with ``$``.
    """
    body = raw.removeprefix("^")
    if body.endswith("$") and not body.endswith("\\$"):
        suggestion = body[:-1]
    elif body.endswith((r":\d+", ":[0-9]+")):
        suggestion = body  # a port is required: the full match keeps that meaning
    else:
        suggestion = _TRAILING_PORT.sub("", body) + r"(:\d+)?"
    try:
        re.compile(suggestion)
    except re.error:
        return None
    return suggestion


def _regex_string_error(raw: str) -> CorsConfigError:
    suggestion = _full_match_suggestion(raw)
    if suggestion is None:
        fix = "pass re.compile(...) with a pattern that matches the whole origin"
    else:
        fix = f"pass re.compile({_raw_literal(suggestion)})"
    return CorsConfigError(
        f"{_fix(raw)} looks like a regular expression; {fix}, or a subdomain pattern "
        "such as 'https://*.earth.com'. flask-cors matched a pattern against the start "
        "of the origin only (re.match), so it also let in e.g. 'http://localhost.evil.com' "
        "for 'http://localhost:*'; re.compile(...) here must match the whole origin, so "
        "the pattern has to say what may follow the host (a port: (:\\d+)?)"
    )


#: An IPv6 literal with a zone (RFC 6874): ``[fe80::1%25eth0]``.
_IPV6_ZONE = re.compile(r"\[([0-9A-Fa-f:.]+)%(?:25)?[^\]]*\]")

#: ``scheme://host[:port]`` followed by a path, query or fragment.
_ORIGIN_THEN_MORE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#\s,]*)([/?#].*)", re.DOTALL)


def normalise_origin(raw: str) -> str:
    """Return ``raw`` as a browser would serialise it, or raise ``CorsConfigError``.

    ``"HTTPS://Earth.com:443"`` becomes ``"https://earth.com"``. ``"null"`` is kept.
    """
    if raw in ("null", FILE_ORIGIN):
        return raw
    if not raw.strip():
        raise CorsConfigError(
            f"{_fix(raw)} is empty, as os.environ.get('NAME', '').split(',') gives when the "
            "variable is unset; leave empty entries out, e.g. "
            "[o for o in value.split(',') if o.strip()] (an empty list allows no origin)"
        )
    zoned = _IPV6_ZONE.search(raw)
    if zoned:
        without = raw[: zoned.start()] + f"[{zoned.group(1)}]" + raw[zoned.end() :]
        try:
            meant = repr(normalise_origin(without))
        except CorsConfigError:
            meant = "the address in brackets without '%...'"
        raise CorsConfigError(
            f"{_fix(raw)} has an IPv6 zone ({raw[zoned.start() : zoned.end()]!r}); a zone "
            "names a network interface of one machine and browsers never send it in "
            f"Origin, so give the address without it: {meant}"
        )
    more = _ORIGIN_THEN_MORE.fullmatch(raw)
    if more and not _REGEX_HINTS.search(_IPV6_LITERAL.sub("://", more.group(0)[: more.start(3)])):
        # A URL copied from the address bar: its '?' or '.*' must not read as a regex.
        scheme, netloc, rest = more.groups()
        what = "a path" if rest[0] == "/" else "a query" if rest[0] == "?" else "a fragment"
        raise CorsConfigError(
            f"{_fix(raw)} has {what}; an origin is scheme://host[:port], "
            f"e.g. {_origin_of(scheme.lower(), netloc)!r}"
        )
    if _REGEX_HINTS.search(_IPV6_LITERAL.sub("://", raw, count=1)):
        raise _regex_string_error(raw)
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


# Public suffixes: a "*." pattern on one lets in sites that anyone can register.

#: Multi-label public suffixes that origins are commonly written under, used when the
#: optional ``publicsuffixlist`` package (the full Public Suffix List) is not installed.
COMMON_PUBLIC_SUFFIXES = frozenset(
    {
        *(f"{sld}.uk" for sld in ("co", "org", "me", "ltd", "plc", "net", "ac", "gov")),
        *(f"{sld}.au" for sld in ("com", "net", "org", "edu", "gov", "id")),
        *(f"{sld}.nz" for sld in ("co", "org", "net", "ac", "govt")),
        *(f"{sld}.jp" for sld in ("co", "ne", "or", "ac", "go")),
        *(f"{sld}.br" for sld in ("com", "net", "org", "gov")),
        *(f"{sld}.in" for sld in ("co", "net", "org", "gov")),
        *(f"{sld}.za" for sld in ("co", "org", "gov")),
        *(f"com.{cc}" for cc in ("cn", "mx", "tr", "sg", "hk", "tw", "ar", "co", "my", "ph")),
        *(f"co.{cc}" for cc in ("kr", "il", "id", "th")),
        "github.io",
        "gitlab.io",
        "herokuapp.com",
        "vercel.app",
        "netlify.app",
        "pages.dev",
        "workers.dev",
        "web.app",
        "firebaseapp.com",
        "appspot.com",
        "azurewebsites.net",
        "azurestaticapps.net",
        "cloudfront.net",
        "onrender.com",
        "fly.dev",
        "ngrok.io",
        "ngrok-free.app",
        "blogspot.com",
        "s3.amazonaws.com",
    }
)


def _load_public_suffix_check() -> Callable[[str], bool]:
    """The full Public Suffix List when ``publicsuffixlist`` is installed, else the short list."""
    try:
        from publicsuffixlist import PublicSuffixList  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return COMMON_PUBLIC_SUFFIXES.__contains__
    psl = PublicSuffixList()
    return lambda domain: bool(psl.is_public(domain))


_public_suffix_check: Callable[[str], bool] | None = None


def is_public_suffix(domain: str) -> bool:
    """Whether anyone may register names directly under ``domain`` (``com``, ``co.uk``...)."""
    global _public_suffix_check
    if "." not in domain:
        return domain != "localhost"
    if _public_suffix_check is None:
        _public_suffix_check = _load_public_suffix_check()
    return domain in COMMON_PUBLIC_SUFFIXES or _public_suffix_check(domain)


# Patterns whose matching can take exponential time ("catastrophic backtracking").

#: Start-up measures, for each flagged pattern, the longest crafted origin it matches
#: within this many seconds; longer origins are refused before that pattern runs.
BACKTRACKING_BUDGET = 0.0005


def _sre_parser() -> Any:
    """The ``re`` module's own parser, or None on a Python that no longer exposes it."""
    for name in ("re._parser", "sre_parse"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return importlib.import_module(name)
        except ImportError:
            continue
    return None  # pragma: no cover - every Python this package supports has one


#: The parser's opcodes this module reads (some exist only from Python 3.11).
_SRE_NAMES = (
    "LITERAL NOT_LITERAL ANY IN RANGE CATEGORY NEGATE BRANCH SUBPATTERN MAX_REPEAT "
    "MIN_REPEAT POSSESSIVE_REPEAT ATOMIC_GROUP ASSERT ASSERT_NOT GROUPREF_EXISTS "
    "CATEGORY_DIGIT CATEGORY_WORD CATEGORY_SPACE CATEGORY_NOT_DIGIT CATEGORY_NOT_WORD "
    "CATEGORY_NOT_SPACE"
)


def _sre_opcodes(parser: Any) -> Any:
    """The parser's opcodes by name; a missing one is a value that matches nothing."""
    return SimpleNamespace(**{name: getattr(parser, name, object()) for name in _SRE_NAMES.split()})


def _flat(sre: Any, items: Any) -> list[tuple[Any, Any]]:
    """The elements of a sequence, capturing groups opened inline."""
    flat: list[tuple[Any, Any]] = []
    for op, av in items:
        if op is sre.SUBPATTERN:
            flat.extend(_flat(sre, av[-1]))
        else:
            flat.append((op, av))
    return flat


def _class_matches(sre: Any, items: Any, char: str) -> bool | None:
    """Whether the class ``items`` (an ``IN``) matches ``char``; None when unsure."""
    code = ord(char)
    negate = False
    hit = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            hit = hit or av == code
        elif op is sre.RANGE:
            hit = hit or av[0] <= code <= av[1]
        elif op is sre.CATEGORY:
            found = {
                sre.CATEGORY_DIGIT: char.isdigit(),
                sre.CATEGORY_NOT_DIGIT: not char.isdigit(),
                sre.CATEGORY_WORD: char.isalnum() or char == "_",
                sre.CATEGORY_NOT_WORD: not (char.isalnum() or char == "_"),
                sre.CATEGORY_SPACE: char.isspace(),
                sre.CATEGORY_NOT_SPACE: not char.isspace(),
            }.get(av)
            if found is None:
                return None
            hit = hit or found
        else:
            return None
    return hit != negate


def _element_matches(sre: Any, op: Any, av: Any, char: str) -> bool | None:
    """Whether a one-character element matches ``char``; None when it is not one."""
    if op is sre.LITERAL:
        return bool(av == ord(char))
    if op is sre.NOT_LITERAL:
        return bool(av != ord(char))
    if op is sre.ANY:
        return char != "\n"
    if op is sre.IN:
        return _class_matches(sre, av, char)
    return None


def _separates(sre: Any, sep: tuple[Any, Any], inner: list[tuple[Any, Any]], fold: bool) -> bool:
    """Whether the mandatory element ``sep`` can never match a character ``inner`` repeats."""
    op, av = sep
    if op is sre.LITERAL:
        chars = [chr(av)]
    elif op is sre.IN and all(o is sre.LITERAL for o, _ in av):
        chars = [chr(a) for _, a in av]
    else:
        return False
    if fold:
        chars = [c for char in chars for c in {char.lower(), char.upper()}]
    if len(inner) != 1:
        return False
    return all(_element_matches(sre, *inner[0], char) is False for char in chars)


def _risky_repeats(sre: Any, items: Any, fold: bool) -> list[tuple[Any, Any]]:
    r"""The unbounded repeats in ``items`` whose body can be split two ways or more.

    A repeat over a body that itself repeats (``([a-z]+\.?)+``) or that holds an
    alternation (``(a|ab)+``) can split one string in exponentially many ways, and a
    backtracking engine tries them all before it refuses. A body whose inner repeat is
    followed by a mandatory character that the inner repeat cannot match
    (``([a-z0-9-]+\.)*``) splits one way only, so it is not flagged.
    """
    found: list[tuple[Any, Any]] = []
    for element in items:
        op, av = element
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            body = _flat(sre, av[2])
            if av[1] > 1 and _ambiguous(sre, body, fold):
                found.append(element)  # the parser's own tuple: _sample finds it by identity
            else:
                found.extend(_risky_repeats(sre, av[2], fold))
        elif op is sre.SUBPATTERN:
            found.extend(_risky_repeats(sre, av[-1], fold))
        elif op is sre.BRANCH:
            for alternative in av[1]:
                found.extend(_risky_repeats(sre, alternative, fold))
        elif op is sre.GROUPREF_EXISTS:
            found.extend(_risky_repeats(sre, av[1], fold))
            if av[2] is not None:
                found.extend(_risky_repeats(sre, av[2], fold))
    return found


def _ambiguous(sre: Any, body: list[tuple[Any, Any]], fold: bool) -> bool:
    """Whether one repetition of ``body`` can match a string in more than one way."""
    for index, (op, av) in enumerate(body):
        if op is sre.BRANCH:
            return True
        if op in (sre.SUBPATTERN, sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF_EXISTS):
            return True  # pragma: no cover - _flat opens groups; lookarounds are rare here
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] > 1:
            inner = _flat(sre, av[2])
            others = body[:index] + body[index + 1 :]
            if not any(_separates(sre, other, inner, fold) for other in others):
                return True
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and _ambiguous(sre, _flat(sre, av[2]), fold):
            return True
    return False


def _sample(sre: Any, items: Any, target: object, count: int) -> tuple[str, bool]:
    """The shortest string ``items`` matches, up to ``target``, which is repeated ``count`` times.

    Returns the string and whether ``target`` was reached (the rest is then left out, so
    the string ends where the engine has to backtrack).
    """
    out: list[str] = []
    for element in items:
        op, av = element
        if element is target:
            pump, _ = _sample(sre, av[2], None, 1)
            out.append((pump or "a") * max(count, av[0]))
            return "".join(out), True
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.NOT_LITERAL:
            out.append("a" if av != ord("a") else "b")
        elif op is sre.ANY:
            out.append("a")
        elif op is sre.IN:
            out.append(next((c for c in "a0-._:" if _class_matches(sre, av, c)), "a"))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            part, reached = _sample(sre, av[2], target, count)
            if reached:
                out.append(part)
                return "".join(out), True
            out.append(part * av[0])
        elif op in (sre.SUBPATTERN, sre.ATOMIC_GROUP):
            part, reached = _sample(sre, av[-1] if op is sre.SUBPATTERN else av, target, count)
            out.append(part)
            if reached:
                return "".join(out), True
        elif op is sre.BRANCH:
            for alternative in av[1]:
                part, reached = _sample(sre, alternative, target, count)
                if reached:
                    out.append(part)
                    return "".join(out), True
            out.append(_sample(sre, av[1][0], None, 0)[0])
    return "".join(out), False


_ATTACK_TAILS = ("", "-", ".", "_", "0", "!", ":", ".a", "a")


def _attacks(sre: Any, parsed: Any, target: object, count: int) -> list[str]:
    """Origins a client could send that make ``target`` backtrack over ``count`` repetitions."""
    head, _ = _sample(sre, parsed, target, count)
    return [
        attack
        for attack in {head + tail for tail in _ATTACK_TAILS}
        | {head.lower() + tail for tail in _ATTACK_TAILS}
        if SERIALIZED_ORIGIN.fullmatch(attack)
    ]


def _shortest_slow(regex: re.Pattern[str], attacks: list[str]) -> int | None:
    """The length of the shortest of ``attacks`` that takes longer than the budget, if any."""
    for attack in sorted(attacks, key=len):
        if min(_time_match(regex, attack) for _ in range(2)) > BACKTRACKING_BUDGET:
            return len(attack)
    return None


def _time_match(regex: re.Pattern[str], origin: str) -> float:
    started = time.perf_counter()
    regex.fullmatch(origin)
    return time.perf_counter() - started


def _length_bound(regex: re.Pattern[str], sre: Any, parsed: Any, risky: list[Any]) -> int:
    """The longest origin ``regex`` is run on: below the shortest crafted one that is slow."""
    bound = MAX_ORIGIN_LENGTH
    for target in risky:
        count = 1
        while count <= MAX_ORIGIN_LENGTH:
            attacks = _attacks(sre, parsed, target, count)
            if not attacks or min(map(len, attacks)) > bound:
                break
            shortest_slow = _shortest_slow(regex, attacks)
            if shortest_slow is not None:
                bound = min(bound, shortest_slow - 1)
                break
            count = count + 1 if count < 48 else count * 5 // 4
    return bound


@dataclass(frozen=True)
class Backtracking:
    """What start-up found about a pattern that can backtrack exponentially."""

    #: Origins longer than this are refused without running the pattern.
    max_length: int


_backtracking_seen: dict[tuple[str, int], Backtracking | None] = {}


def backtracking(regex: re.Pattern[str]) -> Backtracking | None:
    """Whether ``regex`` can backtrack exponentially, and the origin length it is bounded to.

    The pattern is inspected with the ``re`` module's own parser (skipped, returning
    None, on a Python that does not expose it). For each repeat found ambiguous, crafted
    origins that make it backtrack are timed for growing repetition counts; the bound is
    one less than the length of the shortest one that took more than
    :data:`BACKTRACKING_BUDGET`. Measured once per pattern and process.
    """
    key = (regex.pattern, regex.flags)
    if key in _backtracking_seen:
        return _backtracking_seen[key]
    result = None
    try:
        parser = _sre_parser()
        sre = _sre_opcodes(parser)
        parsed = parser.parse(regex.pattern, regex.flags)
        risky = _risky_repeats(sre, parsed, bool(regex.flags & re.IGNORECASE))
        if risky:
            result = Backtracking(max_length=_length_bound(regex, sre, parsed, risky))
    except Exception:  # pragma: no cover - a future parser with another shape: skip the check
        result = None
    _backtracking_seen[key] = result
    return result


# Matching the request's Origin.


class CheckedCallable:
    """A user's ``origins`` callable, with the throttle of its failures' log lines.

    A check that raises, or returns something other than a bool, refuses the origin
    with ``None`` (the failure is the check's, and may be transient) and is logged:
    the first failure, then at most one line a minute (:class:`LogThrottle`).
    """

    __slots__ = ("_throttle", "call", "name")

    def __init__(self, call: OriginCheck) -> None:
        self.call = call
        self.name: str = getattr(call, "__qualname__", None) or repr(call)
        self._throttle = LogThrottle()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckedCallable) and bool(self.call == other.call)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"CheckedCallable({self.call!r})"

    def __call__(self, origin: str) -> bool | None:
        try:
            verdict = self.call(origin)
        except Exception as error:
            self._fail(type(error).__name__, origin, raised=True)
            return None
        if verdict is True or verdict is False:
            return verdict
        self._fail(f"returned {type(verdict).__name__}", origin, raised=False)
        return None

    def _fail(self, how: str, origin: str, *, raised: bool) -> None:
        quiet = self._throttle.allow()
        if quiet is None:
            return
        if raised:
            logger.exception(
                "origins callable %s raised for origin %r; refused (Cache-Control: "
                "no-store); logged at most once a minute%s",
                self.name,
                origin[:80],
                LogThrottle.since(quiet),
            )
        else:
            logger.error(
                "origins callable %s %s for origin %r, not a bool; the origin is refused "
                "(return a bool, e.g. bool(match)); logged at most once a minute%s",
                self.name,
                how,
                origin[:80],
                LogThrottle.since(quiet),
            )


@dataclass(frozen=True)
class OriginMatcher:
    """Which request origins a policy allows.

    Exact origins and ``*.`` patterns cost the same however many there are:
    ``exact`` is a set lookup, and ``subdomains`` holds ``(scheme, base host, port)``
    for each ``scheme://*.base[:port]`` pattern, probed once per label of the
    request's host. ``regexes`` (full-matched) and ``checks`` (user callables) are
    tried in turn, so their number does count. ``sources`` (origins loaded at run
    time) are asked last, each at the cost of a set lookup. A matcher with none of
    these allows nothing (``origins=[]``).
    """

    any_origin: bool = False
    exact: frozenset[str] = frozenset()
    subdomains: frozenset[tuple[str, str, str]] = frozenset()
    regexes: tuple[re.Pattern[str], ...] = ()
    checks: tuple[OriginCheck, ...] = ()
    sources: tuple[DynamicOrigins, ...] = ()
    #: Each regex with the longest origin it is run on (see :func:`backtracking`).
    _bounded: tuple[tuple[re.Pattern[str], int], ...] = field(init=False, repr=False, compare=False)
    _checked: tuple[CheckedCallable, ...] = field(init=False, repr=False, compare=False)
    _open_ended: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bounded = []
        for regex in self.regexes:
            found = backtracking(regex)
            bounded.append((regex, found.max_length if found else MAX_ORIGIN_LENGTH))
        checked = tuple(
            c if isinstance(c, CheckedCallable) else CheckedCallable(c) for c in self.checks
        )
        object.__setattr__(self, "_bounded", tuple(bounded))
        object.__setattr__(self, "_checked", checked)
        object.__setattr__(
            self,
            "_open_ended",
            bool(self.subdomains or self.regexes or self.checks or self.sources),
        )

    @property
    def is_static(self) -> bool:
        """No user code decides: no callable, no source (so no Flask context is needed)."""
        return not (self.checks or self.sources)

    @property
    def allows_nothing(self) -> bool:
        """Whether no origin at all is allowed (``origins=[]``): the routes are closed."""
        return not (self.any_origin or self.exact or self._open_ended)

    def describe(self) -> list[str]:
        """The configured origins as text, for ``flask cors routes`` and messages."""
        if self.any_origin:
            return ["*"]
        described = sorted(self.exact)
        described += sorted(f"{s}://*.{h}" + (f":{p}" if p else "") for s, h, p in self.subdomains)
        described += [f"re.compile({r.pattern!r})" for r in self.regexes]
        described += [c.name for c in self._checked]
        described += [source.describe() for source in self.sources]
        return described

    def advice(self, origin: str) -> str | None:
        """What to change so that ``origin`` is allowed, when a source decides it."""
        if self.sources:
            return " or ".join(source.advice(origin) for source in self.sources)
        return None

    def allows(self, origin: str) -> bool | None:
        """Whether ``origin`` (the raw header value) is allowed.

        ``True``: allowed. ``False``: refused. ``None``: refused because a check
        failed (a callable raised or returned a non-bool, or a source could not decide:
        no good load yet); the failure may be transient, so the refusal must not be
        cached (``Cache-Control: no-store``). A failing callable never turns into a 500
        or into an open door.
        """
        if self.any_origin or origin in self.exact:
            return True
        if not self._open_ended:
            return False
        if not (self.subdomains or self.regexes or self.checks):
            # A source validates the raw value itself before probing its patterns.
            return self._ask_sources(origin)
        if len(origin) > MAX_ORIGIN_LENGTH or not (
            SERIALIZED_ORIGIN.fullmatch(origin) or origin == FILE_ORIGIN
        ):
            return False
        if self.subdomains and matches_subdomain(self.subdomains, origin):
            return True
        for regex, max_length in self._bounded:
            if len(origin) <= max_length and regex.fullmatch(origin):
                return True
        failed = False
        for check in self._checked:
            verdict = check(origin)
            if verdict:
                return True
            failed = failed or verdict is None
        answer = self._ask_sources(origin) if self.sources else False
        if answer:
            return True
        return None if failed or answer is None else False

    def _ask_sources(self, origin: str) -> bool | None:
        undecided = False
        for source in self.sources:
            answer = source.allows(origin)
            if answer:
                return True
            undecided = undecided or answer is None
        return None if undecided else False


def parse_origins(value: object) -> OriginMatcher:
    """Validate the ``origins`` option into an :class:`OriginMatcher`.

    ``[]`` (any empty iterable) allows nothing; ``"*"`` in a list means ``"*"``, and the
    other entries beside it are validated, then dropped with a WARNING.
    """
    if value == "*":
        return OriginMatcher(any_origin=True)
    items: list[object]
    if isinstance(value, (str, re.Pattern, DynamicOrigins)) or callable(value):
        items = [value]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        items = list(value)
    else:
        raise CorsConfigError(
            f"{_fix(value)} is not an origin; give '*', an origin string, a pattern "
            "like 'https://*.earth.com', re.compile(...), a callable, or a list of these"
        )
    star = any(isinstance(item, str) and item == "*" for item in items)
    others = [item for item in items if not (isinstance(item, str) and item == "*")]
    exact: set[str] = set()
    subdomains: set[tuple[str, str, str]] = set()
    regexes: list[re.Pattern[str]] = []
    checks: list[OriginCheck] = []
    sources: list[DynamicOrigins] = []
    problems: list[str] = []
    for item in others:
        if isinstance(item, DynamicOrigins):
            sources.append(item)
            continue
        try:
            _add_origin(item, exact, subdomains, regexes, checks, warn=not star)
        except CorsConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise CorsConfigError.collect(problems)
    if star:
        if others:
            redundant = OriginMatcher(
                exact=frozenset(exact),
                subdomains=frozenset(subdomains),
                regexes=tuple(regexes),
                checks=tuple(checks),
                sources=tuple(sources),
            ).describe()
            logger.warning(
                "origins lists '*', which allows every origin, beside %s: those are "
                "redundant and ignored; write origins='*', or remove '*' to allow only them",
                ", ".join(repr(entry) for entry in redundant),
            )
        return OriginMatcher(any_origin=True)
    return OriginMatcher(
        exact=frozenset(exact),
        subdomains=frozenset(subdomains),
        regexes=tuple(regexes),
        checks=tuple(checks),
        sources=tuple(sources),
    )


def _add_origin(
    item: object,
    exact: set[str],
    subdomains: set[tuple[str, str, str]],
    regexes: list[re.Pattern[str]],
    checks: list[OriginCheck],
    *,
    warn: bool = True,
) -> None:
    """Validate one item of ``origins`` into the sets it belongs to.

    With ``warn`` False (the item is beside ``"*"`` and will be dropped), only errors
    are reported, not the warnings about what the item would have allowed.
    """
    if isinstance(item, re.Pattern):
        if not isinstance(item.pattern, str):
            raise CorsConfigError(f"{_fix(item)} is a bytes pattern; compile a str pattern")
        found = backtracking(item) if warn else None
        if found is not None:
            logger.warning(
                "origins re.compile(%r) can take exponential time to refuse a crafted "
                "Origin (a repeat over a body that can match one string in several ways, "
                "e.g. nested quantifiers); it is run only on origins of at most %d "
                "characters, longer ones are refused. Rewrite it so that each repetition "
                "ends with a character the repetition cannot match (r'([a-z0-9-]+\\.)*' "
                "rather than r'([a-z0-9-]+\\.?)+'), or use a subdomain pattern such as "
                "'https://*.earth.com'",
                item.pattern,
                found.max_length,
            )
        regexes.append(item)
    elif isinstance(item, str):
        origin = normalise_origin(item)
        if origin == "null" and warn:
            logger.warning(
                "origins lists 'null': sandboxed documents, data: pages and "
                "cross-origin redirects all send Origin: null, so any site can "
                "present it"
            )
        scheme, _, hostport = origin.partition("://")
        if hostport.startswith("*."):
            host, _, port = hostport[2:].partition(":")
            base = host.rstrip(".")
            if warn and is_public_suffix(base):
                kind = "top-level domain" if "." not in base else "public suffix"
                logger.warning(
                    "origins %r allows every site under the %s %r, where anyone can "
                    "register a name; name the registrable domain, e.g. '%s://*.earth.%s'",
                    item,
                    kind,
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
