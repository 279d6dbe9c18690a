"""The two hooks: classify the request, look up the policy, copy precomputed strings.

``answer_preflight`` (``before_request``, first of all) answers CORS preflights without
calling the view; ``add_headers`` (``after_request``) adds the route's headers to every
other response, error responses included. :func:`report_refusal` is the one place a
refusal is told: the log line and the :data:`~flask_crossorigin.signals.cors_refused`
signal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from flask import request
from flask.logging import has_level_handler
from werkzeug.datastructures import Headers
from werkzeug.exceptions import InternalServerError, MethodNotAllowed

from .errors import CorsConfigError
from .http import (
    ALLOW_ORIGIN,
    ENV_ORIGIN,
    ENV_REQUEST_HEADERS,
    ENV_REQUEST_METHOD,
    ENV_REQUEST_PRIVATE_NETWORK,
    NO_STORE,
    ORIGIN,
    PREFLIGHT_VARY,
    PREFLIGHT_VARY_VALUE,
    TOKEN,
    VARY,
    Header,
    add_vary,
    from_repeated_lines,
)
from .policy import Refusal
from .rules import RuleTable
from .signals import cors_refused

if TYPE_CHECKING:
    from flask import Flask
    from flask.wrappers import Request, Response

logger = logging.getLogger("flask_crossorigin")

#: Fetch, "CORS protocol": a preflight is an OPTIONS with Origin and a request method.
PREFLIGHT = "preflight"
#: Any other request with an ``Origin``: its response is CORS-checked by the browser.
ACTUAL = "actual"
#: No ``Origin``: a same-origin or non-browser request.
NOT_CORS = "not CORS"


def classify(environ: dict[str, Any], method: str) -> str:
    """:data:`PREFLIGHT`, :data:`ACTUAL` or :data:`NOT_CORS` (Fetch, "CORS protocol")."""
    if ENV_ORIGIN not in environ:
        return NOT_CORS
    if method == "OPTIONS" and ENV_REQUEST_METHOD in environ:
        return PREFLIGHT
    return ACTUAL


def request_kind(method: str) -> str:
    """``"GET request"``, for the log; a method that is not a short token is left out.

    Werkzeug's development server passes any request line's method through, and the
    log line must never carry a control character or a forged second line.
    """
    return f"{method} request" if len(method) <= 20 and TOKEN.fullmatch(method) else "request"


def refusal_line(endpoint: str | None, kind: str, refusal: Refusal) -> str:
    """The log line of a refusal; request values in it are quoted and cut short."""
    return f"CORS {kind} refused for endpoint {endpoint!r}: {refusal}"


def report_refusal(app: Flask, endpoint: str | None, kind: str, refusal: Refusal) -> None:
    """Tell that a CORS request was refused: one INFO line, then ``cors_refused``.

    In debug mode (``flask run --debug``) the line also goes to ``app.logger``, which
    prints it on the console, unless the ``flask_crossorigin`` logger is set up to.
    The line is only formatted when something will show it.
    """
    logged = logger.isEnabledFor(logging.INFO)
    if logged:
        logger.info("%s", refusal_line(endpoint, kind, refusal))
    if app.debug and not (logged and has_level_handler(logger)):
        app.logger.info("%s", refusal_line(endpoint, kind, refusal))
    if cors_refused.receivers:
        cors_refused.send(app, endpoint=endpoint, kind=kind, refusal=refusal)


@dataclass(frozen=True, eq=False)
class Hooks:
    """The hooks of one app, bound to its rule table."""

    app: Flask
    rules: RuleTable

    def answer_preflight(self) -> Response | None:
        """``before_request``: answer a CORS preflight without calling the view or other hooks."""
        rules = self.rules
        if not rules.ready:
            rules.resolve_first_request()
        # One proxy lookup: each ``request.x`` costs as much as the rest of this check.
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        rule = req.url_rule
        if rules.has_errors:
            error = rules.request_error(rule)
            if error is not None:
                self._refuse_to_serve(error)  # before the view: no 500 after a side effect
        environ = req.environ
        if classify(environ, req.method) is PREFLIGHT:
            return self._preflight_response(req, environ)
        return None

    def _refuse_to_serve(self, error: CorsConfigError) -> NoReturn:
        """Answer 500 for a route whose policy cannot be built, at the same cost every time.

        The error was logged once, when the route was resolved. A fresh exception is
        raised each time (re-raising the stored one would grow its traceback by a few
        frames per request); where Flask propagates errors (testing, debug) it is the
        configuration error itself, elsewhere a plain 500 that Flask does not log again.
        """
        propagate = self.app.config.get("PROPAGATE_EXCEPTIONS")
        if propagate is None:
            propagate = self.app.testing or self.app.debug
        if propagate:
            raise CorsConfigError(str(error), error.problems)
        raise InternalServerError(
            "The CORS configuration of this app or route is invalid; the server log says why."
        )

    def _preflight_response(self, req: Request, environ: dict[str, Any]) -> Response | None:
        """The answer to a preflight: 204 with the policy's headers, or 403 and a refusal."""
        method: str = environ[ENV_REQUEST_METHOD]
        rules = self.rules
        upper = method.upper()
        rule = req.url_rule
        if rule is None or rule.methods is None or upper not in rule.methods:
            rule = rules.target_rule(req, upper)
        error = rules.request_error(rule) if rule is not None and rules.has_errors else None
        if error is not None:
            self._refuse_to_serve(error)  # the route that serves the method is broken
        policy = rules.policy_for(rule) if rule is not None else None
        refusal: Refusal | None
        if policy is None:
            # No view with a policy serves this method here; refuse if the URL is covered
            # (by a sibling rule, or by the rule a redirecting URL leads to).
            covering = req.url_rule or rules.covering_rule(req)
            if covering is None or not rules.covers_url(covering):
                return None
            rule = covering
            headers: list[Header] = []
            if TOKEN.fullmatch(method):
                refusal = Refusal(
                    "no view with a CORS policy serves this method on this URL", method, "methods"
                )
            else:
                refusal = Refusal("Access-Control-Request-Method is malformed", method, "-")
        origin: str = environ[ENV_ORIGIN]
        request_headers = environ.get(ENV_REQUEST_HEADERS)
        private_network = environ.get(ENV_REQUEST_PRIVATE_NETWORK)
        if policy is not None:
            headers, refusal = policy.preflight(origin, method, request_headers, private_network)
        headers.append((VARY, PREFLIGHT_VARY_VALUE))
        if from_repeated_lines(origin, method, request_headers, private_network):
            headers.append(NO_STORE)
        if refusal is not None:
            endpoint = rule.endpoint if rule else None
            report_refusal(self.app, endpoint, PREFLIGHT, refusal)
            # The reason, for the browser's network panel: the log line's words.
            return self.app.response_class(
                refusal_line(endpoint, PREFLIGHT, refusal) + "\n",
                status=403,
                headers=headers,
                content_type="text/plain; charset=utf-8",
            )
        # No body, so no type: the headers are replaced whole, which costs less than
        # building them with a Content-Type and deleting it again.
        response = self.app.response_class(status=204, content_type="")
        response.headers = Headers(headers)
        return response

    def add_headers(self, response: Response) -> Response:
        """``after_request``: add the route's CORS headers to an actual response."""
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        environ = req.environ
        method = req.method
        kind = classify(environ, method)
        if kind is PREFLIGHT:
            return response  # answered (or deliberately left alone) before the view
        rule = req.url_rule or self.rules.rule_for_response(req)
        policy = self.rules.policy_for(rule) if rule is not None else None
        if policy is None:
            if method == "OPTIONS" and rule is not None and self.rules.covers_url(rule):
                # Another rule of this URL has a policy: a cache must tell this apart too.
                add_vary(response.headers, PREFLIGHT_VARY)
            return response
        headers = response.headers
        # The names present, in one pass: each `name in headers` that misses raises and
        # catches a KeyError inside werkzeug, which costs more than this whole scan.
        present = {name.lower() for name, _ in headers}
        static = policy.static_headers
        if method == "OPTIONS":
            # Whatever it asked, a cache must not replay this answer to a preflight.
            add_vary(headers, PREFLIGHT_VARY)
        elif static is None:
            if "vary" in present:
                add_vary(headers, (ORIGIN,))
            else:
                headers.add(VARY, ORIGIN)
        if static is None and kind is NOT_CORS:
            return response
        if "access-control-allow-origin" in present:
            return response  # the view answered CORS itself; mixing the two could widen it
        origin: str | None = environ.get(ENV_ORIGIN)
        refusal = None
        if (
            method not in policy.methods
            and method != "OPTIONS"
            # Flask's 405 is the URL's error response, readable like a 404: no view ran.
            and not (
                response.status_code == 405 and isinstance(req.routing_exception, MethodNotAllowed)
            )
        ):
            refusal = Refusal("method is not allowed", method, "methods")
        elif static is not None:
            extra = static
        elif origin is not None and policy.origins.allows(origin):
            headers.add(ALLOW_ORIGIN, origin)
            extra = policy.echo_headers
        else:
            refusal = Refusal("origin is not allowed", origin or "", "origins")
        if refusal is not None:
            if kind is ACTUAL:
                endpoint = rule.endpoint if rule else None
                report_refusal(self.app, endpoint, request_kind(method), refusal)
                if origin is not None and "," in origin:  # see http.from_repeated_lines
                    headers.add(*NO_STORE)
            return response
        # One the view set itself (Access-Control-Allow-Credentials, say) is not repeated:
        # a browser reads two lines as one value, "true, true", and blocks.
        set_by_view = present & policy.actual_names
        for name, value in extra:
            if not set_by_view or name.lower() not in set_by_view:
                headers.add(name, value)
        return response
