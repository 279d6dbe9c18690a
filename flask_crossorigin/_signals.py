"""``cors_refused`` and the one place a refusal is told: a log line, then the signal.

Receivers get the app as sender and ``endpoint`` (``None`` when no route matched),
``kind`` (a :class:`Kind`: ``"preflight"``, ``"actual"``, ``"write"`` or
``"websocket"``), ``method``, ``refusal`` (a :class:`~flask_crossorigin._policy.Refusal`:
``rule``, ``value``, ``option``) and ``enforced`` (``False`` when ``protect_writes="report"``
only reports a write and serves it). The log line and ``flask cors check`` are built on
it; a user can count refusals in their metrics::

    from flask_crossorigin import cors_refused

    @cors_refused.connect_via(app)
    def count(sender, endpoint, kind, refusal, **extra):
        metrics.increment("cors.refused", tags={"kind": kind, "option": refusal.option})

An ``async def`` receiver works, run through ``app.ensure_sync`` as Flask runs its own
signals' receivers. A receiver that raises is logged (at most once a minute) and
never turns a refusal into a 500: a metrics outage must not take the API down.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import weakref
from enum import Enum
from typing import TYPE_CHECKING, Any

from blinker import Namespace
from flask.logging import has_level_handler

from ._errors import LogThrottle
from ._http import TOKEN

if TYPE_CHECKING:
    from flask import Flask

    from ._policy import Refusal

logger = logging.getLogger("flask_crossorigin")

_signals = Namespace()

#: Sent once per refused request (preflight, actual request, write or WebSocket handshake),
#: after the log line.
cors_refused = _signals.signal("cors-refused")

#: Set in a request's WSGI environ once its refusal is told, so that a failing
#: ``after_request`` function of the app (which makes Flask run the hooks again for
#: the 500) never tells it twice.
REPORTED = "flask_crossorigin.reported"


class Kind(str, Enum):
    """What kind of request was refused; equal to its string value (``kind == "write"``)."""

    #: Fetch, "CORS protocol": an OPTIONS with ``Origin`` and a request method.
    PREFLIGHT = "preflight"
    #: Any other request with an ``Origin``: its response is CORS-checked by the browser.
    ACTUAL = "actual"
    #: A cross-origin write (not GET, HEAD or OPTIONS) refused by the write gate.
    WRITE = "write"
    #: A cross-origin WebSocket handshake refused by the write gate.
    WEBSOCKET = "websocket"

    def __str__(self) -> str:
        return self.value


def describe_request(kind: Kind, method: str) -> str:
    """``"preflight"``, ``"GET request"``, ``"POST write"``: the log line's words for a request.

    Werkzeug's development server passes any request line's method through, and the
    log line must never carry a control character or a forged second line, so a
    method that is not a short token is left out.
    """
    if kind is Kind.PREFLIGHT:
        return "preflight"
    if kind is Kind.WEBSOCKET:
        return "WebSocket handshake"
    noun = "write" if kind is Kind.WRITE else "request"
    return f"{method} {noun}" if len(method) <= 20 and TOKEN.fullmatch(method) else noun


def request_path(environ: dict[str, Any]) -> str | None:
    """The request's path as the client wrote it (``SCRIPT_NAME`` and ``PATH_INFO``, which
    WSGI gives as latin-1 strings of UTF-8 bytes), or ``None`` when it is empty."""
    path = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
    with contextlib.suppress(UnicodeEncodeError):  # not a WSGI string: shown as it is
        path = path.encode("latin-1").decode("utf-8", "replace")
    return path or None


def refusal_line(
    endpoint: str | None,
    kind: Kind,
    method: str,
    refusal: Refusal,
    *,
    enforced: bool = True,
    path: str | None = None,
) -> str:
    """The log line of a refusal; request values in it are quoted and cut short.

    It names the endpoint; a request that reached none (a Socket.IO handshake, which
    Flask never routes) is named by its path, which says more than ``endpoint None``.
    """
    if endpoint is not None or path is None:
        where = f"endpoint {endpoint!r}"
    else:
        where = f"path {path if len(path) <= 80 else path[:80] + '...'!r}"
    line = f"CORS {describe_request(kind, method)} refused for {where}: {refusal}"
    return line if enforced else f"{line} [report only: served]"


#: Each failing receiver's log throttle (a receiver that fails is logged at most once
#: a minute), held as long as the receiver itself.
_throttles: weakref.WeakKeyDictionary[Any, LogThrottle] = weakref.WeakKeyDictionary()


def report_refusal(
    app: Flask,
    environ: dict[str, Any] | None,
    endpoint: str | None,
    kind: Kind,
    method: str,
    refusal: Refusal,
    *,
    enforced: bool = True,
) -> None:
    """Tell that a request was refused: one INFO line, then ``cors_refused``, once per request.

    In debug mode (``flask run --debug``) the line also goes to ``app.logger``, which
    prints it on the console, unless the ``flask_crossorigin`` logger is set up to.
    The line is only formatted when something will show it.
    """
    if environ is not None:
        if REPORTED in environ:
            return
        environ[REPORTED] = True
    logged = logger.isEnabledFor(logging.INFO)
    if logged or app.debug:
        path = None if environ is None else request_path(environ)
        line = refusal_line(endpoint, kind, method, refusal, enforced=enforced, path=path)
        if logged:
            logger.info("%s", line)
        if app.debug and not (logged and has_level_handler(logger)):
            app.logger.info("%s", line)
    if cors_refused.receivers:
        _send(app, endpoint=endpoint, kind=kind, method=method, refusal=refusal, enforced=enforced)


def _send(app: Flask, **event: Any) -> None:
    """Call each receiver for ``app``, each on its own: one that raises stops no other."""
    for receiver in cors_refused.receivers_for(app):
        try:
            if inspect.iscoroutinefunction(receiver):
                app.ensure_sync(receiver)(app, **event)
            else:
                receiver(app, **event)
        except Exception:
            try:
                throttle = _throttles.setdefault(receiver, LogThrottle())
            except TypeError:  # not weakly referenceable: log every failure
                throttle = LogThrottle(interval=0.0)
            quiet = throttle.allow()
            if quiet is not None:
                logger.exception(
                    "cors_refused receiver %s raised; the refusal stands "
                    "(logged at most once a minute%s)",
                    getattr(receiver, "__qualname__", repr(receiver)),
                    LogThrottle.since(quiet),
                )
