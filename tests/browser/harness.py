"""What the browser tests record: the page origins, each request the server saw, each fetch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from werkzeug.datastructures import EnvironHeaders, Headers

#: Upper bound, in seconds, of every wait on the browser.
TIMEOUT = 10

FETCH = """
const [url, init, done] = arguments;
fetch(url, init).then(
  async (r) => done({readable: true, status: r.status, type: r.type,
                     headers: Object.fromEntries(r.headers), body: await r.text()}),
  (error) => done({readable: false, error: `${error.name}: ${error.message}`}),
);
"""


class Pages(NamedTuple):
    """Three page origins: a and b are same-site (ports differ), c is another site."""

    a: str
    b: str
    c: str


@dataclass
class Exchange:
    """One request as the server saw it, and the response it sent."""

    method: str
    path: str
    token: str | None
    headers: Headers
    status: int = 0
    response_headers: Headers = field(default_factory=Headers)

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and "Access-Control-Request-Method" in self.headers


class Recorder:
    """WSGI middleware that records every request and its response, preflights included.

    It wraps ``app.wsgi_app``, so it sees what no ``before_request`` hook could: the
    extension answers preflights before every other hook.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.exchanges: list[Exchange] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        tokens = parse_qs(environ.get("QUERY_STRING", "")).get("t")
        exchange = Exchange(
            method=environ["REQUEST_METHOD"],
            path=environ["PATH_INFO"],
            token=tokens[0] if tokens else None,
            headers=Headers(EnvironHeaders(environ)),
        )
        self.exchanges.append(exchange)

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            exchange.status = int(status.split()[0])
            exchange.response_headers = Headers(headers)
            return start_response(status, headers, exc_info)

        answer: Iterable[bytes] = self.app(environ, recording_start_response)
        return answer

    def seen(self, token: str) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.token == token]


class Fetched(NamedTuple):
    """What the page's ``fetch()`` got, what the server saw (in order), the console's CORS lines."""

    result: dict[str, Any]
    seen: list[Exchange]
    console: list[str]
    #: The URL fetched.
    url: str = ""

    @property
    def preflights(self) -> list[Exchange]:
        return [exchange for exchange in self.seen if exchange.is_preflight]

    @property
    def actual(self) -> list[Exchange]:
        return [exchange for exchange in self.seen if not exchange.is_preflight]

    @property
    def cookie_arrived(self) -> bool:
        return any("Cookie" in exchange.headers for exchange in self.actual)
