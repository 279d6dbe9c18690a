"""Test a CORS policy the way a browser would: :func:`fetch` acts out one ``fetch()``.

It sends what the browser would send (the preflight when one is needed, then the
actual request, then each redirect) to the app through its test client, runs the
browser's checks from :mod:`flask_crossorigin._browser` on every response, judges the
cookies the app sets as each engine's cookie jar would, and returns a
:class:`FetchResult`: the verdict, each exchange, the server's refusal, the browser's
console message and the cookie notes. ``flask cors check`` prints the same result.

:func:`assert_cors_policy` resolves every route of an app and raises with every
configuration error at once. The pytest plugin (registered through the ``pytest11``
entry point) adds a ``cors`` fixture bound to pytest-flask's ``app`` fixture.

The pieces: ``_request`` reads the arguments as a browser builds the request,
``_simulation`` acts it out, ``_cookies`` reads the cookies the app sets
(the cookie model itself is :mod:`flask_crossorigin._cookies`), ``_transcript`` the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from flask import Flask
from flask.testing import FlaskClient

from .._cookies import CookieNote
from .._decorator import EXTENSION_KEY
from .._errors import CorsConfigError
from .._http import TOKEN
from .._sources import source_problems
from ._request import (
    ENGINES,
    Credentials,
    Engine,
    FetchInit,
    FetchRequest,
    FetchUsageError,
    check_header,
    parse_base_url,
    parse_method,
    parse_origin,
    parse_path,
)
from ._simulation import Act
from ._transcript import Exchange, FetchResult

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._hooks import CorsState

__all__ = [
    "CookieNote",
    "CorsTester",
    "Exchange",
    "FetchInit",
    "FetchResult",
    "FetchUsageError",
    "assert_cors_policy",
    "fetch",
]


def fetch(
    client_or_app: FlaskClient | Flask,
    path: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    credentials: Credentials = "same-origin",
    browser: Engine = "chromium",
    expose: Sequence[str] = (),
    base_url: str | None = None,
) -> FetchResult:
    """Act out ``fetch(base_url + path, {method, headers, credentials})`` from a page at ``origin``.

    Nothing leaves the process: every request goes through the app's test client.
    With ``credentials="include"`` the actual request carries the cookies of
    ``client_or_app`` when it is a client; a preflight never does. It is thread-safe:
    each call reports only its own requests' refusals.

    :param client_or_app: the app, or a test client of it (for its cookies).
    :param path: the URL path (and query) on the app, e.g. ``"/oxygen-data"``; dot
        segments are removed as a browser removes them.
    :param origin: the page's serialized origin, e.g. ``"https://earth.com"`` or ``"null"``.
    :param method: as given to ``fetch()``; normalised as ``fetch()`` does (``patch`` stays).
    :param headers: the request headers the page's script sets.
    :param credentials: ``fetch()``'s credentials mode.
    :param browser: the engine whose verdict, console wording and cookie rules are used.
    :param expose: response headers the page's script must read.
    :param base_url: the API's origin, e.g. ``"https://api.mars.test"``; defaults to
        ``SERVER_NAME`` with ``PREFERRED_URL_SCHEME``, else ``http://localhost``. The
        cookie model judges same-site or cross-site from it, and, when it is given (or
        ``SERVER_NAME`` is), Chromium's Local Network Access from its host.
    :raises FetchUsageError: a ``fetch()`` no page could make (a forbidden header, ...).

    .. versionadded:: 0.2.0
    """
    if browser not in ENGINES:
        raise FetchUsageError("browser", f"{browser!r}: give one of {', '.join(ENGINES)}")
    if credentials not in ("omit", "same-origin", "include"):
        raise FetchUsageError(
            "credentials", f"{credentials!r}: give 'omit', 'same-origin' or 'include'"
        )
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    for name in expose:
        if not TOKEN.fullmatch(name):
            raise FetchUsageError("expose", f"{name!r} is not a header name")
    client = (
        client_or_app.test_client(use_cookies=False)
        if isinstance(client_or_app, Flask)
        else client_or_app
    )
    request = FetchRequest(
        path=parse_path(path),
        origin=parse_origin(origin),
        method=parse_method(method),
        headers=tuple(check_header(name, value) for name, value in pairs),
        credentials=credentials,
        server=parse_base_url(base_url, client.application),
    )
    # The API's address is known when the caller or SERVER_NAME says it, not by default.
    located = base_url is not None or bool(client.application.config.get("SERVER_NAME"))
    return Act(client, request, browser, asked=path, located=located).run(expose)


def cors_state(app: Flask) -> CorsState:
    """The app's CORS state, with every route resolved; raises with every error found."""
    state: CorsState | None = app.extensions.get(EXTENSION_KEY)
    if state is None:
        raise LookupError(
            f"app {app.name!r} has no CrossOrigin extension; call CrossOrigin(app) "
            "(or cors.init_app(app)) where the app is created"
        )
    state.rules.resolve_all()
    return state


def assert_cors_policy(app: Flask) -> None:
    """Resolve the CORS policy of every route of ``app``; raise with every error at once.

    A one-line test (``assert_cors_policy(create_app())``) that keeps a route added
    after ``init_app`` with a policy that cannot be built from reaching production.

    An ``OriginSource`` is loaded once (without a ``key`` function only); a loader
    that raises, returns junk or returns invalid entries is reported too.

    :raises CorsConfigError: listing every route whose policy cannot be built.
    :raises LookupError: the app has no ``CrossOrigin`` extension.

    .. versionadded:: 0.2.0
    """
    state = cors_state(app)
    problems = source_problems(
        policy.origins if policy is not None else None
        for policy in map(state.rules.policy_for, app.url_map.iter_rules())
    )
    if problems:
        raise CorsConfigError.collect(problems)


class CorsTester:
    """What the ``cors`` pytest fixture gives: :func:`fetch` bound to an app.

    ``cors.fetch("/x", origin=...)`` uses the bound app (pytest-flask's ``app``
    fixture, when the suite has one); ``cors(other_app)`` binds another.

    .. versionadded:: 0.2.0
    """

    def __init__(self, app: Flask | None = None) -> None:
        self.app = app

    def __call__(self, app: Flask) -> CorsTester:
        return CorsTester(app)

    def _bound(self) -> Flask:
        if self.app is None:
            raise LookupError(
                "the cors fixture has no app: install pytest-flask and define an `app` "
                "fixture, or bind one with cors(app).fetch(...)"
            )
        return self.app

    def fetch(self, path: str, *, origin: str, **init: Unpack[FetchInit]) -> FetchResult:
        """:func:`fetch` against the bound app; the keywords are :func:`fetch`'s."""
        return fetch(self._bound(), path, origin=origin, **init)

    def assert_policy(self) -> None:
        """:func:`assert_cors_policy` on the bound app."""
        assert_cors_policy(self._bound())
