"""The write gate: which requests are cross-origin writes, and when a policy refuses one.

CORS decides what a page may read. A form POST, a ``no-cors`` fetch, a beacon and a
WebSocket handshake are sent by every browser without a preflight, so the server
must make the preflight's decision itself before the view runs (the model of Go's
``net/http.CrossOriginProtection``, with the route's policy as the trusted origins).
Nothing here knows Flask's hooks; :mod:`~flask_crossorigin._hooks` calls it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from werkzeug.sansio.utils import host_is_trusted

from ._decorator import EXTENSION_KEY
from ._http import ENV_ORIGIN
from ._origins import DEFAULT_PORTS
from ._policy import Policy, Refusal, origin_refusal
from ._signals import Kind, report_refusal

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger("flask_crossorigin")

ENV_SEC_FETCH_SITE = "HTTP_SEC_FETCH_SITE"
#: ``same-origin``: this origin's own page; ``none``: the user typed the URL or a bookmark.
SAME_ORIGIN_SITES = frozenset({"same-origin", "none"})
#: Fetch Metadata, ``Sec-Fetch-Mode``: requests to which a page cannot add a header.
BROWSER_ONLY_MODES = frozenset({"navigate", "no-cors", "websocket"})
#: HTTP authentication schemes a browser keeps and attaches by itself (never Bearer).
BROWSER_AUTH_SCHEMES = frozenset({"basic", "digest", "negotiate", "ntlm"})


def is_websocket_handshake(method: str, environ: dict[str, Any]) -> bool:
    """RFC 6455 section 4.1: a GET with ``Upgrade: websocket`` and ``Connection: upgrade``.

    Any other ``Upgrade`` (``h2c`` from ``curl --http2``) leaves a GET a safe request, and
    a POST that claims a handshake is still checked as a POST.
    """
    if method != "GET" or str(environ.get("HTTP_UPGRADE", "")).lower() != "websocket":
        return False
    connection = str(environ.get("HTTP_CONNECTION", "")).lower()
    return "upgrade" in (token.strip() for token in connection.split(","))


def own_origin(scheme: str, host: str) -> str:
    """The serialized origin of this request's URL (RFC 6454): ``scheme://host[:port]``.

    ``scheme`` and ``host`` are as Flask sees them, so ``ProxyFix`` applies; the
    default port is dropped, as a browser drops it from ``Origin``.
    """
    host = host.lower()
    default = DEFAULT_PORTS.get(scheme)
    if default is not None and host.endswith(f":{default}"):
        host = host[: -len(default) - 1]
    return f"{scheme}://{host}"


def request_origin(environ: dict[str, Any]) -> str:
    """The origin of this request's URL, from the WSGI environ (as ``ProxyFix`` left it).

    Read from the environ rather than ``request.host``: werkzeug (3.1.8+) makes the host
    ``""`` when it holds a character it rejects, such as the underscore of a
    docker-compose service name, which browsers accept; the app's own page would then
    look like another origin.
    """
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = environ.get("HTTP_HOST")
    if not host:  # HTTP/1.0 without Host: the server's name and port
        host = f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return own_origin(scheme, str(host))


def is_cross_origin(environ: dict[str, Any]) -> bool:
    """Whether a page of another origin sent this request.

    ``Sec-Fetch-Site`` decides where it is sent (``same-site`` is another origin: a
    page on another port or subdomain). Without it (Chromium's WebSocket handshakes,
    older browsers), ``Origin`` is compared with the request's own origin; ``null`` is
    always another. A request with neither header comes from no page: curl, a webhook,
    another server.
    """
    site = environ.get(ENV_SEC_FETCH_SITE)
    if site is not None:
        # Like Go's CrossOriginProtection: only these two values vouch for the request;
        # anything else (cross-site, same-site, a value no browser sends) is another origin.
        return site not in SAME_ORIGIN_SITES
    origin = environ.get(ENV_ORIGIN)
    if origin is None:
        return False
    return bool(origin == "null" or origin != request_origin(environ))


def browser_checks_the_answer(method: str, environ: dict[str, Any]) -> bool:
    """Whether a browser will run the CORS check on this request's response.

    Fetch runs it only for a ``cors``-mode request to another origin. A navigation (an
    identity provider's form POST), a ``no-cors`` fetch, a WebSocket handshake (which
    Chromium sends without ``Sec-Fetch-Mode``) or the app's own page is shown or read
    whatever the answer says, so an origin the policy does not list is no refusal there:
    nothing is blocked that a log line could explain.
    """
    mode = environ.get("HTTP_SEC_FETCH_MODE")
    if mode is not None and mode != "cors":
        return False
    if is_websocket_handshake(method, environ):
        return False
    return is_cross_origin(environ)


def proxy_hint(environ: dict[str, Any]) -> str | None:
    """Why a refused write may be the app's own page: a proxy Flask is not told about.

    Behind a TLS-terminating proxy without ``ProxyFix``, Flask sees ``http://`` while
    the page's ``Origin`` says ``https://``, so a same-origin form or WebSocket looks
    cross-origin. That cannot be seen at start-up, only on such a request.
    """
    origin = environ.get(ENV_ORIGIN)
    # Only an https page and a request Flask sees as http can be this; most refusals stop here.
    if origin is None or not origin.startswith("https://") or environ["wsgi.url_scheme"] != "http":
        return None
    own = request_origin(environ)
    scheme, _, hostport = own.partition("://")
    other = "https" if scheme == "http" else "http"
    if origin not in (f"{other}://{hostport}", f"{other}://{hostport.rpartition(':')[0]}"):
        return None
    return (
        f"a write from {origin!r} was judged cross-origin because Flask sees this request "
        f"as {own!r}: the app is probably behind a proxy that terminates TLS and Flask is "
        "not told; wrap it: from werkzeug.middleware.proxy_fix import ProxyFix; "
        "app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)"
    )


def browser_attached_authorization(environ: dict[str, Any]) -> bool:
    """Whether the ``Authorization`` header is one the browser attached by itself.

    A page can add one only to a CORS-mode request, which its preflight approved (a
    bearer token, say); the browser attaches HTTP authentication it holds to forms,
    beacons, ``no-cors`` fetches and sockets, whose ``Sec-Fetch-Mode`` says so. Where
    the mode is not sent (Chromium's WebSocket handshakes, older browsers), only the
    schemes a browser manages itself count: Basic, Digest, Negotiate and NTLM.
    """
    mode = environ.get("HTTP_SEC_FETCH_MODE")
    if mode is not None:
        return mode in BROWSER_ONLY_MODES
    scheme = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")[0].lower()
    return scheme in BROWSER_AUTH_SCHEMES


def write_refusal(
    policy: Policy | None, environ: dict[str, Any], method: str, websocket: bool
) -> Refusal | None:
    """Why a cross-origin write is refused: the checks its preflight would have made.

    Fetch, "CORS-preflight fetch" and "CORS check": the origin, the method (a
    handshake is a GET), and credentials, which need ``supports_credentials=True``.
    """
    origin = environ.get(ENV_ORIGIN)
    if policy is None:
        return Refusal(
            "the route has no CORS policy, so it takes no cross-origin write",
            origin or "",
            "protect_all_routes",
        )
    if origin is None:
        return Refusal("a cross-origin write without Origin is not allowed", "", "origins")
    refusal = policy.origin_refusal(origin)
    if refusal is not None:
        return refusal
    checked = "GET" if websocket else method
    if checked not in policy.methods:
        return Refusal("method is not allowed", method, "methods")
    if not policy.supports_credentials:
        if "HTTP_COOKIE" in environ:
            return Refusal("the request carries credentials", "Cookie", "supports_credentials")
        if "HTTP_AUTHORIZATION" in environ and browser_attached_authorization(environ):
            return Refusal(
                "the request carries credentials", "Authorization", "supports_credentials"
            )
    return None


def socketio_origins(app: Flask) -> Callable[..., bool]:
    """``SocketIO(app, cors_allowed_origins=socketio_origins(app))``: one origin list for both.

    Flask-SocketIO's handshakes do not pass through Flask's hooks, so the gate cannot
    see them. The callable allows the request's own origin and the origins the
    app-level policy allows (``CrossOrigin(app, origins=...)`` or ``CORS_ORIGINS``;
    none when the app level names none), and sends ``cors_refused`` for the others.
    Engine.io calls it on every Socket.IO request, so it costs a lookup: the app's
    configuration in force is read at each call, and nothing else.

    .. versionadded:: 0.2.0
    """

    warned = False

    def allowed(origin: str | None, environ: dict[str, Any] | None = None) -> bool:
        nonlocal warned
        if origin is None:
            return True  # no page sent it: not a browser's cross-origin handshake
        method = "GET"
        if environ is not None:
            method = str(environ.get("REQUEST_METHOD", "GET"))  # Engine.IO polls with POST
            host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
            trusted = app.config.get("TRUSTED_HOSTS")
            # Under DNS rebinding the Host is the attacker's: Flask refuses it, and so do we.
            if trusted and not host_is_trusted(host, trusted):
                untrusted = Refusal("the request's Host is not in TRUSTED_HOSTS", host, None)
                report_refusal(app, environ, None, Kind.WEBSOCKET, method, untrusted)
                return False
            if origin == request_origin(environ):
                return True
        state = app.extensions.get(EXTENSION_KEY)
        defaults = state.rules.defaults if state is not None else {}
        if "origins" not in defaults:
            if not warned:
                warned = True
                logger.warning(
                    "socketio_origins(app): the app level names no origins, so Socket.IO "
                    "accepts only the app's own origin; name them at the app level, e.g. "
                    "CrossOrigin(app, origins=[...], resources='/api/*') (resources narrows "
                    "which routes they cover, not which origins Socket.IO accepts)"
                )
            refusal: Refusal | None = Refusal("the app level names no origins", origin, "origins")
        elif defaults["origins"].is_static:
            refusal = origin_refusal(defaults["origins"], origin)
        else:
            # A user's check or a source's key function may use the app or the request.
            context: AbstractContextManager[object] = (
                app.request_context(environ) if environ is not None else app.app_context()
            )
            with context:
                refusal = origin_refusal(defaults["origins"], origin)
        if refusal is None:
            return True
        report_refusal(app, environ, None, Kind.WEBSOCKET, method, refusal)
        return False

    return allowed
