"""Writes that skip the preflight, sent by real pages in Chromium, Firefox and WebKit.

A page can make a server act without any preflight: a form POST, a ``no-cors``
``fetch()`` POST, ``navigator.sendBeacon`` and a WebSocket handshake. The API below
allows page a (``127.0.0.1``, another port: the same site) and refuses page b (the same
site, yet another port) and page c (``localhost``: another site). Its views count each
run by the token in the URL, so the count proves whether the view ran, whatever the
page could read. Each page origin is opened once per engine and sends its writes in
turn, the form POST last (it navigates away); what every engine sent (``Sec-Fetch-*``,
``Origin``, ``Cookie``) is checked against CORS-FACTS section 8 and kept in
``test-artifacts/engine-writes.json`` for ``docs/writes.rst``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask import Flask, request
from flask_sock import Sock

from flask_crossorigin import CrossOrigin, cors_refused, cross_origin

from .engines import Engine
from .harness import Exchange, Pages, Recorder

pytestmark = pytest.mark.browser

#: Upper bound, in seconds, of the wait for the server to answer one write.
ANSWERED_WITHIN = 5
#: What the API allows: page a. Pages b and c are refused.
ALLOWED_PAGE = "a"
#: The form POST goes last: it leaves the page.
WRITES = ("no-cors-fetch", "beacon", "websocket", "form")

SEND_FORM = """
const [url] = arguments;
const form = document.createElement("form");
form.method = "post";
form.action = url;
const field = document.createElement("input");
field.name = "note";
field.value = "sent by a form";
form.append(field);
document.body.append(form);
form.submit();
return true;
"""

NO_CORS_FETCH = """
const [url, done] = arguments;
fetch(url, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
            body: "sent by fetch"}).then(
  (r) => done({type: r.type, status: r.status}),
  (error) => done({error: `${error.name}: ${error.message}`}),
);
"""

BEACON = """
const [url] = arguments;
return navigator.sendBeacon(url, "sent by a beacon");
"""

#: Opens a socket and sends "ping"; done at the echo, or when the socket closes unopened.
#: (Werkzeug's development server writes an HTTP response after flask-sock's close frame,
#: so a close after an echo is never clean there: the echo is the proof.)
WEBSOCKET = """
const [url, done] = arguments;
const events = [];
const ws = new WebSocket(url);
ws.onopen = () => { events.push("open"); ws.send("ping"); };
ws.onmessage = (event) => {
  events.push(`message:${event.data}`);
  done({events});
  ws.close(1000);
};
ws.onerror = () => events.push("error");
ws.onclose = (event) => done({events, code: event.code});
setTimeout(() => done({events, timeout: true}), 4000);
"""


class Sent(NamedTuple):
    """One write: what the page saw, the requests the server saw, how often the view ran."""

    page_saw: Any
    seen: list[Exchange]
    view_runs: int
    refusals: list[dict[str, Any]]

    @property
    def request(self) -> Exchange:
        (exchange,) = self.seen
        return exchange


class Api(NamedTuple):
    base: str
    recorder: Recorder
    runs: Counter[str]
    refusals: list[dict[str, Any]]


def create_api(pages: Pages) -> tuple[Flask, Counter[str], list[dict[str, Any]]]:
    """The API: app-level policy allowing page a (with credentials), one route without."""
    app = Flask(__name__)
    runs: Counter[str] = Counter()
    lock = threading.Lock()

    def ran() -> None:
        with lock:
            runs[request.args["t"]] += 1

    CrossOrigin(app, origins=[pages.a], supports_credentials=True)
    sock = Sock(app)

    @app.post("/notes")
    def notes() -> str:
        ran()
        return "stored"

    @app.post("/notes-without-credentials")
    @cross_origin(supports_credentials=False)
    def notes_without_credentials() -> str:
        ran()
        return "stored"

    def echo(ws: Any) -> None:
        ran()
        ws.send(ws.receive(timeout=ANSWERED_WITHIN))

    sock.route("/echo")(echo)

    refusals: list[dict[str, Any]] = []

    @cors_refused.connect_via(app)
    def keep(sender: Flask, **sent: Any) -> None:
        with lock:
            refusals.append({**sent, "token": request.args.get("t")})

    return app, runs, refusals


@pytest.fixture(scope="module")
def api(serve: Callable[[Any], int], pages: Pages) -> Api:
    """The API on its own port under werkzeug's threaded server, which serves WebSockets too."""
    app, runs, refusals = create_api(pages)
    recorder = Recorder(app)
    return Api(f"127.0.0.1:{serve(recorder)}", recorder, runs, refusals)


def wait_answered(recorder: Recorder, token: str) -> list[Exchange]:
    """The requests carrying ``token``, once the server has answered one (bounded)."""
    deadline = time.monotonic() + ANSWERED_WITHIN
    while time.monotonic() < deadline:
        seen = recorder.seen(token)
        if seen and all(exchange.status for exchange in seen):
            return seen
        time.sleep(0.02)
    return recorder.seen(token)


def send(browser: Engine, api: Api, write: str, path: str = "/notes") -> Sent:
    """Send one ``write`` from the open page, with a fresh token; wait for the server."""
    token = uuid.uuid4().hex
    url = f"http://{api.base}{path}?t={token}"
    if write == "form":
        page_saw = browser.evaluate(SEND_FORM, url)
    elif write == "no-cors-fetch":
        page_saw = browser.run_async(NO_CORS_FETCH, url)
    elif write == "beacon":
        page_saw = browser.evaluate(BEACON, url)
    else:
        page_saw = browser.run_async(WEBSOCKET, f"ws://{api.base}/echo?t={token}")
    seen = wait_answered(api.recorder, token)
    refusals = [r for r in api.refusals if r["token"] == token]
    return Sent(page_saw, seen, api.runs[token], refusals)


@pytest.fixture(scope="module")
def sent(
    browser: Engine, api: Api, pages: Pages, artifacts: Path
) -> Iterator[dict[tuple[str, str], Sent]]:
    """Every write from every page, in this engine: ``sent[(page, write)]``.

    Each page origin is opened once; the form POST goes last, as it leaves the page. Page
    a then sends a form POST to the route without ``supports_credentials``: the cookie
    set here for ``127.0.0.1`` (``SameSite=Lax``, so it goes to every port of that site)
    rides along.
    """
    browser.open(pages.a + "/")
    browser.add_cookie("planet", "earth")
    results: dict[tuple[str, str], Sent] = {}
    try:
        for page in ("a", "b", "c"):
            browser.open(getattr(pages, page) + "/")
            for write in WRITES:
                results[(page, write)] = send(browser, api, write)
        browser.open(pages.a + "/")
        results[("a", "form-without-credentials")] = send(
            browser, api, "form", "/notes-without-credentials"
        )
    finally:
        # The cookie goes to every port of 127.0.0.1: other browser tests must not see it.
        browser.open(pages.a + "/")
        browser.evaluate("document.cookie = 'planet=; path=/; max-age=0';")
    yield results
    keep_record(artifacts, browser, pages, results)


RECORD = "engine-writes.json"


def keep_record(
    artifacts: Path, browser: Engine, pages: Pages, results: dict[tuple[str, str], Sent]
) -> None:
    """Merge what this engine sent into ``test-artifacts/engine-writes.json``."""
    path = artifacts / RECORD
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    names = {"a": "allowed, same site", "b": "refused, same site", "c": "refused, other site"}
    engine: dict[str, Any] = {"version": browser.version}
    for (page, write), result in results.items():
        headers = [exchange.headers for exchange in result.seen]
        engine[f"{write} from page {page} ({names[page]})"] = {
            "sent": [
                {
                    name: value
                    for name, value in h.items()
                    if name.startswith("Sec-Fetch-")
                    or name in ("Origin", "Content-Type", "Upgrade")
                }
                | {"Cookie": "Cookie" in h}
                for h in headers
            ],
            "status": [exchange.status for exchange in result.seen],
            "view_runs": result.view_runs,
            "page_saw": result.page_saw,
        }
    saved[browser.name] = engine
    path.write_text(json.dumps(dict(sorted(saved.items())), indent=2) + "\n")


@pytest.mark.parametrize("page", ["b", "c"])
@pytest.mark.parametrize("write", WRITES)
def test_refused_origin_write_never_runs_the_view(
    sent: dict[tuple[str, str], Sent], write: str, page: str
) -> None:
    """A write from a refused page reaches the server, which answers 403 before the view."""
    result = sent[(page, write)]

    assert result.view_runs == 0
    assert [exchange.status for exchange in result.seen] == [403]
    assert not any(
        name.startswith("Access-Control-Allow-")
        for name, _ in result.request.response_headers.items()
    )
    (refusal,) = result.refusals
    assert refusal["kind"] == ("websocket" if write == "websocket" else "write")
    assert refusal["enforced"] is True
    assert refusal["refusal"].option == "origins"
    if write == "websocket":
        assert result.page_saw == {"events": ["error"], "code": 1006}


@pytest.mark.parametrize("write", WRITES)
def test_allowed_origin_write_runs_the_view(sent: dict[tuple[str, str], Sent], write: str) -> None:
    """The same write from the allowed page runs the view once, and its socket echoes."""
    result = sent[(ALLOWED_PAGE, write)]

    assert result.view_runs == 1
    assert result.refusals == []
    if write == "websocket":
        assert result.page_saw == {"events": ["open", "message:ping"]}
    else:
        assert [exchange.status for exchange in result.seen] == [200]


def test_allowed_origin_form_with_a_cookie_needs_supports_credentials(
    sent: dict[tuple[str, str], Sent],
) -> None:
    """A same-site form carries the site's Lax cookie: a policy without credentials refuses it."""
    result = sent[("a", "form-without-credentials")]

    assert "Cookie" in result.request.headers
    assert result.view_runs == 0
    assert result.request.status == 403
    (refusal,) = result.refusals
    assert refusal["refusal"].option == "supports_credentials"


#: CORS-FACTS section 8: (Sec-Fetch-Mode, Sec-Fetch-Dest) per write; None: no Sec-Fetch-*.
FETCH_METADATA: dict[str, dict[str, tuple[str, str] | None]] = {
    "form": dict.fromkeys(("chromium", "firefox", "webkit"), ("navigate", "document")),
    "no-cors-fetch": dict.fromkeys(("chromium", "firefox", "webkit"), ("no-cors", "empty")),
    "beacon": dict.fromkeys(("chromium", "firefox", "webkit"), ("no-cors", "empty")),
    "websocket": {
        "chromium": None,
        "firefox": ("websocket", "empty"),
        "webkit": ("websocket", "websocket"),
    },
}
#: CORS-FACTS section 8: what Sec-Fetch-Site says from each page.
SITE = {"a": "same-site", "b": "same-site", "c": "cross-site"}


@pytest.mark.parametrize("page", ["a", "b", "c"])
@pytest.mark.parametrize("write", WRITES)
def test_engine_sends_the_headers_cors_facts_section_8_records(
    sent: dict[tuple[str, str], Sent], browser: Engine, pages: Pages, write: str, page: str
) -> None:
    """Every write carries the page's Origin; Sec-Fetch-* is as measured (none on Chromium's
    WebSocket), and a page on another port of the same site says same-site."""
    headers = sent[(page, write)].request.headers
    metadata = FETCH_METADATA[write][browser.name]

    assert headers.get("Origin") == getattr(pages, page)
    if metadata is None:
        assert [name for name, _ in headers.items() if name.startswith("Sec-Fetch-")] == []
    else:
        assert headers.get("Sec-Fetch-Site") == SITE[page]
        assert (headers.get("Sec-Fetch-Mode"), headers.get("Sec-Fetch-Dest")) == metadata
    if write == "beacon":
        assert headers.get("Content-Type") == "text/plain;charset=UTF-8"


@pytest.mark.parametrize(
    ("write", "cookie"),
    [("form", True), ("beacon", True), ("websocket", True), ("no-cors-fetch", False)],
)
def test_same_site_writes_carry_the_sites_lax_cookie(
    sent: dict[tuple[str, str], Sent], write: str, cookie: bool
) -> None:
    """CORS-FACTS section 8: a Lax cookie goes with same-site forms, beacons and WebSocket
    handshakes (not with a default ``fetch()``), and never to another site."""
    assert ("Cookie" in sent[("a", write)].request.headers) is cookie
    assert ("Cookie" in sent[("b", write)].request.headers) is cookie
    assert "Cookie" not in sent[("c", write)].request.headers
