"""Test a CORS policy the way a browser would: :func:`fetch` acts out one ``fetch()``.

It sends what the browser would send (the preflight when one is needed, then the
actual request, then each redirect) to the app through its test client, runs the
browser's checks from :mod:`.browser` on every response, and returns a
:class:`FetchResult`: the verdict, each exchange, the server's refusal and the
browser's console message. ``flask cors check`` prints the same result's transcript.

:func:`assert_cors_policy` resolves every route of an app and raises with every
configuration error at once. The pytest plugin (registered through the ``pytest11``
entry point) adds a ``cors`` fixture bound to pytest-flask's ``app`` fixture.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypedDict
from urllib.parse import urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from . import browser
from .decorator import EXTENSION_KEY
from .errors import CorsConfigError
from .http import REQUEST_HEADERS, REQUEST_METHOD, TOKEN
from .options import FORBIDDEN_METHODS
from .origins import FILE_ORIGIN, SERIALIZED_ORIGIN, normalise_origin
from .policy import Refusal
from .signals import Kind, cors_refused, refusal_line

if TYPE_CHECKING:
    from typing_extensions import Unpack
    from werkzeug.test import TestResponse

    from .hooks import CorsState

__all__ = ["Exchange", "FetchResult", "FetchUsageError", "assert_cors_policy", "fetch"]

#: Fetch, "HTTP-redirect fetch": a browser gives up after 20 redirects.
MAX_REDIRECTS = 20
#: The test client's origin, as the request URL is shown in a browser's message.
SERVER = "http://localhost"
REQUEST_BODY_HEADERS = ("content-encoding", "content-language", "content-location", "content-type")
SHOWN_RESPONSE_HEADERS = ("access-control-", "vary", "location")

Credentials = Literal["omit", "same-origin", "include"]
Engine = Literal["chromium", "firefox", "safari"]
ENGINES = browser.ENGINES


class FetchInit(TypedDict, total=False):
    """The keywords of :func:`fetch` after ``origin``, as ``fetch()``'s ``init`` has them."""

    method: str
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None
    credentials: Credentials
    browser: Engine
    expose: Sequence[str]


class FetchUsageError(ValueError):
    """A ``fetch()`` that a page's script could not make (``flask cors check`` exits 2)."""


# What is fetched, and what came back.


@dataclass(frozen=True)
class FetchRequest:
    """The ``fetch()`` being acted out: ``fetch(path, {method, headers, credentials})``."""

    path: str
    origin: str
    method: str
    headers: tuple[tuple[str, str], ...]
    credentials: Credentials
    #: The origin of the URL fetched now: the app's, or another after a redirect.
    server: str = SERVER

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


@dataclass(frozen=True)
class Refused:
    """One ``cors_refused`` signal the app sent while answering a request."""

    endpoint: str | None
    kind: str
    refusal: Refusal
    method: str = "GET"

    def __str__(self) -> str:
        """The server's log line for it."""
        return refusal_line(self.endpoint, Kind(self.kind), self.method, self.refusal)


@dataclass(frozen=True)
class Exchange:
    """One request the browser sent, the app's response, and the refusals it signalled."""

    method: str
    path: str
    request_headers: tuple[tuple[str, str], ...]
    response: TestResponse
    refused: tuple[Refused, ...]

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and any(
            name == REQUEST_METHOD for name, _ in self.request_headers
        )


@dataclass
class FetchResult:
    """What a browser would make of one ``fetch()``; ``str()`` is the step-by-step transcript."""

    request: FetchRequest
    #: The page can read the response (and every ``expose`` header).
    allowed: bool = False
    #: A preflight was sent (on any hop).
    preflighted: bool = False
    #: Every request sent, in order, with its response.
    exchanges: list[Exchange] = field(default_factory=list)
    #: Why the browser blocked it, in Chromium's words and with the option that decides it.
    blocked: browser.Blocked | None = None
    #: The server's own refusal (from ``cors_refused``), when it refused one of the requests.
    refusal: Refusal | None = None
    #: What the engine's console prints for a block (its lines), else None.
    console: str | None = None
    #: What the page's script sees: ``"TypeError: Failed to fetch"`` and the like, else None.
    js_error: str | None = None
    #: The engine acted out: ``"chromium"``, ``"firefox"`` or ``"safari"``.
    engine: str = "chromium"
    #: The last response's status, as the page's script would see it when allowed.
    status: int | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def transcript(self) -> str:
        return "\n".join(self.lines)

    def __str__(self) -> str:
        return self.transcript

    def say(self, line: str = "") -> None:
        self.lines.append(line)

    def assert_allowed(self) -> None:
        """Fail, with the transcript, unless a browser would let the page read the response."""
        if not self.allowed:
            raise AssertionError(f"a browser would block this fetch():\n{self.transcript}")

    def assert_blocked(self, reason: str | None = None) -> None:
        """Fail, with the transcript, unless a browser would block it (for ``reason``).

        :param reason: text that the console message, the block's reason or the
            server's refusal line must contain, e.g. ``"origin is not allowed"``.
        """
        if self.allowed:
            raise AssertionError(f"a browser would allow this fetch():\n{self.transcript}")
        if reason is None:
            return
        said = [self.console or "", self.blocked.message if self.blocked else ""]
        said += [str(refused) for exchange in self.exchanges for refused in exchange.refused]
        if not any(reason in text for text in said):
            raise AssertionError(f"blocked, but not for {reason!r}:\n{self.transcript}")


# Reading the arguments as fetch() would.


def parse_path(path: str) -> str:
    """A path on the app, as the first argument of ``fetch()`` would name it."""
    if any(ch in path for ch in "\r\n\0\t "):
        raise FetchUsageError(f"PATH {path!r} has a space or control character; percent-encode it")
    # The URL parser reads a backslash as a slash in an http(s) URL: /\\host is //host.
    path = path.replace("\\", "/")
    if path.startswith("//"):
        raise FetchUsageError(
            f"PATH {path!r} is another host's URL to fetch() (scheme-relative); "
            f"give a path on this app, e.g. {'/' + path.lstrip('/').partition('/')[2]!r}"
        )
    if not path.startswith("/"):
        raise FetchUsageError(f"PATH {path!r} must start with '/', e.g. /api/items")
    return path


def parse_header(text: str) -> tuple[str, str]:
    """``NAME[:VALUE]``, as a page's script may set it with ``headers.append``."""
    name, _, value = text.partition(":")
    name, value = name.strip(), value.strip(" \t")
    if not TOKEN.fullmatch(name):
        raise FetchUsageError(
            f"--header {text!r}: {name!r} is not a header name; write NAME or NAME:VALUE, "
            "e.g. --header 'Content-Type: application/json'"
        )
    return check_header(name, value)


def check_header(name: str, value: str) -> tuple[str, str]:
    if not TOKEN.fullmatch(name):
        raise FetchUsageError(f"--header {name!r} is not a header name")
    if any(ch in value for ch in "\r\n\0"):
        raise FetchUsageError(f"--header {name}: a value cannot contain CR, LF or NUL")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise FetchUsageError(
            f"--header {name}: fetch() only takes bytes 0-255 in a header value"
        ) from None
    if browser.is_forbidden_request_header(name):
        raise FetchUsageError(
            f"--header {name}: a forbidden request header; a page's script cannot set it, "
            "the browser does"
        )
    return name, value


def parse_origin(origin: str) -> str:
    """The page's origin, exactly as a browser serialises it into ``Origin``."""
    if origin in ("null", FILE_ORIGIN):
        return origin
    try:
        serialized = normalise_origin(origin)
    except CorsConfigError as error:
        raise FetchUsageError(f"--origin {error}") from None
    if serialized != origin or not SERIALIZED_ORIGIN.fullmatch(origin):
        raise FetchUsageError(
            f"--origin {origin!r} is not how a browser sends it; give the serialized origin "
            f"{serialized!r}"
        )
    return origin


def parse_method(method: str) -> str:
    """The method as ``fetch()`` sends it (Fetch, "normalize a method")."""
    if not TOKEN.fullmatch(method):
        raise FetchUsageError(f"--method {method!r} is not an HTTP method name")
    if method.upper() in FORBIDDEN_METHODS:
        raise FetchUsageError(f"--method {method}: fetch() refuses a forbidden method")
    return browser.normalize_method(method)


# Acting it out.


@contextmanager
def _as_served(app: Flask) -> Iterator[None]:
    """Let errors become the 500 a browser would get, even under ``TESTING`` or debug."""
    before = app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        yield
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = before


def _send(
    client: FlaskClient, method: str, request: FetchRequest, headers: Sequence[tuple[str, str]]
) -> Exchange:
    refused: list[Refused] = []

    def collect(
        sender: Flask, endpoint: str | None, kind: str, refusal: Refusal, method: str, **_: Any
    ) -> None:
        refused.append(Refused(endpoint, kind, refusal, method))

    app = client.application
    with cors_refused.connected_to(collect, sender=app), _as_served(app):
        response = client.open(
            request.path,
            base_url=request.server,
            method=method,
            headers=list(headers),
            environ_overrides={"REQUEST_METHOD": method},
        )
    return Exchange(method, request.path, tuple(headers), response, tuple(refused))


def _fix(option: str, value: str) -> str:
    """What to change, for the option that decided the refusal."""
    fixes = {
        "origins": f"add {value!r} to origins",
        "methods": f"add {value!r} to methods (the route must serve it too)",
        "allow_headers": f"add {value!r} to allow_headers, or leave allow_headers at '*'",
        "supports_credentials": "set supports_credentials=True (with origins listed explicitly)",
        "expose_headers": f"add {value!r} to expose_headers",
        "allow_private_network": "set allow_private_network=True",
    }
    return fixes.get(option, "see the message above; no single option decides it")


class _Act:
    """One acting-out: the clients, the result being written, and the step counter."""

    def __init__(self, client: FlaskClient, request: FetchRequest) -> None:
        app = client.application
        # A preflight never carries cookies; nor does a cross-origin request without
        # credentials "include". The user's client (and its cookies) serves that one.
        self.bare = app.test_client(use_cookies=False)
        self.credentialed = client
        self.result = FetchResult(request=request)
        self.step = 0

    def next_step(self, title: str) -> None:
        self.step += 1
        self.result.say(f"{self.step}. {title}")

    def send(
        self, method: str, request: FetchRequest, sent: Sequence[tuple[str, str]], *, cookies: bool
    ) -> Exchange:
        client = self.credentialed if cookies else self.bare
        got = _send(client, method, request, sent)
        self.result.exchanges.append(got)
        say = self.result.say
        say(f"   > {method} {request.path}")
        for name, value in sent:
            say(f"   > {name}: {value}")
        say(f"   < {got.response.status}")
        for name, value in got.response.headers:
            if name.lower().startswith(SHOWN_RESPONSE_HEADERS):
                say(f"   < {name}: {value}")
        return got

    def explain_preflight(self, request: FetchRequest, unsafe: dict[str, str]) -> bool:
        needed = request.method not in browser.SAFELISTED_METHODS or bool(unsafe)
        say = self.result.say
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

    def report_blocked(
        self,
        request: FetchRequest,
        blocked: browser.Blocked,
        got: Exchange,
        unsafe: Sequence[str],
    ) -> None:
        result, say = self.result, self.result.say
        say(f"   blocked: {browser.block_reason(result.engine, blocked, request.origin)}")
        for refused in got.refused:
            say(f"   server log: {refused}")
        refusal = got.refused[0].refusal if got.refused else None
        answered_cors = any(
            name.lower().startswith("access-control-") for name, _ in got.response.headers
        )
        uncovered = (
            None
            if got.refused or answered_cors
            else _uncovered_rule(self.bare.application, request)
        )
        if uncovered is not None:
            say(f"   the route {uncovered} has no CORS policy, so the app sends it no CORS header")
            say(
                "   to give it one: @cross_origin(origins=[...]) on its view, "
                "cors.init_app(blueprint, origins=[...]) for its blueprint, or "
                "CrossOrigin(app, origins=[...]) for the app (resources=... narrows it)"
            )
        elif refusal is not None and refusal.option != "-":
            say(f"   option to change: {refusal.option}: {_fix(refusal.option, refusal.value)}")
        elif blocked.option != "-":
            value = _blocked_value(request, blocked, unsafe)
            say(f"   option to change: {blocked.option}: {_fix(blocked.option, value)}")
        result.blocked, result.refusal = blocked, refusal
        engine = result.engine
        lines = browser.console_lines(
            engine, blocked, request.url, request.origin, got.response.status_code
        )
        result.console = "\n".join(lines)
        result.js_error = browser.JS_ERRORS[engine]
        say("")
        where = " (outside automation)" if engine == "safari" else ""
        say(f"Verdict: BLOCKED. {browser.ENGINE_NAMES[engine]}'s console{where} would say:")
        for line in lines:
            say(f"  {line}")
        say(f"  and the page's fetch() rejects with {result.js_error}")

    def check_exposed(
        self, request: FetchRequest, response: TestResponse, expose: Sequence[str]
    ) -> bool:
        readable = True
        say = self.result.say
        for name in expose:
            why = browser.why_hidden(name, response.headers, request.include_credentials)
            if why is None:
                say(f"   {name} is readable by JS")
                continue
            readable = False
            say(f"   {name} is hidden from JS: {why}")
            if name.lower() not in browser.FORBIDDEN_RESPONSE_HEADERS and name in response.headers:
                say(f"   option to change: expose_headers: {_fix('expose_headers', name)}")
        return readable

    def run(self, expose: Sequence[str]) -> FetchResult:
        """Act out the fetch step by step, writing each into the result."""
        request = self.result.request
        result, say = self.result, self.result.say
        say(f"A page at {request.origin} calls {request.javascript()}")
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
                    self.report_blocked(request, blocked, got, list(unsafe))
                    return result
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
            blocked = browser.cors_check(
                got.response.headers, request.origin, request.include_credentials
            )
            if blocked is not None:
                say(
                    f"   note: the app did run this request (status {got.response.status_code}); "
                    "CORS only keeps the page from reading the answer"
                )
                self.report_blocked(request, blocked, got, list(unsafe))
                return result
            say("   passed: the CORS check")
            following = _redirected(request, got.response)
            if following is None:
                break
            shown = following.path if following.server == request.server else following.url
            say(f"   the browser follows the redirect to {shown}")
            if urlsplit(following.server).hostname != urlsplit(SERVER).hostname:
                say("")
                say(
                    f"Verdict: NOT JUDGED. {following.url} is another server; its own CORS "
                    "policy decides, and this check only talks to this app."
                )
                return result
            if following.origin != request.origin:
                say("   (another origin: the request's origin is now tainted, so Origin: null)")
            request = following
        else:
            say("")
            say(f"Verdict: BLOCKED. More than {MAX_REDIRECTS} redirects.")
            return result
        result.status = got.response.status_code
        if expose and not self.check_exposed(request, got.response, expose):
            say("")
            say(
                f"Verdict: BLOCKED (partly). The response is shared with {request.origin}, "
                "but JS cannot read every header it needs."
            )
            return result
        say("")
        say(
            f"Verdict: ALLOWED. A page at {request.origin} can {request.method} {request.path} "
            f"and read the response (status {got.response.status_code})."
        )
        result.allowed = True
        return result


def _uncovered_rule(app: Flask, request: FetchRequest) -> str | None:
    """The rule ``request`` reaches when no policy covers it (with the extension installed)."""
    state: CorsState | None = app.extensions.get(EXTENSION_KEY)
    if state is None:
        return None
    server = urlsplit(request.server)
    adapter = app.url_map.bind(server.netloc, url_scheme=server.scheme)
    try:
        rule, _args = adapter.match(urlsplit(request.path).path, request.method, return_rule=True)
    except HTTPException:
        return None  # a redirect, a 404 or a 405: not a route without a policy
    return rule.rule if state.rules.policy_for(rule) is None else None


def _blocked_value(request: FetchRequest, blocked: browser.Blocked, unsafe: Sequence[str]) -> str:
    """The request value a blocked check is about, when the server did not signal one."""
    if blocked.option == "methods":
        return request.method
    if blocked.option == "allow_headers":
        listed = [name for name in unsafe if f" {name} " in blocked.message]
        return listed[0] if listed else ""
    return request.origin


def _redirected(request: FetchRequest, response: TestResponse) -> FetchRequest | None:
    """The fetch a browser makes next when ``response`` redirects (Fetch, "HTTP-redirect fetch")."""
    location = response.headers.get("Location")
    if not 300 <= response.status_code < 400 or location is None:
        return None
    target = urlsplit(urljoin(request.url, location))
    server = f"{target.scheme}://{target.netloc}"
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
    path = target.path + (f"?{target.query}" if target.query else "")
    return replace(request, path=path, method=method, headers=headers, origin=origin, server=server)


def _client(client_or_app: FlaskClient | Flask) -> FlaskClient:
    if isinstance(client_or_app, Flask):
        return client_or_app.test_client(use_cookies=False)
    return client_or_app


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
) -> FetchResult:
    """Act out ``fetch(path, {method, headers, credentials})`` from a page at ``origin``.

    Nothing leaves the process: every request goes through the app's test client.
    With ``credentials="include"`` the actual request carries the cookies of
    ``client_or_app`` when it is a client; a preflight never does.

    :param client_or_app: the app, or a test client of it (for its cookies).
    :param path: the URL path (and query) on the app, e.g. ``"/oxygen-data"``.
    :param origin: the page's serialized origin, e.g. ``"https://earth.com"`` or ``"null"``.
    :param method: as given to ``fetch()``; normalised as ``fetch()`` does (``patch`` stays).
    :param headers: the request headers the page's script sets.
    :param credentials: ``fetch()``'s credentials mode.
    :param browser: the engine whose console wording the result uses.
    :param expose: response headers the page's script must read.
    :raises FetchUsageError: a ``fetch()`` no page could make (a forbidden header, ...).

    .. versionadded:: 0.2.0
    """
    if browser not in ENGINES:
        raise FetchUsageError(f"browser {browser!r}: give one of {', '.join(ENGINES)}")
    if credentials not in ("omit", "same-origin", "include"):
        raise FetchUsageError(
            f"credentials {credentials!r}: give 'omit', 'same-origin' or 'include'"
        )
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    for name in expose:
        if not TOKEN.fullmatch(name):
            raise FetchUsageError(f"--expose {name!r} is not a header name")
    request = FetchRequest(
        path=parse_path(path),
        origin=parse_origin(origin),
        method=parse_method(method),
        headers=tuple(check_header(name, value) for name, value in pairs),
        credentials=credentials,
    )
    act = _Act(_client(client_or_app), request)
    act.result.engine = browser
    return act.run(expose)


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

    :raises CorsConfigError: listing every route whose policy cannot be built.
    :raises LookupError: the app has no ``CrossOrigin`` extension.

    .. versionadded:: 0.2.0
    """
    cors_state(app)


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
