"""The HTTP grammar that the server side and the browser model share.

Header names, the token rule, the strict ``#token`` list splitter and ``Vary`` merging,
each written once. Nothing here knows about CORS policies or about Flask.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from werkzeug.datastructures import Headers

#: RFC 9110 section 5.6.2, ``token``: what a method or a header name may be.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

#: A response header line, as werkzeug's ``Headers`` takes it.
Header = tuple[str, str]

ORIGIN = "Origin"
VARY = "Vary"
ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
ALLOW_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
MAX_AGE = "Access-Control-Max-Age"
REQUEST_METHOD = "Access-Control-Request-Method"
REQUEST_HEADERS = "Access-Control-Request-Headers"
REQUEST_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"

#: What the answer to an OPTIONS request depends on, besides the URL (Fetch, "CORS protocol
#: and HTTP caches"): sent on every answer to an OPTIONS on a covered route, preflight or not,
#: so a shared cache never replays one to a request that would get another answer.
PREFLIGHT_VARY = (ORIGIN, REQUEST_METHOD, REQUEST_HEADERS, REQUEST_PRIVATE_NETWORK)
PREFLIGHT_VARY_VALUE = ", ".join(PREFLIGHT_VARY)
#: For an answer that no shared cache may store (see :func:`from_repeated_lines`).
NO_STORE = ("Cache-Control", "no-store")
#: The type of a refusal's short body.
TEXT_PLAIN = ("Content-Type", "text/plain; charset=utf-8")
#: On a refusal's text body: a browser must not sniff it into something else.
NOSNIFF = ("X-Content-Type-Options", "nosniff")

#: The WSGI environ keys of the request headers the hooks read.
ENV_ORIGIN = "HTTP_ORIGIN"
ENV_REQUEST_METHOD = "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
ENV_REQUEST_HEADERS = "HTTP_ACCESS_CONTROL_REQUEST_HEADERS"
ENV_REQUEST_PRIVATE_NETWORK = "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"


#: Lower-case tokens joined by ``,`` alone: the form of a browser's request headers list.
_BROWSER_NAMES = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+(?:,[!#$%&'*+\-.^_`|~0-9a-z]+)*")


def token_list(value: str) -> list[str] | None:
    """Split a ``#token`` list (``"x-a, x-b"``); ``None`` when an element is not a token.

    Fetch, "extract header list values": empty elements and the whitespace around
    elements are skipped, but one element that is not a token fails the whole list.
    Werkzeug's ``parse_list_header`` cannot serve here: it unquotes and accepts
    elements that are not tokens, which a browser would reject.
    """
    if _BROWSER_NAMES.fullmatch(value):
        return value.split(",")  # the form browsers send: nothing to strip or skip
    items = [item.strip(" \t") for item in value.split(",")]
    items = [item for item in items if item]
    return items if all(TOKEN.fullmatch(item) for item in items) else None


def is_browser_request_headers(value: str) -> bool:
    """Whether ``value`` is an ``Access-Control-Request-Headers`` a browser could send.

    Fetch, "CORS-preflight fetch" step 5: lower-case names, sorted, unique, joined by
    ``,`` alone. Anything else came from another client, or from several header lines
    that the server joined.
    """
    if _BROWSER_NAMES.fullmatch(value) is None:
        return False
    if "," not in value:
        return True
    names = value.split(",")
    return all(a < b for a, b in itertools.pairwise(names))


def from_repeated_lines(
    origin: str | None,
    method: str | None,
    headers: str | None,
    private_network: str | None = None,
) -> bool:
    """Whether a CORS request header holds a value that only repeated lines would make.

    Two ``Origin`` lines reach a WSGI app as ``"https://evil.com,https://earth.com"``,
    while a shared cache may key its entry on the first line alone: the answer to
    such a request must not be stored, or the cache could replay a refusal to the
    real origin. A serialized origin and a method never contain a comma.
    """
    return (
        (origin is not None and "," in origin)
        or (method is not None and "," in method)
        or (private_network is not None and "," in private_network)
        or (headers is not None and not is_browser_request_headers(headers))
    )


def add_vary(headers: Headers, values: Iterable[str]) -> None:
    """Merge ``values`` into ``Vary``, keeping the view's own and never repeating one.

    Werkzeug's ``response.vary`` cannot be used: it reads only the first ``Vary`` line,
    so values on a second line would be lost, and it rewrites the header even when
    nothing is missing.
    """
    wanted = tuple(values)
    existing = headers.get_all(VARY)
    if not existing:
        headers[VARY] = ", ".join(wanted)
        return
    merged: list[str] = []
    seen: set[str] = set()
    for item in (part.strip() for line in existing for part in line.split(",")):
        if item and item.lower() not in seen:
            seen.add(item.lower())
            merged.append(item)
    if "*" in seen:
        return
    missing = [v for v in wanted if v.lower() not in seen]
    if missing or len(existing) > 1:
        headers[VARY] = ", ".join(merged + missing)
