"""``flask cors ...``: tell a user which policy each route has, and why a browser blocks.

``routes`` lists the effective policy of every URL rule. ``check`` prints the
transcript of :func:`flask_crossorigin.testing.fetch`: a ``fetch()`` acted out
against the app through its test client (nothing leaves the process), with the
browser's checks on each response and the server's own refusal line.

The group reaches every app through the ``flask.commands`` entry point, so it is
there even for an app that forgot the extension, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import click
from flask import current_app
from flask.cli import AppGroup

from ._decorator import EXTENSION_KEY
from ._errors import CorsConfigError
from ._http import TOKEN
from .testing import FetchUsageError, cors_state, fetch
from .testing._request import ENGINES, Engine
from .testing._transcript import escape_controls

if TYPE_CHECKING:
    from ._hooks import CorsState

cors_cli = AppGroup("cors", help="Inspect the CORS policies of this app.")


def _state(*, elsewhere: bool = False) -> CorsState:
    """The app's CORS state, with every route resolved so a bad policy fails here, clearly.

    With ``elsewhere``, errors are printed as a note instead: ``check`` acts out one
    request, which a broken route elsewhere in the app does not change (the request's
    own route, if broken, answers its 500 in the transcript).
    """
    try:
        return cors_state(current_app)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    except CorsConfigError as error:
        if not elsewhere:
            raise click.ClickException(f"CORS configuration error: {error}") from None
        click.echo(f"note: CORS configuration error in this app: {error}\n", err=True)
        state: CorsState = current_app.extensions[EXTENSION_KEY]
        return state


# flask cors routes


def _route_methods(methods: object) -> list[str]:
    """The methods a route serves, without HEAD and OPTIONS, as ``flask routes`` shows them."""
    assert isinstance(methods, (set, frozenset))
    return sorted(m for m in methods if m not in ("HEAD", "OPTIONS"))


def route_rows(state: CorsState) -> list[dict[str, object]]:
    """One ``{rule, endpoint, methods, policy, source, gate}`` per URL rule, sorted by rule.

    ``gate`` is what the write gate does there: ``on``, ``report``, ``off`` or ``exempt``.
    """
    rows: list[dict[str, object]] = []
    table = state.rules
    rules = sorted(table.app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    # Like `flask routes`: a Subdomain column only where the app routes by subdomain.
    by_subdomain = table.app.subdomain_matching or any(rule.subdomain for rule in rules)
    for rule in rules:
        policy = table.policy_for(rule)
        rows.append(
            {
                "rule": rule.rule,
                "endpoint": rule.endpoint,
                "methods": _route_methods(rule.methods or set()),
                "policy": policy.describe() if policy is not None else None,
                "source": policy.source if policy is not None else None,
                "gate": table.gate_for(rule)[0].value,
            }
        )
        if by_subdomain:
            rows[-1]["subdomain"] = rule.subdomain or ""
    return rows


def _cells(row: dict[str, object]) -> list[str]:
    methods = row["methods"]
    assert isinstance(methods, list)
    shown = ", ".join(methods)
    policy = row["policy"]
    first = [str(row["rule"]), *([str(row["subdomain"]) or "-"] if "subdomain" in row else [])]
    gate = str(row["gate"])
    if not isinstance(policy, dict):
        return [*first, str(row["endpoint"]), shown, "none", "-", "-", "-", "-", "-", "-", gate]
    # Shown like the Methods column: HEAD goes with GET, and OPTIONS is not listed.
    allowed = [
        m
        for m in policy["methods"]
        if m != "OPTIONS" and (m != "HEAD" or "GET" not in policy["methods"])
    ]
    max_age = policy["max_age"]
    return [
        *first,
        str(row["endpoint"]),
        shown,
        str(row["source"]),
        ", ".join(policy["origins"]),
        "yes" if policy["supports_credentials"] else "no",
        "-" if max_age is None else str(max_age),
        policy["expose_headers"] or "-",
        ", ".join(allowed),
        policy["allow_headers"] or "-",
        gate,
    ]


def format_table(rows: Sequence[dict[str, object]]) -> str:
    """Aligned columns, as ``flask routes`` prints them."""
    header = ["Rule", "Endpoint", "Methods", "Source", "Origins", "Credentials", "Max-Age"]
    header += ["Exposed headers", "CORS methods", "Allowed headers", "Write gate"]
    if rows and "subdomain" in rows[0]:
        header.insert(1, "Subdomain")
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


#: fetch()'s keywords, as ``flask cors check`` spells them.
FLAGS = {
    "path": "PATH",
    "origin": "--origin",
    "method": "--method",
    "headers": "--header",
    "expose": "--expose",
    "base_url": "--url",
}


def parse_header(text: str) -> tuple[str, str]:
    """``NAME[:VALUE]``, as a page's script may set it with ``headers.append``."""
    name, _, value = text.partition(":")
    name, value = name.strip(), value.strip(" \t")
    if not TOKEN.fullmatch(name):
        raise click.UsageError(
            f"--header {escape_controls(repr(text))}: {escape_controls(repr(name))} is not a "
            "header name; write NAME or NAME:VALUE, e.g. --header 'Content-Type: application/json'"
        )
    return name, value


def split_url(url: str) -> tuple[str, str]:
    """``--url https://api.mars.test/oxygen-data``: the API's origin, and the path on it."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme or not rest:
        raise click.UsageError(
            f"--url {escape_controls(repr(url))}: give the API's full URL, "
            "e.g. --url https://api.example.com/items"
        )
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host}", slash + path if slash else "/"


def usage_error(error: FetchUsageError) -> click.UsageError:
    """The error of fetch(), with its keyword renamed to the flag the user typed."""
    flag = FLAGS.get(error.argument, error.argument)
    return click.UsageError(escape_controls(f"{flag} {error.problem}"))


@cors_cli.command("check")
@click.argument("path", required=False)
@click.option("--url", help="The API's full URL, e.g. https://api.example.com/items (not PATH).")
@click.option("--origin", required=True, help="The page's origin, e.g. https://earth.com.")
@click.option("--method", default="GET", show_default=True, help="As given to fetch().")
@click.option("--header", "headers", multiple=True, help="NAME[:VALUE], repeatable.")
@click.option("--credentials", is_flag=True, help="credentials: 'include' (cookies).")
@click.option("--expose", multiple=True, help="A response header JS must read, repeatable.")
@click.option(
    "--browser",
    "engine",
    type=click.Choice(ENGINES),
    default="chromium",
    show_default=True,
    help="The engine whose verdict, console wording and cookie rules to give.",
)
def check_command(
    path: str | None,
    url: str | None,
    origin: str,
    method: str,
    headers: tuple[str, ...],
    credentials: bool,
    expose: tuple[str, ...],
    engine: str,
) -> None:
    """Act out what a browser does for fetch(PATH) from ORIGIN, and say if it would block.

    Give PATH, or --url with the API's full URL (its origin then decides which site
    the cookies belong to, and whether Chromium asks the user for Local Network
    Access first). Exit status 0 when allowed, 1 when blocked (or an
    --expose header is hidden), 2 on a usage error.
    """
    if (path is None) == (url is None):
        raise click.UsageError("give PATH or --url, one of them")
    base_url = None
    if url is not None:
        base_url, path = split_url(url)
    assert path is not None
    parsed: Sequence[tuple[str, str]] = [parse_header(text) for text in headers]
    state = _state(elsewhere=True)
    try:
        result = fetch(
            state.rules.app,
            path,
            origin=origin,
            method=method,
            headers=parsed,
            credentials="include" if credentials else "same-origin",
            browser=cast("Engine", engine),  # click.Choice(ENGINES) checked it
            expose=expose,
            base_url=base_url,
        )
    except FetchUsageError as error:
        raise usage_error(error) from None
    click.echo(result.transcript)
    if not result.allowed:
        raise click.exceptions.Exit(1)
