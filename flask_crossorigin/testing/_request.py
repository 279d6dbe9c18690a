"""The ``fetch()`` being acted out, read from the caller's arguments as a browser reads them.

A browser builds the request URL before anything is sent: it removes dot segments
from the path (``/files/../admin`` is ``/admin``), drops the fragment, and serialises
the origin without its default port. The model does the same, so it asks the app
about the route the browser would reach. Errors name the Python argument
(``headers``, ``origin``); ``flask cors check`` renames them to its flags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict
from urllib.parse import urlsplit

from flask import Flask

from .. import _browser as browser
from .._errors import CorsConfigError
from .._http import TOKEN
from .._options import FORBIDDEN_METHODS
from .._origins import FILE_ORIGIN, SERIALIZED_ORIGIN, normalise_origin

Credentials = Literal["omit", "same-origin", "include"]
Engine = Literal["chromium", "firefox", "safari"]
ENGINES = browser.ENGINES
DEFAULT_PORTS = {"http": 80, "https": 443}
#: The origin a test client's request goes to when the app names none (API.md).
DEFAULT_SERVER = "http://localhost"


class FetchInit(TypedDict, total=False):
    """The keywords of :func:`fetch` after ``origin``, as ``fetch()``'s ``init`` has them."""

    method: str
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None
    credentials: Credentials
    browser: Engine
    expose: Sequence[str]
    base_url: str | None


class FetchUsageError(ValueError):
    """A ``fetch()`` that a page's script could not make (``flask cors check`` exits 2).

    ``argument`` names the keyword of :func:`fetch` at fault (``"headers"``,
    ``"origin"``, ...); ``problem`` is the rest of the message.
    """

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"{argument}: {problem}")
        self.argument = argument
        self.problem = problem


@dataclass(frozen=True)
class FetchRequest:
    """The ``fetch()`` being acted out: ``fetch(url, {method, headers, credentials})``."""

    path: str
    origin: str
    method: str
    headers: tuple[tuple[str, str], ...]
    credentials: Credentials
    #: The origin of the URL fetched now: the API's, or another after a redirect.
    server: str = DEFAULT_SERVER

    @property
    def include_credentials(self) -> bool:
        return self.credentials == "include"

    @property
    def url(self) -> str:
        return self.server + self.path

    def javascript(self) -> str:
        """The call, as the page's script would write it."""
        init = [f"method: {json.dumps(self.method)}"]
        if self.headers:
            names = {name.lower() for name, _ in self.headers}
            unique = len(names) == len(self.headers)
            shown = dict(self.headers) if unique else [list(h) for h in self.headers]
            init.append(f"headers: {json.dumps(shown)}")
        init.append(f"credentials: {json.dumps(self.credentials)}")
        return f"fetch({json.dumps(self.url)}, {{{', '.join(init)}}})"


# URLs, as the URL Standard's parser builds them.

_SINGLE_DOT = re.compile(r"\.|%2e", re.IGNORECASE)
_DOUBLE_DOT = re.compile(r"(?:\.|%2e){2}", re.IGNORECASE)


def remove_dot_segments(path: str) -> str:
    """``path`` with ``.`` and ``..`` segments applied (URL Standard, "path state").

    ``%2e`` counts as a dot, as the URL parser says ("single-dot URL path segment"),
    and a dot segment at the end keeps the trailing slash.
    """
    kept: list[str] = []
    segments = path.split("/")[1:]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if _DOUBLE_DOT.fullmatch(segment):
            if kept:
                kept.pop()
            if last:
                kept.append("")
        elif _SINGLE_DOT.fullmatch(segment):
            if last:
                kept.append("")
        else:
            kept.append(segment)
    return "/" + "/".join(kept)


def origin_of(scheme: str, host: str, port: int | None) -> str:
    """The serialized origin; a default port is not part of it (URL Standard)."""
    shown = f"[{host}]" if ":" in host else host
    if port is None or DEFAULT_PORTS.get(scheme) == port:
        return f"{scheme}://{shown}"
    return f"{scheme}://{shown}:{port}"


def parse_path(path: str) -> str:
    """The path (and query) a browser requests for ``fetch(path)`` on the API's origin."""
    if any(ch in path for ch in "\r\n\0\t "):
        raise FetchUsageError(
            "path", f"{path!r} has a space or control character; percent-encode it"
        )
    # The URL parser reads a backslash as a slash in an http(s) URL: /\\host is //host.
    path = path.replace("\\", "/")
    if path.startswith("//"):
        raise FetchUsageError(
            "path",
            f"{path!r} is another host's URL (scheme-relative); give a path on this app, "
            f"e.g. {'/' + path.lstrip('/').partition('/')[2]!r}",
        )
    if not path.startswith("/"):
        raise FetchUsageError("path", f"{path!r} must start with '/', e.g. '/api/items'")
    path = path.partition("#")[0]
    route, question, query = path.partition("?")
    return remove_dot_segments(route) + question + query


def parse_base_url(base_url: str | None, app: Flask) -> str:
    """The API's origin: ``base_url``, else ``SERVER_NAME`` with ``PREFERRED_URL_SCHEME``."""
    if base_url is None:
        server_name = app.config.get("SERVER_NAME")
        if not server_name:
            return DEFAULT_SERVER
        base_url = f"{app.config.get('PREFERRED_URL_SCHEME') or 'http'}://{server_name}"
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
    ):
        raise FetchUsageError(
            "base_url",
            f"{base_url!r} is not an API origin; give scheme://host[:port], "
            "e.g. 'https://api.example.com'",
        )
    return origin_of(parts.scheme, parts.hostname, port)


def check_header(name: str, value: str) -> tuple[str, str]:
    """A header a page's script may set with ``headers.append(name, value)``."""
    if not TOKEN.fullmatch(name):
        raise FetchUsageError("headers", f"{name!r} is not a header name")
    if any(ch in value for ch in "\r\n\0"):
        raise FetchUsageError("headers", f"{name}: a value cannot contain CR, LF or NUL")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise FetchUsageError(
            "headers", f"{name}: fetch() only takes bytes 0-255 in a header value"
        ) from None
    if browser.is_forbidden_request_header(name):
        raise FetchUsageError(
            "headers",
            f"{name} is a forbidden request header; a page's script cannot set it, "
            "the browser does",
        )
    return name, value


def parse_origin(origin: str) -> str:
    """The page's origin, exactly as a browser serialises it into ``Origin``."""
    if origin in ("null", FILE_ORIGIN):
        return origin
    try:
        serialized = normalise_origin(origin)
    except CorsConfigError as error:
        raise FetchUsageError("origin", str(error).removeprefix("origins: ")) from None
    if serialized != origin or not SERIALIZED_ORIGIN.fullmatch(origin):
        raise FetchUsageError(
            "origin",
            f"{origin!r} is not how a browser sends it; give the serialized origin {serialized!r}",
        )
    return origin


def parse_method(method: str) -> str:
    """The method as ``fetch()`` sends it (Fetch, "normalize a method")."""
    if not TOKEN.fullmatch(method):
        raise FetchUsageError("method", f"{method!r} is not an HTTP method name")
    if method.upper() in FORBIDDEN_METHODS:
        raise FetchUsageError("method", f"{method}: fetch() refuses a forbidden method")
    return browser.normalize_method(method)
