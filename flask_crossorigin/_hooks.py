"""The two hooks, as the named steps of the CORS protocol (Fetch, "CORS protocol").

``before_request`` (first of all): classify the request, refuse a route whose policy
cannot be built, answer a preflight, and gate a cross-origin write, each before any
view or other hook runs. ``after_request``: add the route's headers to an actual
response, error responses included.

Installed once per app; configuring the app again swaps :attr:`Hooks.state`, one
immutable value, and never touches Flask's lists of hooks again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from flask import request
from werkzeug.exceptions import InternalServerError, MethodNotAllowed

from ._cookies import session_cookie_warning
from ._errors import CorsConfigError
from ._gate import (
    browser_checks_the_answer,
    is_cross_origin,
    is_websocket_handshake,
    proxy_hint,
    write_refusal,
)
from ._http import (
    ALLOW_ORIGIN,
    ENV_ORIGIN,
    ENV_REQUEST_HEADERS,
    ENV_REQUEST_METHOD,
    ENV_REQUEST_PRIVATE_NETWORK,
    NO_STORE,
    NOSNIFF,
    ORIGIN,
    PREFLIGHT_VARY,
    PREFLIGHT_VARY_VALUE,
    TEXT_PLAIN,
    TOKEN,
    VARY,
    Header,
    add_vary,
    from_repeated_lines,
)
from ._policy import ORIGIN_CHECK_FAILED, Policy, Refusal, refused_origin
from ._rules import Gate, RuleTable
from ._signals import Kind, refusal_line, report_refusal, request_path

logger = logging.getLogger("flask_crossorigin")

if TYPE_CHECKING:
    from flask import Flask
    from flask.wrappers import Request, Response
    from werkzeug.routing import Rule

#: How many (origin, host) pairs whose session cookie travels are remembered per app.
COOKIE_JUDGED = 256

#: Methods that never change anything (RFC 9110 "safe"), so the gate never looks at them.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def _uncovered_method(method: str) -> Refusal:
    """The refusal of a preflight for a method no view with a policy serves on the URL."""
    if TOKEN.fullmatch(method):
        return Refusal(
            "no view with a CORS policy serves this method on this URL", method, "methods"
        )
    return Refusal("Access-Control-Request-Method is malformed", method, None)


@dataclass(frozen=True, eq=False)
class CorsState:
    """One app's configuration: its rule table. Replaced whole by ``init_app`` again."""

    rules: RuleTable


class Hooks:
    """The hooks of one app, installed once; :attr:`state` is the configuration in force."""

    __slots__ = ("answer_class", "app", "cookie_fine", "cookie_warned", "proxy_warned", "state")

    def __init__(self, app: Flask, state: CorsState) -> None:
        self.app = app
        self.state = state
        #: The app has logged its session cookie warning: never look again.
        self.cookie_warned = False
        #: ``(origin, own origin)`` pairs judged without a warning (at most COOKIE_JUDGED).
        self.cookie_fine: set[tuple[str, str]] = set()
        #: The warning that a proxy makes same-origin writes look cross-origin was logged.
        self.proxy_warned = False
        # The answers the hooks make themselves (preflights, refused writes): no default
        # type, and after_request knows them by their class without reading a header.
        self.answer_class: type[Response] = type(
            "CorsAnswer", (app.response_class,), {"default_mimetype": None}
        )

    # before_request

    def before_request(self) -> Response | None:
        """Refuse a broken route, answer a preflight, gate a write; ``None`` lets the view run."""
        rules = self.state.rules
        if not rules.ready:
            rules.resolve_first_request()
        # One proxy lookup: each ``request.x`` costs as much as the rest of this step.
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        environ = req.environ
        method = req.method
        if method in SAFE_METHODS and (
            "HTTP_UPGRADE" not in environ or not is_websocket_handshake(method, environ)
        ):
            if rules.has_errors:
                self.refuse_broken_route(rules, req.url_rule)
            return None
        if method == "OPTIONS":
            if ENV_ORIGIN in environ and ENV_REQUEST_METHOD in environ:
                return self.answer_preflight(rules, req, environ)
            if rules.has_errors:
                self.refuse_broken_route(rules, req.url_rule)
            return None
        if rules.has_errors:
            self.refuse_broken_route(rules, req.url_rule)
        return self.gate_write(rules, req, environ, method)

    def refuse_broken_route(self, rules: RuleTable, rule: Rule | None) -> None:
        """Answer 500, before the view, where the configuration cannot answer rightly."""
        error = rules.request_error(rule)
        if error is not None:
            self._raise(error)

    def _raise(self, error: CorsConfigError) -> NoReturn:
        """The 500 of a broken route, at the same cost every time.

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

    def answer_preflight(
        self, rules: RuleTable, req: Request, environ: dict[str, Any]
    ) -> Response | None:
        """Fetch, "CORS-preflight fetch": 204 with the policy's headers, or 403 and why.

        The policy is that of the route serving the *requested* method (a sibling rule
        of the URL may have another one, or be broken); ``None`` leaves an OPTIONS that
        no policy covers to Flask.
        """
        method: str = environ[ENV_REQUEST_METHOD]
        rule = rules.target_rule(req, method.upper())
        if rules.has_errors:
            self.refuse_broken_route(rules, rule)
        policy = rules.policy_for(rule) if rule is not None else None
        origin: str = environ[ENV_ORIGIN]
        request_headers = environ.get(ENV_REQUEST_HEADERS)
        private_network = environ.get(ENV_REQUEST_PRIVATE_NETWORK)
        refusal: Refusal | None
        if policy is not None:
            headers, refusal = policy.preflight(origin, method, request_headers, private_network)
        else:
            # No view with a policy serves this method here; refuse if the URL is covered
            # (by a sibling rule, or by the rule a redirecting URL leads to).
            rule = req.url_rule or rules.covering_rule(req)
            if rule is None or not rules.covers_url(rule):
                return None
            headers = []
            refusal = _uncovered_method(method)
        headers.append((VARY, PREFLIGHT_VARY_VALUE))
        transient = refusal is not None and refusal.rule is ORIGIN_CHECK_FAILED
        if transient or from_repeated_lines(origin, method, request_headers, private_network):
            headers.append(NO_STORE)  # no shared cache may replay this answer
        if refusal is not None:
            return self.refuse(environ, rule, Kind.PREFLIGHT, "OPTIONS", refusal, headers)
        if not self.cookie_warned and policy is not None and policy.supports_credentials:
            self.warn_about_session_cookie(req, origin)
        response = self.answer_class(status=204)
        response.headers._list.extend(headers)  # checked when the policy was built
        return response

    def gate_write(
        self, rules: RuleTable, req: Request, environ: dict[str, Any], method: str
    ) -> Response | None:
        """The write gate: refuse a cross-origin write its route's policy would not preflight.

        Browsers send form POSTs, ``no-cors`` fetches, beacons and WebSocket handshakes
        without a preflight, so without this the view would run for an origin the policy
        refuses, and only the answer would be hidden. The checks are the preflight's.
        """
        rule = req.url_rule
        if rule is None:
            return None  # routing failed (404, 405, redirect): no view will run
        gate, policy = rules.gate_for(rule)
        if gate is Gate.OFF or gate is Gate.EXEMPT or not is_cross_origin(environ):
            return None
        websocket = is_websocket_handshake(method, environ)
        refusal = write_refusal(policy, environ, method, websocket)
        if refusal is None:
            return None
        kind = Kind.WEBSOCKET if websocket else Kind.WRITE
        if not self.proxy_warned:
            hint = proxy_hint(environ)
            if hint is not None:
                self.proxy_warned = True
                logger.warning("%s", hint)
        if gate is Gate.REPORT:
            report_refusal(self.app, environ, rule.endpoint, kind, method, refusal, enforced=False)
            return None
        headers: list[Header] = [(VARY, ORIGIN)]
        if refusal.rule is ORIGIN_CHECK_FAILED:
            headers.append(NO_STORE)
        return self.refuse(environ, rule, kind, method, refusal, headers)

    def refuse(
        self,
        environ: dict[str, Any],
        rule: Rule | None,
        kind: Kind,
        method: str,
        refusal: Refusal,
        headers: list[Header],
    ) -> Response:
        """Tell the refusal, and answer it: 403, no ``Access-Control-Allow-*`` header.

        The body names the rule and the option, for the browser's network panel; the
        endpoint and the request's values only in debug mode, so that a stranger cannot
        list the app's views with OPTIONS requests.
        """
        endpoint = rule.endpoint if rule is not None else None
        report_refusal(self.app, environ, endpoint, kind, method, refusal)
        if self.app.debug:
            body = refusal_line(endpoint, kind, method, refusal, path=request_path(environ))
        else:
            body = f"CORS {kind.value} refused: {refusal.rule} ({refusal.where})"
        response = self.answer_class(body + "\n", status=403)
        # Request values in the body and the headers are quoted and cut short (Refusal).
        response.headers._list.extend((*headers, TEXT_PLAIN, NOSNIFF))
        return response

    def warn_about_session_cookie(self, req: Request, origin: str) -> None:
        """Once per app: a credentialed answer to a page whose requests lack the session cookie.

        The CORS answer is right, so the page reads every response; but a browser that
        keeps the session cookie out of cross-site requests makes each of them look
        signed out (API.md, "Credentials across sites"). A pair of origin and host found
        fine is not judged again (the ``SESSION_COOKIE_*`` keys are read at its first
        request).
        """
        pair = (origin, f"{req.scheme}://{req.host}")
        if pair in self.cookie_fine:
            return
        try:
            warning = session_cookie_warning(self.app, *pair)
        except Exception:  # a session interface of its own: never a 500 for a warning
            self.cookie_warned = True
            logger.debug("could not judge the session cookie", exc_info=True)
            return
        if warning is not None:
            self.cookie_warned = True
            logger.warning("CORS with credentials: %s", warning)
        elif len(self.cookie_fine) < COOKIE_JUDGED:  # the Host is the client's: bounded
            self.cookie_fine.add(pair)

    # after_request

    def after_request(self, response: Response) -> Response:
        """Add the route's CORS headers to an actual response (Fetch, "CORS check").

        Error responses get them too (an ``abort(404)`` is readable by the page), and
        a 405 or a redirect gets those of the URL's route.
        """
        if response.__class__ is self.answer_class:
            return response  # a preflight answer or a refused write: complete as it is
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        environ = req.environ
        method = req.method
        if method == "OPTIONS" and ENV_REQUEST_METHOD in environ and ENV_ORIGIN in environ:
            return response  # a preflight left to the app before the view: no policy covers it
        rules = self.state.rules
        rule = req.url_rule or rules.rule_for_response(req)
        policy = rules.policy_for(rule) if rule is not None else None
        if policy is None:
            if method == "OPTIONS" and rule is not None and rules.covers_url(rule):
                # Another rule of this URL has a policy: a cache must tell this apart too.
                add_vary(response.headers, PREFLIGHT_VARY)
            return response
        headers = response.headers
        # Lines are appended to werkzeug's list directly: Headers.add checks every value
        # for newlines, and ours were checked when the policy was built (an echoed
        # Origin only after it matched a configured origin or the serialized-origin form).
        lines: list[Header] = headers._list
        # The names present, in one pass: each `name in headers` that misses raises and
        # catches a KeyError inside werkzeug, which costs more than this whole scan.
        present = {name.lower() for name, _ in lines}
        static = policy.static_headers
        origin: str | None = environ.get(ENV_ORIGIN)
        if method == "OPTIONS":
            # Whatever it asked, a cache must not replay this answer to a preflight.
            add_vary(headers, PREFLIGHT_VARY)
        elif static is None:
            if "vary" in present:
                add_vary(headers, (ORIGIN,))
            else:
                lines.append((VARY, ORIGIN))
        if (static is None and origin is None) or "access-control-allow-origin" in present:
            return response  # no CORS request, or the view answered CORS itself
        if method not in policy.methods and not self.answers_for_the_url(req, response, method):
            refusal = Refusal("method is not allowed", method, "methods")
        elif static is not None:
            self.copy_headers(lines, static, present, policy)
            return response
        else:
            assert origin is not None  # static is None: returned above without an Origin
            allowed = policy.origins.allows(origin)
            if allowed:
                lines.append((ALLOW_ORIGIN, origin))
                self.copy_headers(lines, policy.echo_headers, present, policy)
                if not self.cookie_warned and policy.supports_credentials:
                    self.warn_about_session_cookie(req, origin)
                return response
            refusal = refused_origin(allowed, origin)
        if origin is not None:
            if browser_checks_the_answer(method, environ):
                endpoint = rule.endpoint if rule is not None else None
                report_refusal(self.app, environ, endpoint, Kind.ACTUAL, method, refusal)
            if refusal.rule is ORIGIN_CHECK_FAILED or "," in origin:
                lines.append(NO_STORE)  # see http.from_repeated_lines
        return response

    @staticmethod
    def answers_for_the_url(req: Request, response: Response, method: str) -> bool:
        """An OPTIONS, or Flask's own 405: the URL's answers, readable like a 404 (no view ran)."""
        return method == "OPTIONS" or (
            response.status_code == 405 and isinstance(req.routing_exception, MethodNotAllowed)
        )

    @staticmethod
    def copy_headers(
        lines: list[Header], extra: tuple[Header, ...], present: set[str], policy: Policy
    ) -> None:
        """The policy's lines, except one the view set itself (Access-Control-Allow-Credentials,
        say): a browser reads two lines as one value, "true, true", and blocks."""
        if present.isdisjoint(policy.actual_names):
            lines.extend(extra)
        else:
            lines.extend(line for line in extra if line[0].lower() not in present)
