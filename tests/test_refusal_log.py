"""The refusal log: one INFO line on ``flask_crossorigin`` per refused request, and no more.

API.md, "Tools for the user": the line names the endpoint, the rule that refused the
request and the offending value, quoted and cut short, so that a request cannot forge
a log line or flood the log.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flask_crossorigin import CrossOrigin, cross_origin, exempt_writes

from .helpers import (
    EARTH,
    VENUS,
    bare_app,
    cors_headers,
    records,
)


@pytest.fixture
def app() -> Flask:
    app = bare_app()
    CrossOrigin(app)

    @app.route("/oxygen-data", methods=["POST", "PUT"])
    @cross_origin(origins=EARTH, methods=["POST"], allow_headers=["Content-Type"])
    def oxygen_data() -> str:
        return "stored"

    @app.get("/crater/")
    @cross_origin(origins=EARTH)
    def crater() -> str:
        return "deep"

    @app.get("/public")
    @cross_origin()
    def public() -> str:
        return "open"

    @app.get("/flaky")
    @cross_origin(origins=[EARTH, lambda origin: 1 / 0 == 0])
    def flaky() -> str:
        return "flaky"

    return app


@pytest.fixture
def refusals(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """``caplog``, capturing ``flask_crossorigin`` from INFO up while the test runs."""
    caplog.set_level(logging.INFO, logger="flask_crossorigin")
    return caplog


def preflight(client: FlaskClient, path: str, origin: str, method: str, **headers: str) -> int:
    environ = {"HTTP_ORIGIN": origin, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": method}
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return client.options(path, environ_overrides=environ).status_code


class Refused(NamedTuple):
    origin: str
    method: str
    headers: dict[str, str]
    rule: str
    value: str
    option: str | None


REFUSED_PREFLIGHTS = {
    "origin": Refused(VENUS, "POST", {}, "origin is not allowed", VENUS, "origins"),
    "method": Refused(EARTH, "PUT", {}, "method is not allowed", "PUT", "methods"),
    "method no view serves": Refused(
        EARTH,
        "DELETE",
        {},
        "no view with a CORS policy serves this method on this URL",
        "DELETE",
        "methods",
    ),
    "header": Refused(
        EARTH,
        "POST",
        {"access_control_request_headers": "content-type,x-trace"},
        "request header is not allowed",
        "x-trace",
        "allow_headers",
    ),
    "private network": Refused(
        EARTH,
        "POST",
        {"access_control_request_private_network": "true"},
        "private network access is not allowed",
        "true",
        "allow_private_network",
    ),
    "malformed request headers": Refused(
        EARTH,
        "POST",
        {"access_control_request_headers": "x(trace)"},
        "Access-Control-Request-Headers is malformed",
        "x(trace)",
        None,
    ),
}


@pytest.mark.parametrize("case", REFUSED_PREFLIGHTS.values(), ids=REFUSED_PREFLIGHTS.keys())
def test_refused_preflight_logs_one_line_naming_endpoint_rule_and_value(
    client: FlaskClient, refusals: pytest.LogCaptureFixture, case: Refused
) -> None:
    status = preflight(client, "/oxygen-data", case.origin, case.method, **case.headers)

    assert status == 403
    (line,) = records(refusals, logging.INFO)
    assert line.startswith("CORS preflight refused for endpoint 'oxygen_data': ")
    assert case.rule in line
    assert repr(case.value) in line
    where = "no option decides it" if case.option is None else f"option {case.option}"
    assert f"({where})" in line


def test_preflight_redirected_by_trailing_slash_logs_one_line(
    client: FlaskClient, refusals: pytest.LogCaptureFixture
) -> None:
    assert preflight(client, "/crater", VENUS, "GET") == 403
    (line,) = records(refusals, logging.INFO)
    assert "endpoint 'crater'" in line
    assert repr(VENUS) in line


@pytest.mark.parametrize(
    ("method", "path", "status", "words"),
    [("GET", "/crater/", 200, "GET request"), ("POST", "/oxygen-data", 403, "POST write")],
)
def test_actual_request_from_refused_origin_logs_one_line(
    client: FlaskClient,
    refusals: pytest.LogCaptureFixture,
    method: str,
    path: str,
    status: int,
    words: str,
) -> None:
    response = client.open(path, method=method, headers={"Origin": VENUS})

    assert response.status_code == status  # a cross-origin write is refused before the view
    (line,) = records(refusals, logging.INFO)
    assert line.startswith(f"CORS {words} refused for endpoint ")
    assert f"origin is not allowed: {VENUS!r} (option origins)" in line


def test_redirect_answering_a_refused_origin_logs_one_line(
    client: FlaskClient, refusals: pytest.LogCaptureFixture
) -> None:
    response = client.get("/crater", headers={"Origin": VENUS})

    assert response.status_code == 308
    (line,) = records(refusals, logging.INFO)
    assert "endpoint 'crater'" in line


def test_raising_origin_check_logs_one_refusal_besides_its_error(
    client: FlaskClient, refusals: pytest.LogCaptureFixture
) -> None:
    response = client.get("/flaky", headers={"Origin": VENUS})

    assert response.status_code == 200
    (line,) = records(refusals, logging.INFO)
    assert repr(VENUS) in line
    errors = [r for r in refusals.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert isinstance(errors[0].exc_info and errors[0].exc_info[1], ZeroDivisionError)


ALLOWED = {
    "allowed preflight": lambda c: preflight(
        c, "/oxygen-data", EARTH, "POST", access_control_request_headers="content-type"
    ),
    "allowed actual request": lambda c: c.post("/oxygen-data", headers={"Origin": EARTH}),
    "any origin": lambda c: c.get("/public", headers={"Origin": VENUS}),
    "no Origin": lambda c: c.post("/oxygen-data"),
    "no Origin, redirect": lambda c: c.get("/crater"),
    "OPTIONS without Origin": lambda c: c.options(
        "/oxygen-data", headers={"Access-Control-Request-Method": "DELETE"}
    ),
    "OPTIONS without request method": lambda c: c.options(
        "/oxygen-data", headers={"Origin": EARTH}
    ),
    "route without policy": lambda c: c.get("/static/x", headers={"Origin": VENUS}),
    "unknown URL": lambda c: c.get("/nowhere", headers={"Origin": VENUS}),
}


@pytest.mark.parametrize("send", ALLOWED.values(), ids=ALLOWED.keys())
def test_no_line_for_requests_that_are_not_refused(
    client: FlaskClient, refusals: pytest.LogCaptureFixture, send: object
) -> None:
    assert callable(send)
    send(client)

    assert records(refusals, logging.INFO) == []


#: Requests whose answer no browser CORS-checks, to a route that does not list their
#: origin: the app's own page (the test client's host is localhost), a navigation and a
#: no-cors fetch. Nothing is blocked, so nothing is logged as refused.
UNCHECKED = {
    "own page, Sec-Fetch-Site same-origin": (
        "POST",
        {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},
    ),
    "own page, no Fetch Metadata": ("POST", {"Origin": "http://localhost"}),
    "own page, GET": ("GET", {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}),
    "navigation from another site": (
        "GET",
        {"Origin": VENUS, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
    ),
    "no-cors fetch from another site": (
        "GET",
        {"Origin": VENUS, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
    ),
    "own page, docker-compose host": (
        "POST",
        {"Origin": "http://my_api:5000", "Host": "my_api:5000"},
    ),
}


@pytest.mark.parametrize(("method", "headers"), UNCHECKED.values(), ids=UNCHECKED.keys())
def test_no_line_for_an_unlisted_origin_whose_answer_no_browser_checks(
    app: Flask, refusals: pytest.LogCaptureFixture, method: str, headers: dict[str, str]
) -> None:
    @app.route("/logbook", methods=["GET", "POST"])
    @cross_origin(origins=EARTH)
    def logbook() -> str:
        return "written"

    response = app.test_client().open("/logbook", method=method, headers=headers)

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert records(refusals, logging.INFO) == []


def test_an_exempt_callback_posted_by_a_navigation_is_served_without_a_refusal_line(
    app: Flask, refusals: pytest.LogCaptureFixture
) -> None:
    """An identity provider's form_post: exempt from the gate, and no CORS read to refuse."""

    @app.post("/sso/callback")
    @exempt_writes
    @cross_origin(origins=EARTH)
    def callback() -> str:
        return "signed in"

    headers = {"Origin": VENUS, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    response = app.test_client().post("/sso/callback", headers=headers)

    assert response.status_code == 200
    assert records(refusals, logging.INFO) == []


def test_a_websocket_handshake_without_fetch_metadata_has_no_read_side_line(
    app: Flask, refusals: pytest.LogCaptureFixture
) -> None:
    """Chromium sends a handshake without ``Sec-Fetch-Mode``; no browser CORS-checks its
    answer. (The gate judges handshakes; this exempt route leaves it to the view.)"""

    @app.get("/stream", websocket=True)
    @exempt_writes
    @cross_origin(origins=EARTH)
    def stream() -> str:
        return "upgraded"

    handshake = {
        "Origin": VENUS,
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    app.test_client().get("/stream", base_url="ws://localhost", headers=handshake)

    assert records(refusals, logging.INFO) == []


def test_the_same_requests_in_cors_mode_from_another_origin_are_logged(
    app: Flask, refusals: pytest.LogCaptureFixture
) -> None:
    """The other side: a cors-mode read from an unlisted origin is still told."""

    @app.get("/logbook")
    @cross_origin(origins=EARTH)
    def logbook() -> str:
        return "written"

    headers = {"Origin": VENUS, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    app.test_client().get("/logbook", headers=headers)
    app.test_client().get("/logbook", headers={"Origin": VENUS})

    lines = records(refusals, logging.INFO)
    assert len(lines) == 2
    assert all(f"origin is not allowed: {VENUS!r}" in line for line in lines)


@pytest.mark.parametrize("kind", ["preflight", "actual"])
def test_ten_kilobyte_origin_is_cut_short(
    client: FlaskClient, refusals: pytest.LogCaptureFixture, kind: str
) -> None:
    origin = "https://" + "a" * 10_240 + ".com"
    if kind == "preflight":
        preflight(client, "/oxygen-data", origin, "POST")
    else:
        client.post("/oxygen-data", environ_overrides={"HTTP_ORIGIN": origin})

    (line,) = records(refusals, logging.INFO)
    assert len(line) < 250
    assert "https://aaaa" in line
    assert "..." in line
    assert "a" * 100 not in line


FORGED = "https://earth.com\r\nINFO:flask_crossorigin:CORS request allowed"


@pytest.mark.parametrize(
    "send",
    [
        lambda c: preflight(c, "/oxygen-data", FORGED, "POST"),
        lambda c: c.post("/oxygen-data", environ_overrides={"HTTP_ORIGIN": FORGED}),
        lambda c: preflight(
            c, "/oxygen-data", EARTH, "POST", access_control_request_headers="x-a\r\nx-b"
        ),
        lambda c: preflight(c, "/oxygen-data", EARTH, "PO\r\nST"),
    ],
    ids=["preflight origin", "actual origin", "request headers", "request method"],
)
def test_cr_lf_in_a_value_cannot_start_a_new_log_line(
    client: FlaskClient,
    refusals: pytest.LogCaptureFixture,
    send: object,
) -> None:
    assert callable(send)
    send(client)

    (line,) = records(refusals, logging.INFO)
    assert "\r" not in line
    assert "\n" not in line
    assert "\\r\\n" in line or "\\n" in line
    assert len(refusals.text.splitlines()) == 1


@pytest.mark.parametrize("method", ["PO\r\nST\x1b[2J", "A" * 300], ids=["control", "long"])
def test_method_of_an_actual_request_is_logged_only_when_it_is_a_short_token(
    client: FlaskClient, refusals: pytest.LogCaptureFixture, method: str
) -> None:
    client.open("/oxygen-data", method=method, environ_overrides={"HTTP_ORIGIN": VENUS})

    (line,) = records(refusals, logging.INFO)
    assert line.startswith("CORS request refused for endpoint 'oxygen_data': origin is not")
    assert not any(ch in line for ch in "\r\n\x1b")
    assert "AAAA" not in line


def test_long_method_refused_by_the_methods_option_is_cut_short_in_the_log(
    refusals: pytest.LogCaptureFixture,
) -> None:
    app = Flask("mars")
    CrossOrigin(app)
    method = "A" * 300

    @app.route("/odd", methods=["GET", method])
    @cross_origin(origins=EARTH, methods=["GET"])
    def odd() -> str:
        return "ok"

    response = app.test_client().open("/odd", method=method, headers={"Origin": EARTH})
    assert response.status_code == 403  # a cross-origin write the policy does not allow
    (line,) = records(refusals, logging.INFO)
    assert line.startswith("CORS write refused for endpoint 'odd': method is not allowed: 'AAA")
    assert "A" * 100 not in line


# The cors_refused signal: the same event, for receivers (metrics, the CLI, the plugin).


@pytest.mark.parametrize("case", REFUSED_PREFLIGHTS.values(), ids=REFUSED_PREFLIGHTS.keys())
def test_refused_preflight_sends_cors_refused_once_with_endpoint_kind_and_refusal(
    app: Flask, client: FlaskClient, case: Refused
) -> None:
    from flask_crossorigin import cors_refused

    received: list[tuple[object, dict[str, object]]] = []
    with cors_refused.connected_to(lambda sender, **kw: received.append((sender, kw)), app):
        preflight(client, "/oxygen-data", case.origin, case.method, **case.headers)

    ((sender, event),) = received
    assert sender is app
    assert event["endpoint"] == "oxygen_data"
    assert event["kind"] == "preflight"
    refusal = event["refusal"]
    assert (refusal.rule, refusal.value, refusal.option) == (  # type: ignore[attr-defined]
        case.rule,
        case.value,
        case.option,
    )


def test_refused_actual_request_sends_cors_refused_and_allowed_ones_send_nothing(
    app: Flask, client: FlaskClient
) -> None:
    from flask_crossorigin import cors_refused

    received: list[dict[str, object]] = []
    with cors_refused.connected_to(lambda sender, **kw: received.append(kw), app):
        client.get("/crater/", headers={"Origin": EARTH})
        client.get("/crater/")
        client.get("/crater/", headers={"Origin": VENUS})

    (event,) = received
    assert event["endpoint"] == "crater"
    assert event["kind"] == "actual"
    assert event["method"] == "GET"
    assert event["enforced"] is True
    assert str(event["refusal"]) == f"origin is not allowed: {VENUS!r} (option origins)"


def test_a_receiver_of_another_app_hears_nothing(client: FlaskClient) -> None:
    from flask_crossorigin import cors_refused

    received: list[object] = []
    with cors_refused.connected_to(lambda sender, **kw: received.append(sender), Flask("other")):
        client.get("/crater/", headers={"Origin": VENUS})

    assert received == []


ROOT = Path(__file__).resolve().parent.parent


DEBUG_APP = """
from flask import Flask
from flask_crossorigin import CrossOrigin, cross_origin, exempt_writes

app = Flask("mars")
{before}
CrossOrigin(app)


@app.post("/items")
@cross_origin(origins="https://earth.com")
def items():
    return "stored"


{after}
client = app.test_client()
answer = client.options(
    "/items",
    headers={{"Origin": "https://venus.com", "Access-Control-Request-Method": "POST"}},
)
print(answer.status_code, app.debug)
"""


DEBUG_WAYS = {
    "flask run --debug (FLASK_DEBUG=1)": ("1", "", ""),
    "app.debug = True before CrossOrigin(app)": ("", "app.debug = True", ""),
    "app.run(debug=True) style: app.debug set after": ("", "", "app.debug = True"),
    "no debug": ("", "", ""),
}


@pytest.mark.parametrize(("flask_debug", "before", "after"), DEBUG_WAYS.values(), ids=DEBUG_WAYS)
def test_in_debug_mode_the_refusal_line_reaches_the_console_without_logging_setup(
    flask_debug: str, before: str, after: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "FLASK_RUN_FROM_CLI")}
    if flask_debug:
        env["FLASK_DEBUG"] = flask_debug
    script = DEBUG_APP.format(before=before, after=after)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    debug = bool(flask_debug or before or after)
    assert done.stdout.split() == ["403", str(debug)], done.stderr
    lines = [line for line in done.stderr.splitlines() if "venus.com" in line]
    if debug:
        (line,) = lines
        assert "refused" in line
        assert "'https://venus.com'" in line
        assert "origins" in line
    else:
        assert lines == [], done.stderr  # outside debug the INFO line stays where it was


def send_refused(app: Flask, case: Refused) -> TestResponse:
    """The preflight of ``case`` to ``/oxygen-data``, as a response."""
    environ = {"HTTP_ORIGIN": case.origin, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": case.method}
    environ.update({f"HTTP_{name.upper()}": value for name, value in case.headers.items()})
    return app.test_client().options("/oxygen-data", environ_overrides=environ)


@pytest.mark.parametrize("case", REFUSED_PREFLIGHTS.values(), ids=REFUSED_PREFLIGHTS.keys())
def test_refused_preflight_403_has_a_short_plain_text_body_with_the_logged_reason(
    app: Flask, caplog: pytest.LogCaptureFixture, case: Refused
) -> None:
    caplog.set_level(logging.INFO, logger="flask_crossorigin")
    answer = send_refused(app, case)

    assert answer.status_code == 403
    assert answer.mimetype == "text/plain"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert cors_headers(answer) == {}
    body = answer.get_data(as_text=True)
    assert len(body) <= 300
    (line,) = records(caplog, logging.INFO)
    where = "no option decides it" if case.option is None else f"option {case.option}"
    for words in (case.rule, where):
        assert words in body, words
        assert words in line, words
    # The log has the value and the endpoint; a stranger's 403 has neither.
    assert repr(case.value) in line
    assert "'oxygen_data'" in line
    assert repr(case.value) not in body
    assert "oxygen" not in body


@pytest.mark.parametrize("case", REFUSED_PREFLIGHTS.values(), ids=REFUSED_PREFLIGHTS.keys())
def test_refused_preflight_403_body_names_endpoint_and_value_only_in_debug(
    app: Flask, case: Refused
) -> None:
    app.debug = True
    answer = send_refused(app, case)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert repr(case.value) in body
    assert "'oxygen_data'" in body


@pytest.mark.parametrize(
    "origin",
    ["https://" + "a" * 10_240 + ".com", "https://earth.com\r\nX-Injected: 1\x1b[2J\x00"],
    ids=["10 KB origin", "control characters"],
)
def test_refused_preflight_body_quotes_values_cut_short_and_without_control_characters(
    app: Flask, origin: str
) -> None:
    environ = {"HTTP_ORIGIN": origin, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}
    answer = app.test_client().options("/oxygen-data", environ_overrides=environ)

    assert answer.status_code == 403
    assert answer.mimetype == "text/plain"
    body = answer.get_data(as_text=True)
    assert len(body) <= 300
    assert "origins" in body
    assert "a" * 100 not in body
    assert not [ch for ch in body.rstrip("\n") if ord(ch) < 32 or ord(ch) == 127], body
