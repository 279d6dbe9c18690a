"""Acting out one ``fetch()`` against the app, step by step, as a browser would.

It sends what the browser would send (the preflight when one is needed, then the
actual request, then each redirect) through the app's test client, runs the
browser's checks from :mod:`flask_crossorigin._browser` on every response, judges the
cookies with :mod:`flask_crossorigin._cookies`, and writes each step into a :class:`FetchResult`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from flask import Flask, has_request_context
from flask import request as current_request
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from .. import _browser as browser
from .._cookies import Cookie, judge, session_cookie
from .._decorator import EXTENSION_KEY
from .._http import REQUEST_HEADERS, REQUEST_METHOD
from .._signals import cors_refused
from ._cookies import parse_set_cookie
from ._request import DEFAULT_PORTS, FetchRequest, origin_of, remove_dot_segments
from ._transcript import Exchange, FetchResult, Refused

if TYPE_CHECKING:
    from werkzeug.routing import Rule

    from .._hooks import CorsState
    from .._policy import Refusal

#: Fetch, "HTTP-redirect fetch": a browser gives up after 20 redirects.
MAX_REDIRECTS = 20
REQUEST_BODY_HEADERS = ("content-encoding", "content-language", "content-location", "content-type")
SHOWN_RESPONSE_HEADERS = ("access-control-", "vary", "location", "set-cookie")
#: Marks the environ of a request this module sends, so only its own refusals are collected.
_MARK = "flask_crossorigin.testing"

#: One lock per app: fetch() calls on one app take turns at switching off PROPAGATE_EXCEPTIONS.
_locks: weakref.WeakKeyDictionary[Flask, threading.RLock] = weakref.WeakKeyDictionary()
_locks_lock = threading.Lock()


@contextmanager
def _as_served(app: Flask) -> Iterator[None]:
    """Let errors become the 500 a browser would get, even under ``TESTING`` or debug.

    Concurrent calls on one app take turns, so the value is always put back.
    """
    with _locks_lock:
        lock = _locks.setdefault(app, threading.RLock())
    with lock:
        before = app.config.get("PROPAGATE_EXCEPTIONS")
        app.config["PROPAGATE_EXCEPTIONS"] = False
        try:
            yield
        finally:
            app.config["PROPAGATE_EXCEPTIONS"] = before


def _send(
    client: FlaskClient, method: str, request: FetchRequest, headers: Sequence[tuple[str, str]]
) -> tuple[Exchange, str | None]:
    """One request through the test client; the exchange, and the server's error if it failed."""
    refused: list[Refused] = []
    mark = object()

    def collect(
        sender: Flask,
        endpoint: str | None = None,
        kind: object = "",
        refusal: Refusal | None = None,
        enforced: bool = True,
        method: str = "GET",
        **_extra: Any,
    ) -> None:
        # Another thread's request on the same app is not ours to report.
        ours = has_request_context() and current_request.environ.get(_MARK) is mark
        if ours and refusal is not None:
            kind_name = str(getattr(kind, "value", kind))
            refused.append(Refused(endpoint, kind_name, refusal, enforced, method))

    app = client.application
    error = None
    with cors_refused.connected_to(collect, sender=app), _as_served(app):
        try:
            response: Response = client.open(
                request.path,
                base_url=request.server,
                method=method,
                headers=list(headers),
                environ_overrides={"REQUEST_METHOD": method, _MARK: mark},
            )
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            response = Response("Internal Server Error", 500)
    exchange = Exchange(method, request.path, tuple(headers), response, tuple(refused), error)
    return exchange, error


def late_config_keys(app: Flask) -> str | None:
    """The error of ``CORS_*`` keys set after ``init_app``, read from whatever the state offers."""
    rules = getattr(app.extensions.get(EXTENSION_KEY), "rules", None)
    error = getattr(rules, "app_error", None)
    if error is None:
        find = getattr(rules, "_late_config_error", None)
        error = find() if callable(find) else None
    return None if error is None else str(error)


def fix_for(option: str, value: str, request: FetchRequest, kind: str = "") -> str:
    """What to change, for the option that decided the refusal."""
    if kind == "wildcard-with-credentials":
        return (
            f"list the origin, origins=[{request.origin!r}], and set supports_credentials=True "
            "(a credentialed request needs both)"
        )
    fixes = {
        "origins": f"add {value!r} to origins",
        "methods": f"add {value!r} to methods (the route must serve it too)",
        "allow_headers": f"add {value!r} to allow_headers, or leave allow_headers at '*'",
        "supports_credentials": "set supports_credentials=True (with origins listed explicitly)",
        "expose_headers": f"add {value!r} to expose_headers",
        "allow_private_network": "set allow_private_network=True",
        "protect_all_routes": (
            "give the route a policy that allows the origin (@cross_origin(origins=[...])), "
            "or exempt it with @exempt_writes below its route if other sites must post to it"
        ),
    }
    return fixes.get(option, "see the message above; no single option decides it")


class Act:
    """One acting-out: the clients, the result being written, and the step counter."""

    def __init__(
        self,
        client: FlaskClient,
        request: FetchRequest,
        engine: str,
        asked: str | None = None,
        *,
        located: bool = True,
    ) -> None:
        app = client.application
        # A preflight never carries cookies; nor does a cross-origin request without
        # credentials "include". The user's client (and its cookies) serves that one.
        self.bare = app.test_client(use_cookies=False)
        self.credentialed = client
        self.result = FetchResult(request=request, engine=engine)
        self.api = request.server
        #: The path as the caller wrote it, before the browser resolved it.
        self.asked = request.path if asked is None else asked
        self.step = 0
        #: The API's address was given (base_url or SERVER_NAME), not the default.
        self.located = located

    def next_step(self, title: str) -> None:
        self.step += 1
        self.result._say(f"{self.step}. {title}")

    def send(
        self, method: str, request: FetchRequest, sent: Sequence[tuple[str, str]], *, cookies: bool
    ) -> Exchange:
        client = self.credentialed if cookies else self.bare
        got, error = _send(client, method, request, sent)
        self.result.exchanges.append(got)
        say = self.result._say
        say(f"   > {method} {request.url if request.server != self.api else request.path}")
        for name, value in sent:
            say(f"   > {name}: {value}")
        say(f"   < {got.response.status}")
        for name, value in got.response.headers:
            if name.lower().startswith(SHOWN_RESPONSE_HEADERS):
                say(f"   < {name}: {value}")
        if error is not None:
            say(f"   the server failed to answer ({error}), so it sends a 500")
        if got.response.status_code >= 500 and self.result.config_error is None:
            late = late_config_keys(client.application)
            if late is not None:
                self.result.config_error = late
                status = got.response.status_code
                say(f"   the app answered {status}: its CORS configuration is broken")
                say(f"   {late}")
        return got

    def explain_preflight(self, request: FetchRequest, unsafe: dict[str, str]) -> bool:
        needed = request.method not in browser.SAFELISTED_METHODS or bool(unsafe)
        say = self.result._say
        self.next_step(f"Preflight needed? {'yes' if needed else 'no'}")
        if request.method in browser.SAFELISTED_METHODS:
            say(f"   - method {request.method} is CORS-safelisted, so it needs none")
        else:
            say(f"   - method {request.method} is not CORS-safelisted (GET, HEAD, POST)")
        over_total = browser.safelisted_total(request.headers) > browser.MAX_SAFELISTED_TOTAL
        for name, value in request.headers:
            reason = browser.why_not_safelisted(name, value)
            if reason is None and over_total:
                reason = unsafe[name.lower()]
            if reason is None:
                say(f"   - {name}: {value} is a CORS-safelisted request header")
            else:
                say(f"   - {name} is not a CORS-safelisted request header: {reason}")
        return needed

    def preflight(self, request: FetchRequest, unsafe: Sequence[str]) -> Exchange:
        sent = [("Origin", request.origin), (REQUEST_METHOD, request.method)]
        if unsafe:
            sent.append((REQUEST_HEADERS, browser.access_control_request_headers(unsafe)))
        self.next_step("Preflight (no cookies, whatever the credentials mode)")
        self.result.preflighted = True
        return self.send("OPTIONS", request, sent, cookies=False)

    def advise(
        self,
        request: FetchRequest,
        blocked: browser.Blocked | None,
        got: Exchange,
        unsafe: Sequence[str],
    ) -> None:
        """The one change that makes the browser allow it, if one option decides."""
        say = self.result._say
        refusal = got.refused[0].refusal if got.refused else None
        if self.result.config_error is not None:
            say("   option to change: none; fix the configuration error above")
            return
        if got.server_error is not None:
            say("   option to change: none; the 500 comes from the server's error above, not CORS")
            return
        answered_cors = any(
            name.lower().startswith("access-control-") for name, _ in got.response.headers
        )
        uncovered = (
            None
            if got.refused or answered_cors
            else _uncovered_rule(self.bare.application, request)
        )
        elsewhere = (
            None
            if got.refused or answered_cors or uncovered is not None
            else _hosts_serving(self.bare.application, request)
        )
        if elsewhere:
            say(f"   no route of the app serves {request.url}: it routes by host (host_matching)")
            shown = ", ".join(f"{origin}{request.path}" for origin in elsewhere)
            say(f"   the app serves this path at {shown}: give that as the API's URL")
        elif uncovered is not None:
            say(f"   the route {uncovered} has no CORS policy, so the app sends it no CORS header")
            say(
                "   to give it one: @cross_origin(origins=[...]) on its view, "
                "cors.init_app(blueprint, origins=[...]) for its blueprint, or "
                "CrossOrigin(app, origins=[...]) for the app (resources=... narrows it)"
            )
        elif refusal is not None and refusal.option is not None:
            advice = _source_advice(self.bare.application, request, refusal)
            if advice is not None:
                say(f"   to allow it: {advice}")
            else:
                fix = fix_for(refusal.option, refusal.value, request)
                say(f"   option to change: {refusal.option}: {fix}")
        elif blocked is not None and blocked.option is not None:
            value = _blocked_value(request, blocked, unsafe)
            fix = fix_for(blocked.option, value, request, blocked.kind)
            say(f"   option to change: {blocked.option}: {fix}")

    def report_blocked(
        self, request: FetchRequest, blocked: browser.Blocked, got: Exchange, unsafe: Sequence[str]
    ) -> list[str]:
        result, say = self.result, self.result._say
        say(f"   blocked: {browser.block_reason(result.engine, blocked, request.origin)}")
        for refused in got.refused:
            say(f"   server log: {refused}")
        self.advise(request, blocked, got, unsafe)
        result.blocked = blocked
        result.refusal = got.refused[0].refusal if got.refused else None
        engine = result.engine
        lines = browser.console_lines(
            engine, blocked, request.url, request.origin, got.response.status_code
        )
        result.console = "\n".join(lines)
        result.js_error = browser.JS_ERRORS[engine]
        where = " (outside automation)" if engine == "safari" else ""
        return [
            f"Verdict: BLOCKED. {browser.ENGINE_NAMES[engine]}'s console{where} would say:",
            *(f"  {line}" for line in lines),
            f"  and the page's fetch() rejects with {result.js_error}",
        ]

    def report_refused_before_view(self, request: FetchRequest, got: Exchange) -> list[str]:
        """The write gate's 403: the server refused the write, and the view never ran."""
        result, say = self.result, self.result._say
        gate = next(refused for refused in got.refused if refused.before_the_view)
        result.refused_before_view = True
        result.refusal = gate.refusal
        result.blocked = browser.cors_check(
            got.response.headers, request.origin, request.include_credentials
        )
        say(
            f"   refused by the server before the view (status {got.response.status_code}): "
            "the view did not run"
        )
        say(f"   server log: {gate}")
        self.advise(request, None, got, [])
        if result.blocked is not None:
            result.js_error = browser.JS_ERRORS[result.engine]
        return [
            f"Verdict: BLOCKED. Refused by the server before the view: {gate.refusal}.",
            f"  {request.method} {request.path} from {request.origin} never reached its view.",
        ]

    def check_exposed(
        self, request: FetchRequest, response: Response, expose: Sequence[str]
    ) -> bool:
        readable = True
        say = self.result._say
        for name in expose:
            why = browser.why_hidden(name, response.headers, request.include_credentials)
            if why is None:
                say(f"   {name} is readable by JS")
                continue
            readable = False
            say(f"   {name} is hidden from JS: {why}")
            if name.lower() not in browser.FORBIDDEN_RESPONSE_HEADERS and name in response.headers:
                fix = fix_for("expose_headers", name, request)
                say(f"   option to change: expose_headers: {fix}")
        return readable

    def judge_cookies(self, request: FetchRequest) -> None:
        """Each cookie the app set (and its session cookie), as the engine's jar treats it."""
        if not request.include_credentials:
            return
        cookies: dict[str, Cookie] = {}
        described = session_cookie(self.bare.application)
        if described is not None:
            cookies[described.name] = described
        for got in self.result.exchanges:
            for line in got.response.headers.getlist("Set-Cookie"):
                parsed = parse_set_cookie(line, f"Set-Cookie on {got.method} {got.path}")
                if parsed is not None:
                    if described is not None and parsed.name == described.name:
                        source = f"the session cookie, {parsed.source}"
                        parsed = replace(parsed, is_session=True, source=source)
                    cookies[parsed.name] = parsed
        if not cookies:
            return
        engine = browser.ENGINE_NAMES[self.result.engine]
        self.next_step(f"Cookies: would {engine} store them and send them back to {self.api}?")
        for cookie in cookies.values():
            note = judge(cookie, request.origin, self.api, self.result.engine)
            if note is None:
                self.result._say(f"   cookie {cookie.name!r} ({cookie.source}): travels")
                continue
            self.result.cookies.append(note)
            self.result._say(
                f"   cookie {cookie.name!r} ({cookie.source}) does not travel: {note.reason}"
            )
            self.result._say(f"   fix: {note.fix}")

    def run(self, expose: Sequence[str]) -> FetchResult:
        """Act out the fetch step by step, writing each into the result."""
        verdict = self.hops(expose)
        self.judge_cookies(self.result.request)
        say = self.result._say
        say("")
        for line in verdict:
            say(line)
        if self.result.local_network is not None:
            say("  but in Chromium 142+ it needs Local Network Access first (see the note above)")
        if self.result.cookies:
            say(
                f"  but {len(self.result.cookies)} cookie(s) would not reach the API "
                f"(step {self.step}); a request that needs them fails as signed out"
            )
        return self.result

    def hops(self, expose: Sequence[str]) -> list[str]:
        """Each request of the fetch, redirects followed; returns the verdict's lines."""
        request = self.result.request
        result, say = self.result, self.result._say
        say(f"A page at {request.origin} calls {request.javascript()}")
        if request.path != self.asked:
            say(f"   (the browser resolves {self.asked} to {request.path} before sending it)")
        if self.located:
            result.local_network = browser.local_network_note(
                result.engine, request.origin, self.api
            )
        if result.local_network is not None:
            say(f"   note: {result.local_network}")
        for _hop in range(MAX_REDIRECTS + 1):
            unsafe = browser.unsafe_request_headers(request.headers)
            say("")
            if self.explain_preflight(request, unsafe):
                got = self.preflight(request, list(unsafe))
                blocked = browser.check_preflight(
                    got.response.status_code,
                    got.response.headers,
                    request.origin,
                    request.method,
                    list(unsafe),
                    request.include_credentials,
                )
                if blocked is not None:
                    return self.report_blocked(request, blocked, got, list(unsafe))
                say("   passed: the preflight's checks")
                for note in (
                    browser.max_age_note(
                        result.engine, got.response.headers.get("Access-Control-Max-Age")
                    ),
                    browser.authorization_note(got.response.headers, list(unsafe)),
                ):
                    if note is not None:
                        say(f"   note: {note}")
            sent = [("Origin", request.origin), *request.headers]
            self.next_step(f"Actual request (credentials mode {request.credentials!r})")
            got = self.send(request.method, request, sent, cookies=request.include_credentials)
            if any(refused.before_the_view for refused in got.refused):
                return self.report_refused_before_view(request, got)
            blocked = browser.cors_check(
                got.response.headers, request.origin, request.include_credentials
            )
            if blocked is not None:
                if result.config_error is None:
                    say(
                        f"   note: the app did run this request (status "
                        f"{got.response.status_code}); CORS only keeps the page from reading it"
                    )
                return self.report_blocked(request, blocked, got, list(unsafe))
            say("   passed: the CORS check")
            following = _redirected(request, got.response)
            if following is None:
                break
            if isinstance(following, str):
                result.js_error = browser.JS_ERRORS[result.engine]
                say(f"   the browser refuses the redirect: {following}")
                return [f"Verdict: BLOCKED. A network error: {following}."]
            shown = following.path if following.server == request.server else following.url
            say(f"   the browser follows the redirect to {shown}")
            if not self.serves(following.server, following.path):
                return [
                    f"Verdict: NOT JUDGED. {following.url} is another server; its own CORS "
                    "policy decides, and this check only talks to this app."
                ]
            if following.origin != request.origin:
                say("   (another origin: the request's origin is now tainted, so Origin: null)")
            request = following
        else:
            return [f"Verdict: BLOCKED. More than {MAX_REDIRECTS} redirects."]
        result.status = got.response.status_code
        # After a redirect to another origin the request's origin is "null": the verdict
        # still names the page that called fetch(), and where the response came from.
        page = result.request
        where = request.path if request.server == page.server else request.url
        tainted = "" if request.origin == page.origin else " (sent with Origin: null)"
        if expose and not self.check_exposed(request, got.response, expose):
            return [
                f"Verdict: BLOCKED (partly). The response is shared with {page.origin}"
                f"{tainted}, but JS cannot read every header it needs."
            ]
        result.allowed = True
        return [
            f"Verdict: ALLOWED. A page at {page.origin} can {request.method} {where}{tainted} "
            f"and read the response (status {got.response.status_code})."
        ]

    def serves(self, server: str, path: str) -> bool:
        """Whether this app answers at ``server``: its own host, a subdomain it routes, or
        (``host_matching``) a host one of its routes is on."""
        host, api_host = urlsplit(server).hostname or "", urlsplit(self.api).hostname or ""
        app = self.bare.application
        if app.url_map.host_matching:
            return host == api_host or _routes(app, server, path)
        server_name = (app.config.get("SERVER_NAME") or "").partition(":")[0]
        routed = bool(server_name) and app.subdomain_matching and host.endswith("." + server_name)
        return host == api_host or routed


def _reached_rule(app: Flask, request: FetchRequest) -> tuple[CorsState, Rule] | None:
    """The app's state and the rule ``request`` reaches (with the extension installed)."""
    state: CorsState | None = app.extensions.get(EXTENSION_KEY)
    if state is None:
        return None
    server = urlsplit(request.server)
    adapter = app.url_map.bind(server.netloc, url_scheme=server.scheme)
    try:
        rule, _args = adapter.match(urlsplit(request.path).path, request.method, return_rule=True)
    except HTTPException:
        return None  # a redirect, a 404 or a 405: no one route
    return state, rule


def _routes(app: Flask, server: str, path: str) -> bool:
    """Whether some rule of ``app`` serves ``path`` at ``server`` (any method, or a redirect)."""
    parts = urlsplit(server)
    adapter = app.url_map.bind(parts.netloc, url_scheme=parts.scheme)
    try:
        adapter.match(urlsplit(path).path, "GET")
    except NotFound:
        return False
    except HTTPException:
        return True  # a 405 or a redirect: the URL is the app's
    return True


def _hosts_serving(app: Flask, request: FetchRequest) -> list[str]:
    """For a ``host_matching`` app that serves nothing at the request's host, the origins
    (the request's scheme and port) of the hosts where a route serves its path."""
    if not app.url_map.host_matching or _routes(app, request.server, request.path):
        return []
    parts = urlsplit(request.server)
    hosts = {rule.host for rule in app.url_map.iter_rules() if rule.host and "<" not in rule.host}
    found = []
    for host in sorted(hosts):
        origin = origin_of(parts.scheme, host.partition(":")[0], parts.port)
        if _routes(app, origin, request.path):
            found.append(origin)
    return found


def _uncovered_rule(app: Flask, request: FetchRequest) -> str | None:
    """The rule ``request`` reaches when no policy covers it."""
    reached = _reached_rule(app, request)
    if reached is None:
        return None
    state, rule = reached
    return rule.rule if state.rules.policy_for(rule) is None else None


def _source_advice(app: Flask, request: FetchRequest, refusal: Refusal) -> str | None:
    """For an origin refused by a route whose origins come from an ``OriginSource``, the
    advice that names its loader: the fix is in the user's data, not in ``origins``."""
    reached = _reached_rule(app, request) if refusal.option == "origins" else None
    if reached is None:
        return None
    state, rule = reached
    policy = state.rules.policy_for(rule)
    return policy.origins.advice(refusal.value) if policy is not None else None


def _blocked_value(request: FetchRequest, blocked: browser.Blocked, unsafe: Sequence[str]) -> str:
    """The request value a blocked check is about, when the server did not signal one."""
    if blocked.option == "methods":
        return request.method
    if blocked.option == "allow_headers":
        listed = [name for name in unsafe if f" {name} " in blocked.message]
        return listed[0] if listed else ""
    return request.origin


def _redirected(request: FetchRequest, response: Response) -> FetchRequest | str | None:
    """The fetch a browser makes next when ``response`` redirects (Fetch, "HTTP-redirect fetch").

    A string is the network error the browser ends the fetch with instead.
    """
    location = response.headers.get("Location")
    if not 300 <= response.status_code < 400 or location is None:
        return None
    try:
        target = urlsplit(urljoin(request.url, location))
        port = target.port
    except ValueError:
        return f"Location {location!r} is not a URL a browser can parse"
    # Fetch, "HTTP-redirect fetch" steps 5-7.
    if target.scheme not in DEFAULT_PORTS or not target.hostname:
        return f"Location {location!r} is not an http(s) URL"
    if target.username is not None or target.password is not None:
        return f"Location {location!r} has credentials (user:password@) in it"
    server = origin_of(target.scheme, target.hostname, port)
    origin = request.origin
    if server != request.server and origin != request.server:
        # Fetch, "HTTP-redirect fetch" step 11: a redirect to another origin taints the
        # request's origin, and the next request carries Origin: null.
        origin = "null"
    method, headers = request.method, request.headers
    if (response.status_code in (301, 302) and method == "POST") or (
        response.status_code == 303 and method not in ("GET", "HEAD")
    ):
        method = "GET"
        headers = tuple(h for h in headers if h[0].lower() not in REQUEST_BODY_HEADERS)
    path = remove_dot_segments(target.path or "/") + (f"?{target.query}" if target.query else "")
    return replace(request, path=path, method=method, headers=headers, origin=origin, server=server)
