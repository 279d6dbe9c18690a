"""The browser model behind ``flask cors check``: the Fetch standard's rules, case by case.

The cases are those of CORS-FACTS.md sections 1.2-1.9 (WPT and Chromium 156 observations).
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers

from flask_crossorigin import _browser as browser

from .helpers import EARTH


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("get", "GET"),
        ("Post", "POST"),
        ("delete", "DELETE"),
        ("options", "OPTIONS"),
        ("put", "PUT"),
        ("head", "HEAD"),
        ("patch", "patch"),
        ("PATCH", "PATCH"),
        ("Foo", "Foo"),
    ],
)
def test_fetch_upper_cases_only_the_six_well_known_methods(typed: str, sent: str) -> None:
    assert browser.normalize_method(typed) == sent


SAFELISTED = [
    ("Accept", ""),
    ("Accept", "application/json, text/*;q=0.5"),
    ("Accept", "a" * 128),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("Content-Language", "de-DE"),
    ("Content-Type", "text/plain"),
    ("content-type", "Text/Plain;charset=utf-8"),
    ("Content-Type", "multipart/form-data; boundary=x"),
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Range", "bytes=0-"),
    ("Range", "bytes=10-20"),
    ("Range", "bytes=5-5"),
]
UNSAFE = [
    ("Accept", "a" * 129),
    ("Accept", "text/html(x)"),
    ("Accept-Language", "en@x"),
    ("Content-Language", "de_DE"),
    ("Content-Type", "application/json"),
    ("Content-Type", 'text/plain;charset="utf-8"'),
    ("Content-Type", "text /plain"),
    ("Content-Type", "text/plain,"),
    ("Content-Type", "text/plain\x0b"),
    ("Content-Type", ""),
    ("Range", "bytes=-5"),
    ("Range", "bytes=5-1"),
    ("Range", "bytes=0-1,3-4"),
    ("Range", "bytes = 0-"),
    ("Range", ""),
    ("X-Trace", "1"),
    ("X-Trace", ""),
    ("Authorization", "Bearer x"),
    ("DPR", "2"),
]


@pytest.mark.parametrize(("name", "value"), SAFELISTED)
def test_cors_safelisted_request_header(name: str, value: str) -> None:
    assert browser.why_not_safelisted(name, value) is None
    assert browser.unsafe_request_headers([(name, value)]) == {}


@pytest.mark.parametrize(("name", "value"), UNSAFE)
def test_cors_unsafe_request_header(name: str, value: str) -> None:
    assert browser.why_not_safelisted(name, value)
    assert list(browser.unsafe_request_headers([(name, value)])) == [name.lower()]


def test_safelisted_values_over_1024_bytes_in_total_all_become_unsafe() -> None:
    nine_accepts = [("Accept", "a" * 120)] * 9  # 1080 bytes, each value under 128
    eight_accepts = nine_accepts[:8]  # 960 bytes

    assert browser.unsafe_request_headers(eight_accepts) == {}
    unsafe = browser.unsafe_request_headers([*nine_accepts, ("Content-Type", "text/plain")])
    assert list(unsafe) == ["accept", "content-type"]
    assert "1090 bytes" in unsafe["accept"]


def test_request_headers_are_listed_lower_case_sorted_without_spaces() -> None:
    unsafe = browser.unsafe_request_headers(
        [("X-Foo", "1"), ("Content-Type", "application/json"), ("x-bar", "2"), ("X-FOO", "3")]
    )
    assert browser.access_control_request_headers(list(unsafe)) == "content-type,x-bar,x-foo"


@pytest.mark.parametrize("name", ["Cookie", "origin", "Sec-Fetch-Mode", "Proxy-Foo", "Host"])
def test_forbidden_request_headers(name: str) -> None:
    assert browser.is_forbidden_request_header(name)


def response(*headers: tuple[str, str]) -> Headers:
    return Headers(list(headers))


ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"

CORS_CHECK = [
    # headers, credentials, blocked message (None: passes)
    ([(ACAO, "*")], False, None),
    ([(ACAO, EARTH)], False, None),
    ([(ACAO, EARTH), (ACAC, "true")], True, None),
    ([], False, "No 'Access-Control-Allow-Origin' header is present"),
    ([(ACAO, "*"), (ACAC, "true")], True, "must not be the wildcard '*'"),
    ([(ACAO, EARTH + "/")], False, "that is not equal to the supplied origin"),
    ([(ACAO, "https://Earth.com")], False, "that is not equal to the supplied origin"),
    ([(ACAO, "")], False, "that is not equal to the supplied origin"),
    ([(ACAO, EARTH), (ACAO, EARTH)], False, "contains multiple values"),
    ([(ACAO, f"*, {EARTH}")], False, "contains multiple values"),
    ([(ACAO, EARTH)], True, "header in the response is '' which must be 'true'"),
    ([(ACAO, EARTH), (ACAC, "True")], True, "header in the response is 'True' which must be"),
]


@pytest.mark.parametrize(("headers", "credentials", "blocked"), CORS_CHECK)
def test_cors_check(headers: list[tuple[str, str]], credentials: bool, blocked: str | None) -> None:
    failed = browser.cors_check(response(*headers), EARTH, credentials)
    if blocked is None:
        assert failed is None
    else:
        assert failed is not None
        assert blocked in failed.message


OK = [(ACAO, EARTH), (ACAC, "true")]
PREFLIGHTS = [
    # status, extra headers, method, unsafe headers, credentials, blocked message, option
    (204, [("Access-Control-Allow-Methods", "PUT")], "PUT", [], False, None, None),
    (
        204,
        [],
        "POST",
        ["content-type"],
        False,
        "Request header field content-type",
        "allow_headers",
    ),
    (204, [("Access-Control-Allow-Methods", "get")], "GET", [], False, None, None),
    (
        204,
        [("Access-Control-Allow-Methods", "PATCH")],
        "patch",
        [],
        False,
        "Method patch",
        "methods",
    ),
    (204, [("Access-Control-Allow-Methods", "put")], "PUT", [], False, "Method PUT", "methods"),
    (204, [("Access-Control-Allow-Methods", "*")], "DELETE", [], False, None, None),
    (204, [("Access-Control-Allow-Methods", "*")], "DELETE", [], True, "Method DELETE", "methods"),
    (204, [("Access-Control-Allow-Headers", "X-FOO")], "GET", ["x-foo"], False, None, None),
    (204, [("Access-Control-Allow-Headers", "*")], "GET", ["x-foo"], False, None, None),
    (
        204,
        [("Access-Control-Allow-Headers", "*")],
        "GET",
        ["x-foo"],
        True,
        "x-foo",
        "allow_headers",
    ),
    # Chromium, Firefox and Safari all let '*' cover Authorization (CORS-FACTS 7.1), though
    # the Fetch standard does not: allowed, with a note (see the test below).
    (204, [("Access-Control-Allow-Headers", "*")], "GET", ["authorization"], False, None, None),
    (
        204,
        [("Access-Control-Allow-Headers", "*")],
        "GET",
        ["authorization"],
        True,
        "Request header field authorization is not allowed",
        "allow_headers",
    ),
    (
        204,
        [("Access-Control-Allow-Methods", "PUT, Bad value")],
        "PUT",
        [],
        False,
        "Cannot parse Access-Control-Allow-Methods",
        "methods",
    ),
    (204, [("Access-Control-Allow-Headers", "x-a,,x-b")], "GET", ["x-b"], False, None, None),
    (404, [], "GET", ["x-a"], False, "It does not have HTTP ok status.", None),
    (302, [("Location", "/x")], "PUT", [], False, "Redirect is not allowed", None),
]


@pytest.mark.parametrize(
    ("status", "extra", "method", "unsafe", "credentials", "blocked", "option"), PREFLIGHTS
)
def test_preflight_checks(
    status: int,
    extra: list[tuple[str, str]],
    method: str,
    unsafe: list[str],
    credentials: bool,
    blocked: str | None,
    option: str | None,
) -> None:
    failed = browser.check_preflight(
        status, response(*OK, *extra), EARTH, method, unsafe, credentials
    )
    if blocked is None:
        assert failed is None
    else:
        assert failed is not None
        assert blocked in failed.message
        assert failed.option == option


def test_star_covering_authorization_is_allowed_as_engines_do_with_a_note_of_the_standard() -> None:
    headers = response(*OK, ("Access-Control-Allow-Headers", "*"))
    note = browser.authorization_note(headers, ["authorization"])
    assert note is not None and "list Authorization by name" in note
    listed = response(*OK, ("Access-Control-Allow-Headers", "Authorization"))
    assert browser.authorization_note(listed, ["authorization"]) is None


def test_preflight_cors_check_failure_is_reported_as_a_preflight_failure() -> None:
    failed = browser.check_preflight(403, response(), EARTH, "PUT", [], False)

    assert failed is not None
    assert failed.message == (
        "Response to preflight request doesn't pass access control check: "
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )


EXPOSED = [
    # response headers, name, credentials, readable
    ([("Content-Type", "text/plain")], "Content-Type", True, True),
    ([("X-Trace", "1")], "X-Trace", False, False),
    ([("X-Trace", "1"), ("Access-Control-Expose-Headers", "x-trace")], "X-Trace", True, True),
    ([("X-Trace", "1"), ("Access-Control-Expose-Headers", "*")], "X-Trace", False, True),
    ([("X-Trace", "1"), ("Access-Control-Expose-Headers", "*")], "X-Trace", True, False),
    ([("Set-Cookie", "a=1"), ("Access-Control-Expose-Headers", "*")], "Set-Cookie", False, False),
    ([], "X-Trace", False, False),
]


@pytest.mark.parametrize(("headers", "name", "credentials", "readable"), EXPOSED)
def test_which_response_headers_js_can_read(
    headers: list[tuple[str, str]], name: str, credentials: bool, readable: bool
) -> None:
    why = browser.why_hidden(name, response(*headers), credentials)
    assert (why is None) == readable
