"""What a browser checks: the Fetch standard's CORS rules, as plain functions.

``flask cors check`` acts out a ``fetch()`` against the app with these. Nothing here
knows about Flask: a request is a method and a list of ``(name, value)`` headers, a
response is a status and a :class:`~werkzeug.datastructures.Headers`. The verdict is
the engines': where all three depart from the standard (``*`` covering
``Authorization``), the model follows them and a note says what the standard wants.
``Blocked.message`` uses Chromium's console words; :func:`console_lines` gives each
engine's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers

from ._http import TOKEN, token_list

#: Fetch, "Methods": the ones ``fetch()`` upper-cases; any other keeps its case.
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

#: Fetch, "forbidden request-header": a script cannot set these; ``fetch()`` drops them.
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "access-control-request-private-network",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
FORBIDDEN_REQUEST_PREFIXES = ("proxy-", "sec-")

SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
#: Fetch, "CORS-safelisted request-header": the limits on one value, and on all of them.
MAX_SAFELISTED_VALUE = 128
MAX_SAFELISTED_TOTAL = 1024
#: Fetch, "CORS-unsafe request-header byte" (besides 0x00-0x1F other than HT, and DEL).
_UNSAFE_BYTES = frozenset(b'"():<>?@[\\]{}')
_LANGUAGE_BYTES = frozenset(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;="
)
_SINGLE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")
_HTTP_WHITESPACE = " \t\r\n"

#: Fetch, "CORS-safelisted response-header name": readable without being exposed.
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})


#: The engines ``flask cors check --browser`` and ``testing.fetch(browser=...)`` model.
ENGINES = ("chromium", "firefox", "safari")
#: Each engine's cap on ``Access-Control-Max-Age``, in seconds (CORS-FACTS section 7.1).
MAX_AGE_CAPS = {"chromium": 7200, "firefox": 86400, "safari": 600}
#: What a page's script sees when ``fetch()`` fails on CORS, per engine.
JS_ERRORS = {
    "chromium": "TypeError: Failed to fetch",
    "firefox": "TypeError: NetworkError when attempting to fetch resource.",
    "safari": "TypeError: Load failed",
}
ENGINE_NAMES = {"chromium": "Chromium", "firefox": "Firefox", "safari": "Safari"}


class Blocked(NamedTuple):
    """Why a browser blocks: Chromium's console message, the option that decides it, and
    what failed in a form each engine's wording is made from."""

    message: str
    #: The option to change; ``None`` when no option decides it.
    option: str | None
    #: Which check failed: ``missing-allow-origin``, ``method-not-allowed``, ...
    kind: str = ""
    #: The value the check is about (a header value, a method, a header name).
    detail: str = ""
    #: It failed on the preflight's response.
    preflight: bool = False


PREFLIGHT_FAILED = "Response to preflight request doesn't pass access control check: "


def _q(text: str) -> str:
    """Firefox quotes names with typographic quotes (observed): \u2018name\u2019."""
    return f"\u2018{text}\u2019"


_ACAO, _ACAC = _q("Access-Control-Allow-Origin"), _q("Access-Control-Allow-Credentials")
_ACAM, _ACAH = _q("Access-Control-Allow-Methods"), _q("Access-Control-Allow-Headers")
_DETAIL = _q("{detail}")
#: Firefox's "(Reason: ...)" for each kind of failure.
_FIREFOX_REASONS = {
    "missing-allow-origin": f"CORS header {_ACAO} missing",
    "origin-mismatch": f"CORS header {_ACAO} does not match {_DETAIL}",
    "multiple-allow-origin": f"Multiple CORS header {_ACAO} not allowed",
    "wildcard-with-credentials": f"Credential is not supported if the CORS header {_ACAO} "
    f"is {_q('*')}",
    "credentials-not-true": f"expected {_q('true')} in CORS header {_ACAC}",
    "preflight-redirect": "CORS request external redirect not allowed",
    "preflight-not-ok": "CORS preflight response did not succeed",
    "bad-allow-methods": f"invalid token {_DETAIL} in CORS header {_ACAM}",
    "bad-allow-headers": f"invalid token {_DETAIL} in CORS header {_ACAH}",
    "method-not-allowed": f"Did not find method in CORS header {_ACAM}",
    "header-not-allowed": f"header {_DETAIL} is not allowed according to header {_ACAH} "
    "from CORS preflight response",
}
#: Safari's (WebKit's) console message for each kind of failure.
_SAFARI_REASONS = {
    "missing-allow-origin": "Origin {origin} is not allowed by Access-Control-Allow-Origin.",
    "origin-mismatch": "Origin {origin} is not allowed by Access-Control-Allow-Origin.",
    "multiple-allow-origin": "Origin {origin} is not allowed by Access-Control-Allow-Origin.",
    "wildcard-with-credentials": "Cannot use wildcard in Access-Control-Allow-Origin when "
    "credentials flag is true.",
    "credentials-not-true": "Credentials flag is true, but Access-Control-Allow-Credentials "
    'is not "true".',
    "preflight-redirect": "Preflight response is not successful.",
    "preflight-not-ok": "Preflight response is not successful.",
    "bad-allow-methods": "Access-Control-Allow-Methods cannot be parsed.",
    "bad-allow-headers": "Access-Control-Allow-Headers cannot be parsed.",
    "method-not-allowed": "Method {detail} is not allowed by Access-Control-Allow-Methods.",
    "header-not-allowed": "Request header field {detail} is not allowed by "
    "Access-Control-Allow-Headers.",
}


def console_lines(
    engine: str, blocked: Blocked, url: str, origin: str, status: int | None
) -> list[str]:
    """What ``engine``'s console prints for ``blocked`` (CORS-FACTS section 7.1).

    Chromium's and Firefox's lines for a missing ``Access-Control-Allow-Origin`` were
    observed in this project's browser suite; the other reasons use the wording of the
    engines' own message catalogues. Safari prints its line only outside automation.
    """
    reason = block_reason(engine, blocked, origin)
    if engine == "firefox":
        head = (
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the "
            f"remote resource at {url}."
        )
        lines = [f"{head} (Reason: {reason}). Status code: {status}."]
        if blocked.preflight:
            # A failed preflight is reported again as the request that did not happen.
            lines.append(f"{head} (Reason: CORS request did not succeed). Status code: (null).")
        return lines
    if engine == "safari":
        return [f"{reason} Status code: {status}"]
    return [
        f"Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: "
        f"{reason}"
    ]


def block_reason(engine: str, blocked: Blocked, origin: str) -> str:
    """Why ``engine`` blocked, in its own words (the part of its console line that says why)."""
    reasons = {"firefox": _FIREFOX_REASONS, "safari": _SAFARI_REASONS}.get(engine)
    if reasons is None or blocked.kind not in reasons:
        return blocked.message
    return reasons[blocked.kind].format(detail=blocked.detail, origin=origin)


def max_age_note(engine: str, max_age: str | None) -> str | None:
    """How ``engine`` caches a preflight that says ``Access-Control-Max-Age: max_age``."""
    if max_age is None:
        return f"{ENGINE_NAMES[engine]} caches this preflight's answer for 5 s (no Max-Age)"
    try:
        seconds = int(max_age.strip())
    except ValueError:
        cached = "does not cache it" if engine == "firefox" else "caches it for 5 s"
        return f"Max-Age {max_age!r} does not parse; {ENGINE_NAMES[engine]} {cached}"
    cap = MAX_AGE_CAPS[engine]
    if seconds > cap:
        return (
            f"Max-Age {seconds} is cut to {cap} s in {ENGINE_NAMES[engine]} "
            f"(Chromium {MAX_AGE_CAPS['chromium']} s, Firefox {MAX_AGE_CAPS['firefox']} s, "
            f"Safari {MAX_AGE_CAPS['safari']} s)"
        )
    if seconds <= 0:
        return f"{ENGINE_NAMES[engine]} does not cache this preflight's answer (Max-Age {seconds})"
    return f"{ENGINE_NAMES[engine]} caches this preflight's answer for {seconds} s"


# The request: method normalisation and the safelists.


def normalize_method(method: str) -> str:
    """Fetch, "normalize a method": only the six well-known methods are upper-cased."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_forbidden_request_header(name: str) -> bool:
    lower = name.lower()
    return lower in FORBIDDEN_REQUEST_HEADERS or lower.startswith(FORBIDDEN_REQUEST_PREFIXES)


def _has_unsafe_byte(value: bytes) -> bool:
    return any((b < 0x20 and b != 0x09) or b == 0x7F or b in _UNSAFE_BYTES for b in value)


def mime_essence(value: str) -> str | None:
    """The essence (``type/subtype``, lower-cased) per WHATWG MIME Sniffing, "parse a MIME type".

    Parameters are ignored, as the parser does; ``None`` when the value does not parse
    (``text /plain``, ``text/plain,``, ``/plain``).
    """
    value = value.strip(_HTTP_WHITESPACE)
    mime_type, slash, rest = value.partition("/")
    if not slash or not TOKEN.fullmatch(mime_type):
        return None
    subtype = rest.partition(";")[0].rstrip(_HTTP_WHITESPACE)
    if not TOKEN.fullmatch(subtype):
        return None
    return f"{mime_type}/{subtype}".lower()


def _is_single_range_from_start(value: str) -> bool:
    """Fetch, "parse a single range header value" without whitespace, and no suffix range."""
    match = _SINGLE_RANGE.fullmatch(value)
    if match is None or not match[1]:
        return False
    return not match[2] or int(match[1]) <= int(match[2])


def why_not_safelisted(name: str, value: str) -> str | None:
    """Why ``name: value`` is not a CORS-safelisted request-header, or None when it is.

    Fetch, "CORS-safelisted request-header". A header given without a value has the
    empty value, which passes for ``Accept`` and the two language headers only.
    """
    raw = value.encode("latin-1")
    lower = name.lower()
    if len(raw) > MAX_SAFELISTED_VALUE:
        return f"its value is {len(raw)} bytes, over the {MAX_SAFELISTED_VALUE}-byte limit"
    if lower == "accept":
        return "its value has a CORS-unsafe byte" if _has_unsafe_byte(raw) else None
    if lower in ("accept-language", "content-language"):
        if any(b not in _LANGUAGE_BYTES for b in raw):
            return "its value has a byte other than 0-9 A-Z a-z space * , - . ; ="
        return None
    if lower == "content-type":
        if _has_unsafe_byte(raw):
            return "its value has a CORS-unsafe byte"
        essence = mime_essence(value)
        if essence not in SAFELISTED_CONTENT_TYPES:
            shown = "does not parse" if essence is None else f"is {essence}"
            return (
                f"its MIME type {shown}, not application/x-www-form-urlencoded, "
                "multipart/form-data or text/plain"
            )
        return None
    if lower == "range":
        if not _is_single_range_from_start(value):
            return "it is not a single range bytes=N- or bytes=N-M"
        return None
    return "only Accept, Accept-Language, Content-Language, Content-Type and Range can be"


def safelisted_total(headers: Sequence[tuple[str, str]]) -> int:
    """The bytes of all safelisted values together (each entry of a repeated name counts)."""
    return sum(
        len(value.encode("latin-1"))
        for name, value in headers
        if why_not_safelisted(name, value) is None
    )


def unsafe_request_headers(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Fetch, "CORS-unsafe request-header names": lower-cased name -> why it is unsafe.

    ``headers`` is the header list, one entry per ``headers.append()``. Sorted by
    name, as ``Access-Control-Request-Headers`` lists them. When the safelisted
    values add up to more than 1024 bytes, they all become unsafe.
    """
    total = safelisted_total(headers)
    unsafe: dict[str, str] = {}
    for name, value in headers:
        reason = why_not_safelisted(name, value)
        if reason is None and total > MAX_SAFELISTED_TOTAL:
            reason = f"the safelisted values add up to {total} bytes, over {MAX_SAFELISTED_TOTAL}"
        if reason is not None:
            unsafe.setdefault(name.lower(), reason)
    return dict(sorted(unsafe.items()))


def access_control_request_headers(unsafe: Sequence[str]) -> str:
    """Fetch, "CORS-preflight fetch" step 5: sorted lower-case names, joined by ``,`` alone."""
    return ",".join(sorted(name.lower() for name in unsafe))


# The response: the CORS check, the preflight's checks, what JS can read.


def _combined(headers: Headers, name: str) -> str | None:
    """Fetch, "get": several lines of one header are combined with ``", "``."""
    values = headers.getlist(name)
    if not values:
        return None
    return ", ".join(v.strip(" \t") for v in values)


def header_list(headers: Headers, name: str) -> list[str] | None:
    """Fetch, "extract header list values" for a ``#token`` header; None if one is no token."""
    value = _combined(headers, name)
    return [] if value is None else token_list(value)


def cors_check(headers: Headers, origin: str, credentials: bool) -> Blocked | None:
    """Fetch, "CORS check": run on every response of a CORS request but the preflight's."""
    allowed = _combined(headers, "Access-Control-Allow-Origin")
    if allowed is None:
        return Blocked(
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "origins",
            "missing-allow-origin",
        )
    if allowed == "*" and not credentials:
        return None
    if allowed == "*":
        return Blocked(
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be "
            "the wildcard '*' when the request's credentials mode is 'include'.",
            "origins",
            "wildcard-with-credentials",
        )
    if allowed != origin:
        if "," in allowed:
            return Blocked(
                f"The 'Access-Control-Allow-Origin' header contains multiple values "
                f"'{allowed}', but only one is allowed.",
                "origins",
                "multiple-allow-origin",
                allowed,
            )
        return Blocked(
            f"The 'Access-Control-Allow-Origin' header has a value '{allowed}' that is not "
            "equal to the supplied origin.",
            "origins",
            "origin-mismatch",
            allowed,
        )
    if not credentials:
        return None
    allow_credentials = _combined(headers, "Access-Control-Allow-Credentials") or ""
    if allow_credentials != "true":
        return Blocked(
            f"The value of the 'Access-Control-Allow-Credentials' header in the response is "
            f"'{allow_credentials}' which must be 'true' when the request's credentials mode "
            "is 'include'.",
            "supports_credentials",
            "credentials-not-true",
            allow_credentials,
        )
    return None


def check_preflight(
    status: int,
    headers: Headers,
    origin: str,
    method: str,
    unsafe_headers: Sequence[str],
    credentials: bool,
) -> Blocked | None:
    """Fetch, "CORS-preflight fetch" step 7, in the order Chromium reports failures.

    One deviation is shared by all three engines (CORS-FACTS 7.1) and modelled here:
    ``Access-Control-Allow-Headers: *`` covers ``Authorization`` (the standard says it
    must be listed by name); :func:`authorization_note` says so.
    """
    if 300 <= status < 400 and "Location" in headers:
        return Blocked(
            "Redirect is not allowed for a preflight request.",
            None,
            "preflight-redirect",
            preflight=True,
        )
    failed = cors_check(headers, origin, credentials)
    if failed is not None:
        return failed._replace(message=PREFLIGHT_FAILED + failed.message, preflight=True)
    if not 200 <= status <= 299:
        return Blocked(
            PREFLIGHT_FAILED + "It does not have HTTP ok status.",
            None,
            "preflight-not-ok",
            preflight=True,
        )
    methods = header_list(headers, "Access-Control-Allow-Methods")
    if methods is None:
        return Blocked(
            "Cannot parse Access-Control-Allow-Methods response header field in preflight "
            "response.",
            "methods",
            "bad-allow-methods",
            _bad_token(headers, "Access-Control-Allow-Methods"),
            preflight=True,
        )
    allowed_headers = header_list(headers, "Access-Control-Allow-Headers")
    if allowed_headers is None:
        return Blocked(
            "Cannot parse Access-Control-Allow-Headers response header field in preflight "
            "response.",
            "allow_headers",
            "bad-allow-headers",
            _bad_token(headers, "Access-Control-Allow-Headers"),
            preflight=True,
        )
    if (
        method not in methods
        and method not in SAFELISTED_METHODS
        and (credentials or "*" not in methods)
    ):
        return Blocked(
            f"Method {method} is not allowed by Access-Control-Allow-Methods in preflight "
            "response.",
            "methods",
            "method-not-allowed",
            method,
            preflight=True,
        )
    listed = {name.lower() for name in allowed_headers}
    for name in unsafe_headers:
        if name not in listed and (credentials or "*" not in listed):
            return Blocked(
                f"Request header field {name} is not allowed by Access-Control-Allow-Headers "
                "in preflight response.",
                "allow_headers",
                "header-not-allowed",
                name,
                preflight=True,
            )
    return None


def authorization_note(headers: Headers, unsafe_headers: Sequence[str]) -> str | None:
    """A note when ``*`` lets ``Authorization`` through, as engines do and Fetch does not."""
    listed = {name.lower() for name in header_list(headers, "Access-Control-Allow-Headers") or []}
    if "authorization" in unsafe_headers and "authorization" not in listed and "*" in listed:
        return (
            "Access-Control-Allow-Headers: * lets Authorization through in Chromium, Firefox "
            "and Safari today, but the Fetch standard says '*' never covers it (Chromium "
            "enforces that behind a flag): list Authorization by name"
        )
    return None


def _bad_token(headers: Headers, name: str) -> str:
    value = _combined(headers, name) or ""
    items = [item.strip(" \t") for item in value.split(",")]
    return next((item for item in items if item and not TOKEN.fullmatch(item)), value)


def why_hidden(name: str, headers: Headers, credentials: bool) -> str | None:
    """Why JS cannot read response header ``name`` (Fetch, "CORS filtered response"), or None."""
    lower = name.lower()
    if lower in FORBIDDEN_RESPONSE_HEADERS:
        return f"{name} is a forbidden response header name: JS never reads it"
    if name not in headers:
        return f"the response has no {name} header"
    if lower in SAFELISTED_RESPONSE_HEADERS:
        return None
    exposed = {item.lower() for item in header_list(headers, "Access-Control-Expose-Headers") or []}
    if lower in exposed:
        return None
    if "*" in exposed and not credentials:
        return None
    if "*" in exposed:
        return (
            "Access-Control-Expose-Headers is '*', which with credentials names a header "
            f"called '*', not {name}"
        )
    if credentials:
        return (
            f"{name} is not listed in Access-Control-Expose-Headers (with credentials it must "
            "be named there: '*' would not cover it)"
        )
    return f"{name} is not listed in Access-Control-Expose-Headers"


# Local Network Access (WICG), enforced by Chromium from 142: CORS-FACTS 1.14.

#: Address spaces, most private first; a request into a more private one is gated.
ADDRESS_SPACES = ("loopback", "local", "public")
_LOOPBACK_NETWORKS = tuple(map(ipaddress.ip_network, ("127.0.0.0/8", "::1/128")))
_LOCAL_NETWORKS = tuple(
    map(
        ipaddress.ip_network,
        (
            "10.0.0.0/8",  # RFC 1918
            "172.16.0.0/12",
            "192.168.0.0/16",
            "169.254.0.0/16",  # link-local
            "fc00::/7",  # unique local
            "fe80::/10",  # link-local
        ),
    )
)


def address_space(host: str) -> str:
    """The LNA address space a host literal is in; a DNS name other than localhost is public.

    Names are not resolved: a name that resolves to a private address is judged public here.
    """
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "public"
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if any(address in network for network in _LOOPBACK_NETWORKS):
        return "loopback"
    if any(address in network for network in _LOCAL_NETWORKS):
        return "local"
    return "public"


def local_network_note(engine: str, page: str, api: str) -> str | None:
    """Why Chromium 142+ asks the user before this fetch (Local Network Access), else None.

    A request from a page into a more private address space (public to local or
    loopback, local to loopback) waits for a permission prompt; denied, or in headless
    where there is no prompt, it fails before any request, preflight included, reaches
    the server. Firefox and Safari do not gate it. ``page`` and ``api`` are origins.
    """
    if engine != "chromium" or page in ("null", "file://"):
        return None
    page_url, api_url = urlsplit(page), urlsplit(api)
    page_space = address_space(page_url.hostname or "")
    api_space = address_space(api_url.hostname or "")
    if ADDRESS_SPACES.index(api_space) >= ADDRESS_SPACES.index(page_space):
        return None
    if page_url.scheme == "https":
        how = (
            "asks the user for permission first (headless, with no prompt, denies it); until "
            "it is allowed"
        )
        console = (
            f"Permission was denied for this request to access the `{api_space}` address space"
        )
    else:
        how = (
            f"refuses it outright, as the permission needs a secure context and an http:// "
            f"page on a {page_space} address is not one; so"
        )
        console = (
            f"Access to fetch at '...' from origin '{page}' has been blocked by CORS policy: "
            "The request client is not a secure context and the resource is in more-private "
            f"address space `{api_space}`"
        )
    return (
        f"Local Network Access: a page on a {page_space} address ({page}) fetches the "
        f"{api_space} address space ({api}), so Chromium 142 and later {how} no request, not "
        f"even a preflight, reaches the server, fetch() rejects with {JS_ERRORS['chromium']} "
        f"and the console says: {console}. No option of this app changes that, whatever the "
        "console's words. Firefox and Safari do not ask. In development, open the page from "
        "localhost too, or start Chromium with --disable-features=LocalNetworkAccessChecks"
    )
