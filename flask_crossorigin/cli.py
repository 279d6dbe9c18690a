"""``flask cors ...``: tell a user which policy each route has, and why a browser blocks.

``routes`` lists the effective policy of every URL rule. ``check`` acts out a
``fetch()`` against the app through its test client (nothing leaves the process),
runs the browser's checks from :mod:`.browser` on each response, and explains a
failure in Chromium's words, next to the server's own refusal log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import browser
from .errors import CorsConfigError
from .origins import SERIALIZED_ORIGIN, normalise_origin
from .policy import FORBIDDEN_METHODS, TOKEN, Refusal

if TYPE_CHECKING:
    from werkzeug.test import TestResponse

    from .extension import CorsState

cors_cli = AppGroup("cors", help="Inspect the CORS policies of this app.")

#: Fetch, "HTTP-redirect fetch": a browser gives up after 20 redirects.
MAX_REDIRECTS = 20
#: The test client's origin, as the request URL is shown in a browser's message.
SERVER = "http://localhost"
REQUEST_BODY_HEADERS = ("content-encoding", "content-language", "content-location", "content-type")


def _state() -> CorsState:
    """The app's CORS state, with every route resolved so a bad policy fails here, clearly."""
    state: CorsState | None = current_app.extensions.get("crossorigin")
    if state is None:
        raise click.ClickException("this app has no CrossOrigin extension; call CrossOrigin(app)")
    try:
        state.resolve_all()
    except CorsConfigError as error:
        raise click.ClickException(f"CORS configuration error: {error}") from None
    return state


# flask cors routes


def _route_methods(methods: object) -> list[str]:
    """The methods a route serves, without the HEAD and OPTIONS that Flask adds itself."""
    assert isinstance(methods, (set, frozenset))
    return sorted(m for m in methods if m not in ("HEAD", "OPTIONS"))


def route_rows(state: CorsState) -> list[dict[str, object]]:
    """One ``{rule, endpoint, methods, policy, source}`` per URL rule, sorted by rule."""
    rows: list[dict[str, object]] = []
    rules = sorted(state.app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    for rule in rules:
        policy = state.policy_for(rule)
        rows.append(
            {
                "rule": rule.rule,
                "endpoint": rule.endpoint,
                "methods": _route_methods(rule.methods or set()),
                "policy": policy.describe() if policy is not None else None,
                "source": policy.source if policy is not None else None,
            }
        )
    return rows


def _cells(row: dict[str, object]) -> list[str]:
    methods = row["methods"]
    assert isinstance(methods, list)
    shown = ", ".join(methods)
    policy = row["policy"]
    if not isinstance(policy, dict):
        return [str(row["rule"]), str(row["endpoint"]), shown, "none", "-", "-", "-", "-"]
    if policy["methods"] != methods:
        shown += f" (CORS: {', '.join(policy['methods'])})"
    max_age = policy["max_age"]
    return [
        str(row["rule"]),
        str(row["endpoint"]),
        shown,
        str(row["source"]),
        ", ".join(policy["origins"]),
        "yes" if policy["supports_credentials"] else "no",
        "-" if max_age is None else str(max_age),
        policy["expose_headers"] or "-",
    ]


def format_table(rows: Sequence[dict[str, object]]) -> str:
    """Aligned columns, as ``flask routes`` prints them."""
    header = ["Rule", "Endpoint", "Methods", "Source", "Origins", "Credentials", "Max-Age"]
    header.append("Exposed headers")
    lines = [header, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    lines.insert(1, ["-" * width for width in widths])
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


@cors_cli.command("routes")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def routes_command(as_json: bool) -> None:
    """Show each route's methods, effective CORS policy, and where it comes from."""
    rows = route_rows(_state())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(format_table(rows))


# flask cors check


@dataclass(frozen=True)
class Fetch:
    """The ``fetch()`` being acted out: ``fetch(path, {method, headers, credentials})``."""

    path: str
    origin: str
    method: str
    headers: tuple[tuple[str, str], ...]
    credentials: bool

    @property
    def mode(self) -> str:
        return "include" if self.credentials else "same-origin"

    def javascript(self) -> str:
        """The call, as the page's script would write it."""
        init = [f"method: {json.dumps(self.method)}"]
        if self.headers:
            names = {name.lower() for name, _ in self.headers}
            unique = len(names) == len(self.headers)
            shown = dict(self.headers) if unique else [list(h) for h in self.headers]
            init.append(f"headers: {json.dumps(shown)}")
        init.append(f"credentials: {json.dumps(self.mode)}")
        return f"fetch({json.dumps(SERVER + self.path)}, {{{', '.join(init)}}})"


@dataclass(frozen=True)
class Exchange:
    """One request sent to the app, its response, and the refusals the app logged."""

    response: TestResponse
    refusals: tuple[logging.LogRecord, ...]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _refusal_log() -> Iterator[list[logging.LogRecord]]:
    """Collect the ``flask_crossorigin`` log lines emitted meanwhile (printed as hints)."""
    log = logging.getLogger("flask_crossorigin")
    handler = _Collect()
    level, propagate = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        yield handler.records
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate


def _send(app: Flask, method: str, path: str, headers: Sequence[tuple[str, str]]) -> Exchange:
    # No cookies: a preflight never carries them, and with --credentials the mode is enough.
    client = app.test_client(use_cookies=False)
    with _refusal_log() as records:
        response = client.open(
            path,
            method=method,
            headers=list(headers),
            environ_overrides={"REQUEST_METHOD": method},
        )
    return Exchange(response, tuple(records))


SHOWN_RESPONSE_HEADERS = ("access-control-", "vary", "location")


def _print_exchange(method: str, path: str, sent: Sequence[tuple[str, str]], got: Exchange) -> None:
    click.echo(f"   > {method} {path}")
    for name, value in sent:
        click.echo(f"   > {name}: {value}")
    response = got.response
    click.echo(f"   < {response.status}")
    for name, value in response.headers:
        if name.lower().startswith(SHOWN_RESPONSE_HEADERS):
            click.echo(f"   < {name}: {value}")


def _refusal_of(records: Sequence[logging.LogRecord]) -> Refusal | None:
    for record in records:
        for arg in record.args if isinstance(record.args, tuple) else ():
            if isinstance(arg, Refusal):
                return arg
    return None


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


def _blocked_value(fetch: Fetch, blocked: browser.Blocked, unsafe: Sequence[str]) -> str:
    """The request value a blocked check is about, when the server did not log one."""
    if blocked.option == "methods":
        return fetch.method
    if blocked.option == "allow_headers":
        listed = [name for name in unsafe if f" {name} " in blocked.message]
        return listed[0] if listed else ""
    return fetch.origin


def _report_blocked(
    fetch: Fetch, url: str, blocked: browser.Blocked, got: Exchange, unsafe: Sequence[str]
) -> None:
    click.echo(f"   blocked: {blocked.message}")
    refusal = _refusal_of(got.refusals)
    for record in got.refusals:
        click.echo(f"   server log: {record.getMessage()}")
    if refusal is not None and refusal.option != "-":
        option, value = refusal.option, refusal.value
    else:
        option, value = blocked.option, _blocked_value(fetch, blocked, unsafe)
    if option != "-":
        click.echo(f"   option to change: {option}: {_fix(option, value)}")
    click.echo("")
    click.echo("Verdict: BLOCKED. Chromium's console would say:")
    click.echo(
        f"  Access to fetch at '{url}' from origin '{fetch.origin}' has been blocked by "
        f"CORS policy: {blocked.message}"
    )


def _preflight(app: Flask, fetch: Fetch, unsafe: Sequence[str], step: int) -> Exchange:
    sent = [("Origin", fetch.origin), ("Access-Control-Request-Method", fetch.method)]
    if unsafe:
        sent.append(
            ("Access-Control-Request-Headers", browser.access_control_request_headers(unsafe))
        )
    click.echo(f"{step}. Preflight (no cookies, whatever the credentials mode)")
    got = _send(app, "OPTIONS", fetch.path, sent)
    _print_exchange("OPTIONS", fetch.path, sent, got)
    return got


def _explain_preflight(fetch: Fetch, unsafe: dict[str, str], step: int) -> bool:
    needed = fetch.method not in browser.SAFELISTED_METHODS or bool(unsafe)
    click.echo(f"{step}. Preflight needed? {'yes' if needed else 'no'}")
    if fetch.method in browser.SAFELISTED_METHODS:
        click.echo(f"   - method {fetch.method} is CORS-safelisted")
    else:
        click.echo(f"   - method {fetch.method} is not CORS-safelisted (GET, HEAD, POST)")
    over_total = browser.safelisted_total(fetch.headers) > browser.MAX_SAFELISTED_TOTAL
    for name, value in fetch.headers:
        reason = browser.why_not_safelisted(name, value)
        if reason is None and over_total:
            reason = unsafe[name.lower()]
        if reason is None:
            click.echo(f"   - {name}: {value} is a CORS-safelisted request header")
        else:
            click.echo(f"   - {name} is not a CORS-safelisted request header: {reason}")
    return needed


def _redirected(fetch: Fetch, response: TestResponse) -> Fetch | None:
    """The fetch a browser makes next when ``response`` redirects (Fetch, "HTTP-redirect fetch")."""
    location = response.headers.get("Location")
    if not 300 <= response.status_code < 400 or location is None:
        return None
    target = urlsplit(urljoin(SERVER + fetch.path, location))
    if f"{target.scheme}://{target.netloc}" != SERVER:
        return None
    method, headers = fetch.method, fetch.headers
    if (response.status_code in (301, 302) and method == "POST") or (
        response.status_code == 303 and method not in ("GET", "HEAD")
    ):
        method = "GET"
        headers = tuple(h for h in headers if h[0].lower() not in REQUEST_BODY_HEADERS)
    path = target.path + (f"?{target.query}" if target.query else "")
    return replace(fetch, path=path, method=method, headers=headers)


def _check_exposed(fetch: Fetch, response: TestResponse, expose: Sequence[str]) -> bool:
    readable = True
    for name in expose:
        why = browser.why_hidden(name, response.headers, fetch.credentials)
        if why is None:
            click.echo(f"   {name} is readable by JS")
            continue
        readable = False
        click.echo(f"   {name} is hidden from JS: {why}")
        if name.lower() not in browser.FORBIDDEN_RESPONSE_HEADERS and name in response.headers:
            click.echo(f"   option to change: expose_headers: {_fix('expose_headers', name)}")
    return readable


def run_check(app: Flask, fetch: Fetch, expose: Sequence[str]) -> bool:
    """Act out ``fetch`` step by step, printing each; True when a browser would allow it."""
    click.echo(f"A page at {fetch.origin} calls {fetch.javascript()}")
    step = 0
    for _hop in range(MAX_REDIRECTS + 1):
        url = SERVER + fetch.path
        unsafe = browser.unsafe_request_headers(fetch.headers)
        step += 1
        click.echo("")
        if _explain_preflight(fetch, unsafe, step):
            step += 1
            got = _preflight(app, fetch, list(unsafe), step)
            blocked = browser.check_preflight(
                got.response.status_code,
                got.response.headers,
                fetch.origin,
                fetch.method,
                list(unsafe),
                fetch.credentials,
            )
            if blocked is not None:
                _report_blocked(fetch, url, blocked, got, list(unsafe))
                return False
            click.echo("   passed: the preflight's checks")
        step += 1
        sent = [("Origin", fetch.origin), *fetch.headers]
        click.echo(f"{step}. Actual request (credentials mode {fetch.mode!r})")
        got = _send(app, fetch.method, fetch.path, sent)
        _print_exchange(fetch.method, fetch.path, sent, got)
        blocked = browser.cors_check(got.response.headers, fetch.origin, fetch.credentials)
        if blocked is not None:
            click.echo(
                f"   note: the app did run this request (status {got.response.status_code}); "
                "CORS only keeps the page from reading the answer"
            )
            _report_blocked(fetch, url, blocked, got, list(unsafe))
            return False
        click.echo("   passed: the CORS check")
        following = _redirected(fetch, got.response)
        if following is None:
            break
        click.echo(f"   the browser follows the redirect to {following.path}")
        fetch = following
    else:
        click.echo("")
        click.echo(f"Verdict: BLOCKED. More than {MAX_REDIRECTS} redirects.")
        return False
    if expose and not _check_exposed(fetch, got.response, expose):
        click.echo("")
        click.echo(
            f"Verdict: BLOCKED (partly). The response is shared with {fetch.origin}, "
            "but JS cannot read every header it needs."
        )
        return False
    click.echo("")
    click.echo(
        f"Verdict: ALLOWED. A page at {fetch.origin} can {fetch.method} {fetch.path} "
        f"and read the response (status {got.response.status_code})."
    )
    return True


# Reading the command line as fetch() would read its arguments.


def _parse_header(text: str) -> tuple[str, str]:
    name, _, value = text.partition(":")
    name, value = name.strip(), value.strip(" \t")
    if not TOKEN.fullmatch(name):
        raise click.UsageError(
            f"--header {text!r}: {name!r} is not a header name; write NAME or NAME:VALUE, "
            "e.g. --header 'Content-Type: application/json'"
        )
    if any(ch in value for ch in "\r\n\0"):
        raise click.UsageError(f"--header {name}: a value cannot contain CR, LF or NUL")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise click.UsageError(
            f"--header {name}: fetch() only takes bytes 0-255 in a header value"
        ) from None
    if browser.is_forbidden_request_header(name):
        raise click.UsageError(
            f"--header {name}: a forbidden request header; a page's script cannot set it, "
            "the browser does"
        )
    return name, value


def _parse_origin(origin: str) -> str:
    if origin == "null":
        return origin
    try:
        serialized = normalise_origin(origin)
    except CorsConfigError as error:
        raise click.UsageError(f"--origin {error}") from None
    if serialized != origin or not SERIALIZED_ORIGIN.fullmatch(origin):
        raise click.UsageError(
            f"--origin {origin!r} is not how a browser sends it; give the serialized origin "
            f"{serialized!r}"
        )
    return origin


def _parse_method(method: str) -> str:
    if not TOKEN.fullmatch(method):
        raise click.UsageError(f"--method {method!r} is not an HTTP method name")
    if method.upper() in FORBIDDEN_METHODS:
        raise click.UsageError(f"--method {method}: fetch() refuses a forbidden method")
    return browser.normalize_method(method)


@cors_cli.command("check")
@click.argument("path")
@click.option("--origin", required=True, help="The page's origin, e.g. https://earth.com.")
@click.option("--method", default="GET", show_default=True, help="As given to fetch().")
@click.option("--header", "headers", multiple=True, help="NAME[:VALUE], repeatable.")
@click.option("--credentials", is_flag=True, help="credentials: 'include' (cookies).")
@click.option("--expose", multiple=True, help="A response header JS must read, repeatable.")
def check_command(
    path: str,
    origin: str,
    method: str,
    headers: tuple[str, ...],
    credentials: bool,
    expose: tuple[str, ...],
) -> None:
    """Act out what a browser does for fetch(PATH) from ORIGIN, and say if it would block.

    Exit status 0 when allowed, 1 when blocked (or an --expose header is hidden),
    2 on a usage error.
    """
    if not path.startswith("/"):
        raise click.UsageError(f"PATH {path!r} must start with '/', e.g. /api/items")
    for name in expose:
        if not TOKEN.fullmatch(name):
            raise click.UsageError(f"--expose {name!r} is not a header name")
    fetch = Fetch(
        path=path,
        origin=_parse_origin(origin),
        method=_parse_method(method),
        headers=tuple(_parse_header(text) for text in headers),
        credentials=credentials,
    )
    state = _state()
    if not run_check(state.app, fetch, expose):
        raise click.exceptions.Exit(1)
