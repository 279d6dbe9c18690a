"""Invariants that hold for every request, checked by hypothesis over random and hostile ones.

One app per kind of policy, built with the real extension; requests go through Flask's
test client, with header values put into the WSGI environ as latin-1 strings (what a
real server hands over for raw bytes). Each policy has an *oracle* written here, apart
from the extension's own matching, that says which origins it may ever echo.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, abort
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from flask_crossorigin import CrossOrigin

from .helpers import EARTH

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

MARS = "http://mars.test:8443"
PREFLIGHT_VARY = {
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
}
LABELS = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")


def _subdomain_of_earth(origin: str) -> bool:
    if not origin.startswith("https://") or not origin.endswith(".earth.com"):
        return False
    return bool(LABELS.fullmatch(origin[len("https://") : -len(".earth.com")]))


def _venus_check(origin: str) -> bool:
    if "boom" in origin:
        raise RuntimeError("the origin service is down")
    return origin.endswith(".venus.test")


def _venus_oracle(origin: str) -> bool:
    return origin.endswith(".venus.test") and "boom" not in origin and origin.isascii()


MARS_REGEX = re.compile(r"http://[a-z0-9]+\.mars\.test(:[0-9]{1,5})?")


@dataclass(frozen=True)
class Kind:
    options: dict[str, Any]
    #: Which request origins the policy may ever echo (an independent oracle).
    allows: Callable[[str], bool]
    #: Origins it must allow, for the liveness property.
    examples: tuple[str, ...]

    @property
    def star(self) -> bool:
        return self.options.get("origins") == "*"

    @property
    def credentials(self) -> bool:
        return self.options.get("supports_credentials") is True


KINDS = {
    "star": Kind({"origins": "*"}, lambda o: True, (EARTH, "null", "http://[::1]:1")),
    "star-pna-headers": Kind(
        {
            "origins": "*",
            "allow_headers": ["X-Token", "Content-Type"],
            "allow_private_network": True,
            "max_age": 600,
        },
        lambda o: True,
        (EARTH,),
    ),
    "list": Kind(
        {"origins": [EARTH, MARS, "http://[::1]:5000"]},
        lambda o: o in {EARTH, MARS, "http://[::1]:5000"},
        (EARTH, MARS, "http://[::1]:5000"),
    ),
    "pattern": Kind(
        {"origins": "https://*.earth.com"},
        _subdomain_of_earth,
        ("https://api.earth.com", "https://a.b-c.earth.com"),
    ),
    "regex": Kind(
        {"origins": MARS_REGEX},
        lambda o: MARS_REGEX.fullmatch(o) is not None,
        ("http://x1.mars.test", "http://a.mars.test:80"),
    ),
    "callable": Kind(
        {"origins": _venus_check},
        _venus_oracle,
        ("https://www.venus.test", "http://a.b.venus.test"),
    ),
    "credentials": Kind(
        {
            "origins": [EARTH, "https://*.earth.com"],
            "supports_credentials": True,
            "expose_headers": ["X-Total"],
            "max_age": 60,
        },
        lambda o: o == EARTH or _subdomain_of_earth(o),
        (EARTH, "https://api.earth.com"),
    ),
}

ROUTE_METHODS = ("GET", "POST", "PUT", "DELETE")


def make_app(kind: Kind) -> Flask:
    app = Flask(f"props-{id(kind)}")
    CrossOrigin(app, resources=["/r", "/vary", "/boom", "/gone", "/s/"], **kind.options)

    @app.route("/r", methods=ROUTE_METHODS)
    def r() -> str:
        return "ok"

    @app.route("/vary")
    def vary() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"Vary": "Accept-Encoding, origin"}

    @app.route("/boom", methods=ROUTE_METHODS)
    def boom() -> str:
        raise RuntimeError("view failed")

    @app.route("/gone", methods=ROUTE_METHODS)
    def gone() -> str:
        abort(410)

    @app.route("/s/", methods=ROUTE_METHODS)
    def slash() -> str:
        return "ok"

    @app.route("/open")
    def uncovered() -> str:
        return "ok"

    app.logger.disabled = True  # the /boom tracebacks are expected
    return app


APPS = {name: make_app(kind) for name, kind in KINDS.items()}
COVERED = {"/r", "/vary", "/boom", "/gone", "/s/", "/s"}

latin1 = st.text(st.characters(max_codepoint=255), max_size=40)
token = st.text(
    st.sampled_from("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCXYZ"),
    min_size=1,
    max_size=12,
)
base_origins = st.sampled_from(
    sorted(
        {o for kind in KINDS.values() for o in kind.examples}
        | {"null", "https://evil.com", "https://boom.venus.test"}  # a raising origins callable
    )
)
MUTATIONS: tuple[Callable[[str], str], ...] = (
    lambda o: o,
    str.upper,
    lambda o: o + "/",
    lambda o: o + "/path?q#f",
    lambda o: o + ":443",
    lambda o: o + ".evil.com",
    lambda o: o.replace("://", "://evil"),
    lambda o: o.replace("://", "://user:pw@"),
    lambda o: o.replace("://", "://evil.com@"),
    lambda o: o + ".",
    lambda o: o + "\r\nSet-Cookie: a=b",
    lambda o: o + "\x00",
    lambda o: o + "\n",
    lambda o: o + ", https://evil.com",
    lambda o: o.replace(".", "X", 1),
    lambda o: o.replace("https", "http"),
    lambda o: o.replace("earth", "b\xc3\xbcrth"),
    lambda o: o.replace("://", "://boom."),
    lambda o: " " + o,
    lambda o: o * 2,
)
origins = st.one_of(
    st.none(),
    st.builds(lambda o, m: m(o), base_origins, st.sampled_from(MUTATIONS)),
    st.from_regex(r"(https?|ws)://([a-z0-9]{1,6}\.){0,3}[a-z]{1,6}(:[0-9]{1,5})?", fullmatch=True),
    latin1,
)
methods = st.one_of(
    st.sampled_from([*ROUTE_METHODS, "OPTIONS", "HEAD", "PATCH", "get", "put", "patch", "*"]),
    token,
    latin1,
)
header_lists = st.builds(
    lambda names, sep: sep.join(names),
    st.lists(
        st.one_of(
            st.sampled_from(["x-token", "content-type", "authorization", "X-Total", "*", ""]),
            token,
            latin1,
        ),
        max_size=6,
    ),
    st.sampled_from([",", ", ", " , ", ",,", "\t,"]),
)
paths = st.sampled_from(["/r", "/vary", "/boom", "/gone", "/s/", "/s", "/open", "/none"])
private_network = st.one_of(st.none(), st.sampled_from(["true", "TRUE", "false", "1"]), latin1)
requests = st.one_of(
    # Anything at all.
    st.fixed_dictionaries(
        {
            "path": paths,
            "method": st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]),
            "origin": origins,
            "acrm": st.one_of(st.none(), methods),
            "acrh": st.one_of(st.none(), header_lists),
            "acrpn": private_network,
        }
    ),
    # Preflights from origins that some policy allows, so that hostile header lists and
    # methods reach the code that builds an allowed answer.
    st.fixed_dictionaries(
        {
            "path": paths,
            "method": st.just("OPTIONS"),
            "origin": base_origins,
            "acrm": methods,
            "acrh": st.one_of(st.none(), header_lists),
            "acrpn": private_network,
        }
    ),
)


#: Enough indexes to reach every origin each policy must allow.
EXAMPLES = max(len(kind.examples) for kind in KINDS.values())
NAMES = ["x-token", "Content-Type", "authorization", "*", "x-total"]
#: A well-formed preflight, with the origin left to each policy: the index picks one of
#: the origins that policy must allow.
well_formed_preflights = st.fixed_dictionaries(
    {
        "path": st.sampled_from(["/r", "/s/", "/s", "/gone", "/boom"]),
        "method": st.just("OPTIONS"),
        "origin": st.integers(min_value=0, max_value=EXAMPLES - 1),
        "acrm": st.sampled_from([*ROUTE_METHODS, "get", "delete", "patch", "PATCH"]),
        "acrh": st.one_of(
            st.none(),
            st.builds(
                lambda items, sep: sep.join(items),
                st.lists(st.one_of(st.sampled_from(NAMES), token), max_size=5),
                st.sampled_from([",", ", ", " ,"]),
            ),
        ),
        "acrpn": st.sampled_from([None, None, "true"]),
    }
)


def send(app: Flask, req: dict[str, str | None]):  # type: ignore[no-untyped-def]
    environ = {
        key: value
        for key, value in (
            ("HTTP_ORIGIN", req["origin"]),
            ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", req["acrm"]),
            ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", req["acrh"]),
            ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", req["acrpn"]),
        )
        if value is not None
    }
    return app.test_client().open(req["path"], method=req["method"], environ_overrides=environ)


def items(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def check_invariants(kind: Kind, req: dict[str, str | None], response) -> None:  # type: ignore[no-untyped-def]
    origin = req["origin"]
    is_preflight = req["method"] == "OPTIONS" and origin is not None and req["acrm"] is not None
    headers = response.headers

    # Never a 500 from the extension: only the view that raises may answer 500.
    if response.status_code >= 500:
        assert req["path"] == "/boom" and not is_preflight, response.status_code

    for name, value in headers.items():
        assert not set(name + value) & {"\r", "\n", "\0"}, (name, value)

    acao = headers.getlist("Access-Control-Allow-Origin")
    assert len(acao) <= 1, acao
    if acao:
        if acao[0] == "*":
            assert kind.star and not kind.credentials
        else:
            assert acao[0] == origin, (acao, origin)
            assert kind.allows(acao[0]), acao

    cors = {name: value for name, value in headers.items() if name.startswith("Access-Control-")}
    if kind.credentials:
        for name, value in cors.items():
            assert "*" not in items(value), (name, value)
        if acao:
            assert headers.get("Access-Control-Allow-Credentials") == "true"
    if cors:
        assert acao, cors

    vary = [v.lower() for v in items(", ".join(headers.getlist("Vary")))]
    assert len(vary) == len(set(vary)), vary
    # /s only redirects to /s/ (for the methods /s/ serves); otherwise it is a plain 404.
    covered = req["path"] in COVERED and (req["path"] != "/s" or response.status_code == 308)
    if is_preflight and covered and response.status_code in (204, 403):
        assert set(vary) >= PREFLIGHT_VARY, vary
    elif covered and not kind.star:
        assert "origin" in vary, (vary, response.status_code)
    if response.status_code == 403 and is_preflight:
        assert not cors, cors
    if req["path"] not in COVERED:
        assert not cors and "origin" not in vary


# 200 generated pairs of requests, each pair sent to every kind of policy: hypothesis's
# generation costs more than the requests, so the policies share one run of it.
@pytest.mark.slow
@SETTINGS
@given(requests, well_formed_preflights)
def test_every_response_keeps_the_cors_invariants(
    req: dict[str, str | None], preflight: dict[str, Any]
) -> None:
    for name, kind in KINDS.items():
        note(f"the policy {name!r}: {kind.options}")
        check_invariants(kind, req, send(APPS[name], req))
        origin = kind.examples[preflight["origin"] % len(kind.examples)]
        allowed_preflight = {**preflight, "origin": origin}
        check_invariants(kind, allowed_preflight, send(APPS[name], allowed_preflight))


@pytest.mark.parametrize("name", KINDS)
def test_allowed_origins_are_answered(name: str) -> None:
    """The other side: a well-formed request from an allowed origin is never refused."""
    kind, app = KINDS[name], APPS[name]

    @SETTINGS
    @given(
        st.sampled_from(kind.examples),
        st.sampled_from(["/r", "/s/", "/gone"]),
        st.sampled_from(ROUTE_METHODS),
        st.sampled_from([None, "x-token", "content-type,x-token"]),
    )
    def run(origin: str, path: str, method: str, acrh: str | None) -> None:
        expected = "*" if kind.star and not kind.credentials else origin
        pre = {"path": path, "method": "OPTIONS", "origin": origin, "acrm": method}
        preflight = send(app, {**pre, "acrh": acrh, "acrpn": None})
        assert preflight.status_code == 204
        assert preflight.headers.get("Access-Control-Allow-Origin") == expected
        assert method in items(preflight.headers["Access-Control-Allow-Methods"])
        actual = send(app, {**pre, "method": method, "acrm": None, "acrh": None, "acrpn": None})
        assert actual.status_code == (410 if path == "/gone" else 200)
        assert actual.headers.get("Access-Control-Allow-Origin") == expected
        check_invariants(kind, {**pre, "method": method, "acrm": None}, actual)

    run()
