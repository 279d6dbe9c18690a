"""Validation: a bad configuration fails when it is written, with a message that says the fix."""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin

from .helpers import (
    EARTH,
    LOCALHOST,
    add_routes,
    bare_app,
    cors_headers,
    make_app,
    send_preflight,
)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"origins": "*", "supports_credentials": True}, "list the origins"),
        (
            {"origins": EARTH, "supports_credentials": True, "expose_headers": "*"},
            "expose_headers='*' with supports_credentials=True",
        ),
        ({"origins": "https://earth.com/"}, "has a path"),
        ({"origins": "https://earth.com/api"}, "has a path"),
        ({"origins": "https://earth.com?x=1"}, "has a query; an origin is scheme://host[:port]"),
        ({"origins": "https://earth.com#top"}, "has a fragment"),
        ({"origins": "https://user:pw@earth.com"}, "has user info"),
        ({"origins": "earth.com"}, "has no scheme; an origin is scheme://host[:port]"),
        ({"origins": "https://earth.com:99999"}, "invalid port"),
        ({"origins": r"https://.*\.earth\.com"}, "looks like a regular expression"),
        ({"origins": "^https://earth.com$"}, "pass re.compile("),
        ({"origins": "https://(api|www).earth.com"}, "looks like a regular expression"),
        ({"origins": "https://api*.earth.com"}, "only allowed as '*.' right after the scheme"),
        ({"origins": "https://earth.com, https://mars.com"}, "give several origins as a list"),
        ({"origins": 42}, "is not an origin"),
        ({"origins": "https://faß.de"}, "give the host in its punycode form"),
        ({"origins": [EARTH, 42]}, "is not an origin"),
        ({"origins": re.compile(rb"https://earth.com")}, "bytes pattern"),
        ({"methods": "GET POST"}, "is not an HTTP token"),
        ({"methods": ["GET", "CONNECT"]}, "'CONNECT' is a forbidden method"),
        ({"methods": "trace"}, "'TRACE' is a forbidden method"),
        ({"methods": "TRACK"}, "forbidden method"),
        ({"methods": "*"}, "list the methods"),
        ({"methods": []}, "names nothing"),
        ({"allow_headers": ["X-Ok", "Bad Header"]}, "'Bad Header' is not an HTTP token"),
        ({"allow_headers": ["*", "X-Ok"]}, "'*' must stand alone"),
        ({"allow_headers": 3}, "is not a name or a list of names"),
        ({"expose_headers": ["X:Trace"]}, "is not an HTTP token"),
        ({"expose_headers": "Set-Cookie"}, "browsers never expose"),
        ({"max_age": -1}, "max_age: -1 is negative"),
        ({"max_age": 1.5}, "max_age: 1.5 is not an integer"),
        ({"max_age": "600"}, "is not an integer"),
        ({"max_age": True}, "is not an integer"),
        ({"max_age": timedelta(seconds=1.5)}, "not a whole number of seconds"),
        ({"supports_credentials": "yes"}, "supports_credentials: 'yes' is not a bool"),
        ({"allow_private_network": 1}, "is not a bool"),
    ],
)
def test_invalid_option_raises_cors_config_error_naming_option_and_fix(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(CorsConfigError) as decorator_error:
        cross_origin(**options)
    assert message in str(decorator_error.value)
    with pytest.raises(CorsConfigError) as app_error:
        CrossOrigin(Flask(__name__), **options)
    assert message in str(app_error.value)


def test_cors_config_error_is_a_value_error() -> None:
    assert issubclass(CorsConfigError, ValueError)


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("support_credentials", "supports_credentials"), ("origin", "origins"), ("zzz", None)],
)
def test_unknown_option_is_a_type_error_listing_valid_names(
    name: str, suggestion: str | None
) -> None:
    with pytest.raises(TypeError) as error:
        cross_origin(**{name: True})  # type: ignore[arg-type]  # deliberately not an option
    text = str(error.value)
    assert f"unknown option {name!r}" in text
    assert "valid options: origins, methods, allow_headers, expose_headers" in text
    if suggestion:
        assert f"did you mean {suggestion!r}" in text


@pytest.mark.parametrize(
    "name",
    ["send_wildcard", "always_send", "vary_header", "automatic_options", "intercept_exceptions"],
)
def test_flask_cors_only_option_raises_with_what_to_do_instead(name: str) -> None:
    with pytest.raises(CorsConfigError, match=f"{name} is a flask-cors option: .*remove {name}"):
        CrossOrigin(Flask(__name__), **{name: True})  # type: ignore[arg-type]  # not an option


def test_resources_is_app_level_only() -> None:
    with pytest.raises(CorsConfigError, match="resources is an app-level option"):
        cross_origin(resources="/api/*")  # type: ignore[call-arg]  # app level only


@pytest.mark.parametrize(
    ("config", "error", "message"),
    [
        ({"CORS_ORIGINS": "earth.com"}, CorsConfigError, "has no scheme"),
        ({"CORS_SUPPORTS_CREDENTIALS": "yes"}, CorsConfigError, "is not a bool"),
        (
            {"CORS_SUPPORT_CREDENTIALS": True},
            TypeError,
            "unknown key 'CORS_SUPPORT_CREDENTIALS' (did you mean 'CORS_SUPPORTS_CREDENTIALS'?)",
        ),
        # flask-cors's README sets it, and flask-cors ignores it too.
        ({"CORS_HEADERS": "Content-Type"}, TypeError, "(did you mean 'CORS_ALLOW_HEADERS'?)"),
        ({"CORS_SEND_WILDCARD": False}, CorsConfigError, "CORS_SEND_WILDCARD is a flask-cors key"),
        ({"CORS_RESOURCES": 42}, CorsConfigError, "resources: 42 is not a pattern"),
        ({"CORS_RESOURCES": ["api/*"]}, CorsConfigError, "is not a path pattern"),
    ],
)
def test_invalid_config_key_fails_at_init_app(
    config: dict[str, object], error: type[Exception], message: str
) -> None:
    app = Flask(__name__)
    app.config.update(config)
    with pytest.raises(error, match=re.escape(message)):
        CrossOrigin(app)


def test_resources_entry_with_bad_options_fails_at_init_app() -> None:
    with pytest.raises(CorsConfigError, match=r"resources\['/api/\*'\].*origins='\*'"):
        CrossOrigin(
            Flask(__name__),
            resources={"/api/*": {"origins": "*", "supports_credentials": True}},
        )


def test_credentials_inherited_by_a_resources_entry_fail_naming_the_rule() -> None:
    app = Flask(__name__)
    app.get("/api/me")(lambda: "me")
    with pytest.raises(CorsConfigError, match=r"rule '/api/me'.*origins='\*'"):
        CrossOrigin(app, supports_credentials=True, resources="/api/*")


def test_credentials_inherited_into_a_star_policy_fail_at_init_app_naming_the_endpoint() -> None:
    app = Flask(__name__)

    @app.get("/account")
    @cross_origin(supports_credentials=True)
    def account() -> str:
        return "ok"

    with pytest.raises(CorsConfigError, match=r"endpoint 'account' .*origins='\*'"):
        CrossOrigin(app)


def test_bad_route_added_after_init_app_is_logged_at_first_request_and_raised_on_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app()

    @app.get("/account")
    @cross_origin(supports_credentials=True)
    def account() -> str:
        return "ok"

    app.config["PROPAGATE_EXCEPTIONS"] = True
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="flask_crossorigin"):
        assert client.get("/plain-or-anything").status_code == 404
    (logged,) = [r for r in caplog.records if r.name == "flask_crossorigin"]
    assert logged.levelno == logging.ERROR
    assert "endpoint 'account'" in logged.getMessage()
    assert "supports_credentials=True with origins='*'" in logged.getMessage()
    with pytest.raises(CorsConfigError, match="endpoint 'account'"):
        client.get("/account")


def test_max_age_above_chromium_cap_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        cross_origin(max_age=86400)
    assert "Chromium caps the preflight cache at 7200 s" in caplog.text


@pytest.mark.parametrize(
    ("value", "header"), [(0, "0"), (600, "600"), (timedelta(minutes=10), "600")]
)
def test_valid_max_age_is_sent_as_whole_seconds(value: int | timedelta, header: str) -> None:
    app = make_app()

    @app.put("/x")
    @cross_origin(max_age=value)
    def x() -> str:
        return "ok"

    response = app.test_client().options(
        "/x", headers={"Origin": EARTH, "Access-Control-Request-Method": "PUT"}
    )
    assert response.headers["Access-Control-Max-Age"] == header


def test_a_configuration_warning_is_logged_once_however_the_options_are_given(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        CrossOrigin(Flask(__name__), max_age=86400, resources="/api/*")
    warnings = [r for r in caplog.records if "caps the preflight cache" in r.getMessage()]
    assert len(warnings) == 1


def test_max_age_warning_names_each_engine_cap_it_exceeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        cross_origin(max_age=86401)
        cross_origin(max_age=7201)
    first, second = (r.getMessage() for r in caplog.records)
    for engine, cap in (("Firefox", 86400), ("Chromium", 7200), ("Safari", 600)):
        assert f"{engine} caps the preflight cache at {cap} s" in first
    assert "Firefox" not in second
    assert "Chromium caps the preflight cache at 7200 s" in second


def test_a_glob_in_allow_headers_is_an_error_not_a_literal_name() -> None:
    with pytest.raises(CorsConfigError, match="'X-Company-\\*' looks like a regular expression"):
        cross_origin(allow_headers=["Content-Type", "X-Company-*"])


def test_a_bad_config_value_names_the_cors_key_as_written() -> None:
    app = Flask(__name__)
    app.config["CORS_MAX_AGE"] = "600"
    with pytest.raises(CorsConfigError, match=r"app.config\['CORS_MAX_AGE'\]: max_age: '600'"):
        CrossOrigin(app)


# Suggested fixes, pasted back.

FLASK_CORS_LOCALHOST = r"http[s]?://(localhost|127\.0\.0\.1):*"


def _suggested_pattern(message: str) -> re.Pattern[str]:
    """The ``re.compile(...)`` a message suggests, evaluated as a user pasting it would."""
    found = re.search(r"re\.compile\((r?'[^']*')\)", message)
    assert found is not None, message
    pattern = ast.literal_eval(found[1])  # the user's paste: a Python string literal
    assert isinstance(pattern, str)
    return re.compile(pattern)


@pytest.mark.parametrize(
    ("written", "allowed", "refused"),
    [
        (
            FLASK_CORS_LOCALHOST,
            ["http://localhost:5173", "https://127.0.0.1:8443", "http://localhost"],
            ["http://localhost.evil.com", "http://127.0.0.1.evil.com:80", "http://evil.com"],
        ),
        (
            r"https?://localhost:.*",
            ["http://localhost:3000", "https://localhost"],
            ["http://localhost.evil.com"],
        ),
        (
            r"https://app\.earth\.com",
            ["https://app.earth.com", "https://app.earth.com:8443"],
            ["https://app.earth.com.evil.com"],
        ),
        (
            r"^https://.*\.earth\.com$",
            ["https://api.earth.com"],
            ["https://api.earth.com.evil.com", "https://api.earth.com:8443"],
        ),
        (
            r"http://localhost:\d+",
            ["http://localhost:5173"],
            ["http://localhost.evil.com:1", "http://localhost"],
        ),
    ],
)
def test_the_pattern_a_regex_string_error_suggests_works_when_pasted(
    written: str, allowed: list[str], refused: list[str]
) -> None:
    """The suggested ``re.compile(...)`` allows what was meant, not flask-cors's prefix match."""
    with pytest.raises(CorsConfigError) as error:
        cross_origin(origins=written)
    message = str(error.value)
    assert "re.match" in message
    assert "whole origin" in message
    app = make_app()
    pasted = _suggested_pattern(message)
    app.get("/x")(cross_origin(origins=pasted)(lambda: "ok"))
    client = app.test_client()
    for origin in allowed:
        response = client.get("/x", headers={"Origin": origin})
        assert response.headers.get("Access-Control-Allow-Origin") == origin, origin
    for origin in refused:
        response = client.get("/x", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers, origin


def test_the_flask_cors_localhost_pattern_stays_refused_with_what_pasting_changes() -> None:
    """flask-cors's README pattern is refused; the message says it matched only the start."""
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(Flask(__name__), origins=FLASK_CORS_LOCALHOST)
    message = str(error.value)
    assert r"re.compile(r'http[s]?://(localhost|127\.0\.0\.1)(:\d+)?')" in message
    assert "'http://localhost.evil.com'" in message
    assert r"(:\d+)?" in message


def assert_allowed_when_pasted(origin: str) -> None:
    """``origin``, pasted into ``cross_origin(origins=...)``, is the one allowed."""
    app = make_app()
    app.get("/x")(cross_origin(origins=origin)(lambda: "ok"))
    response = app.test_client().get("/x", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize(
    ("written", "what", "meant"),
    [
        ("https://app.example.com/?x=1", "has a path", "https://app.example.com"),
        ("https://app.example.com?x=1", "has a query", "https://app.example.com"),
        ("https://app.example.com/.*", "has a path", "https://app.example.com"),
        ("http://localhost:3000/#/home", "has a path", "http://localhost:3000"),
        ("http://[fe80::1]:8080/?a", "has a path", "http://[fe80::1]:8080"),
    ],
)
def test_a_url_with_a_query_is_suggested_its_origin_not_a_regex(
    written: str, what: str, meant: str
) -> None:
    """An address-bar URL's ``?`` or ``.*`` does not read as a regex; its origin, pasted, works."""
    with pytest.raises(CorsConfigError) as error:
        cross_origin(origins=written)
    message = str(error.value)
    assert what in message
    assert "re.compile" not in message
    suggested = re.search(r"e\.g\. '([^']+)'", message)
    assert suggested is not None and suggested[1] == meant, message
    assert_allowed_when_pasted(suggested[1])


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("http://[fe80::1%25eth0]:8080", "http://[fe80::1]:8080"),
        ("http://[fe80::1%eth0]", "http://[fe80::1]"),
        ("https://[FE80:0:0:0:0:0:0:1%25en0]:443", "https://[fe80::1]"),
    ],
)
def test_an_ipv6_origin_with_a_zone_is_told_browsers_never_send_one_and_given_the_fix(
    written: str, meant: str
) -> None:
    """A zone is never in a browser's Origin: the message says so and gives the address without."""
    with pytest.raises(CorsConfigError) as error:
        cross_origin(origins=written)
    message = str(error.value)
    assert "zone" in message and "never send" in message
    assert "re.compile" not in message and "character class" not in message
    suggested = re.search(r"without it: '([^']+)'", message)
    assert suggested is not None and suggested[1] == meant, message
    assert_allowed_when_pasted(suggested[1])


# Names.


def test_every_unknown_option_of_one_call_is_in_one_type_error_each_with_its_suggestion() -> None:
    """Three misspelt names are reported together, each with its did-you-mean, and valid names."""
    with pytest.raises(TypeError) as error:
        cross_origin(  # type: ignore[call-arg]
            origin=EARTH, support_credentials=True, allowed_headers=["X-A"]
        )
    message = str(error.value)
    for written, meant in (
        ("origin", "origins"),
        ("support_credentials", "supports_credentials"),
        ("allowed_headers", "allow_headers"),
    ):
        assert f"'{written}' (did you mean '{meant}'?)" in message
    assert "valid options: origins, methods" in message


def test_unknown_config_keys_are_reported_together_as_written() -> None:
    """Two unknown ``CORS_*`` keys are both named as keys, with the ``CORS_*`` key to use."""
    app = Flask(__name__)
    app.config.update(CORS_HEADERS="Content-Type", CORS_ORIGIN=EARTH)
    with pytest.raises(TypeError) as error:
        CrossOrigin(app)
    message = str(error.value)
    assert "'CORS_HEADERS' (did you mean 'CORS_ALLOW_HEADERS'?)" in message
    assert "'CORS_ORIGIN' (did you mean 'CORS_ORIGINS'?)" in message


def test_an_unknown_name_beside_a_flask_cors_one_reports_both() -> None:
    """A misspelt name and a removed flask-cors option in one call are both in the error."""
    with pytest.raises(TypeError) as error:
        cross_origin(origin=EARTH, always_send=True)  # type: ignore[call-arg]
    message = str(error.value)
    assert "'origin' (did you mean 'origins'?)" in message
    assert "always_send is a flask-cors option" in message


@pytest.mark.parametrize(
    ("key", "option"),
    [
        ("CORS_ALWAYS_SEND", "always_send"),
        ("CORS_SEND_WILDCARD", "send_wildcard"),
        ("CORS_VARY_HEADER", "vary_header"),
        ("CORS_AUTOMATIC_OPTIONS", "automatic_options"),
        ("CORS_INTERCEPT_EXCEPTIONS", "intercept_exceptions"),
    ],
)
def test_a_removed_flask_cors_config_key_is_named_as_the_key_written(key: str, option: str) -> None:
    """``CORS_ALWAYS_SEND`` is named, and to be removed, as ``CORS_ALWAYS_SEND``."""
    app = Flask(__name__)
    app.config[key] = True
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(app)
    message = str(error.value)
    assert f"{key} is a flask-cors key" in message
    assert f"remove {key}" in message
    assert f" {option} " not in message


REGEX_RESOURCES = [
    r"/api/.*",
    r"^/api/",
    r"/api/items$",
    r"/api/\d+",
    r"/api/(v1|v2)/*",
    r"/api/[a-z]+",
    r"/api/items?",
    r"/api/v1+",
]


RESOURCES_SHAPES = {
    "a string": lambda pattern: pattern,
    "a list": lambda pattern: ["/health", pattern],
    "a dict key": lambda pattern: {pattern: {"origins": [LOCALHOST]}},
}


@pytest.mark.parametrize("shape", RESOURCES_SHAPES.values(), ids=RESOURCES_SHAPES.keys())
@pytest.mark.parametrize("pattern", REGEX_RESOURCES)
def test_resources_that_look_like_a_regular_expression_are_an_error_naming_re_compile(
    pattern: str, shape: Callable[[str], object]
) -> None:
    app = bare_app()
    add_routes(app)  # routes known at init_app: the mistake is seen at start-up
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(app, origins=[LOCALHOST], resources=shape(pattern))  # type: ignore[arg-type]  # deliberately the wrong type

    message = str(error.value)
    assert "resources" in message
    assert repr(pattern) in message
    assert f"re.compile({pattern!r})" in message
    assert f"re.compile(re.escape({pattern!r}))" in message


def test_resources_key_that_looks_like_a_regular_expression_is_an_error_too() -> None:
    app = bare_app()
    add_routes(app)
    app.config["CORS_RESOURCES"] = r"/api/.*"
    with pytest.raises(CorsConfigError, match=r"re\.compile"):
        CrossOrigin(app, origins=[LOCALHOST])


def test_resources_regex_suggests_the_glob_and_the_glob_pasted_works() -> None:
    app = bare_app()
    add_routes(app)
    with pytest.raises(CorsConfigError) as error:
        CrossOrigin(app, origins=[LOCALHOST], resources=r"/api/.*")
    assert "'/api/*'" in str(error.value)

    app = bare_app()
    app.add_url_rule("/api/items", "api_items", lambda: "items", methods=["GET", "POST"])
    add_routes(app)
    CrossOrigin(app, origins=[LOCALHOST], resources="/api/*")
    assert send_preflight(app, "/api/items", LOCALHOST).status_code == 204
    assert cors_headers(send_preflight(app, "/items", LOCALHOST)) == {}


@pytest.mark.parametrize(
    "written",
    [r"X-COMPANY-.*", r"^X-Trace$", r"X-Company-[A-Za-z]+", r"X-(Request|Trace)-Id"],
)
def test_allow_headers_that_look_like_a_regex_are_an_error_naming_the_value_and_the_fix(
    written: str,
) -> None:
    """``allow_headers`` takes header names only: a regex is refused; the fix is names or '*'."""
    with pytest.raises(CorsConfigError) as error:
        cross_origin(origins=LOCALHOST, allow_headers=[written])
    message = str(error.value)
    assert f"allow_headers: {written!r} looks like a regular expression" in message
    assert "allow_headers='*'" in message
    assert "re.compile" not in message


def test_compiled_allow_headers_are_an_error_naming_the_option() -> None:
    """A compiled pattern is not a header name (API: "a list of header names"), so it is refused."""
    with pytest.raises(CorsConfigError) as error:
        cross_origin(
            origins=LOCALHOST,
            allow_headers=[re.compile(r"x-company-[a-z]+"), "Content-Type"],  # type: ignore[list-item]  # deliberately not a name
        )
    assert "allow_headers: 'x-company-[a-z]+'" in str(error.value)


QUOTED_ORIGIN = re.compile(r"'([a-zA-Z][a-zA-Z0-9+.\-]*://[^']*)'")


@pytest.mark.parametrize(
    ("written", "fix"),
    [
        ("http://localhost:3000/", "http://localhost:3000"),
        ("http://localhost:3000/api", "http://localhost:3000"),
        ("https://earth.com/", "https://earth.com"),
        ("HTTPS://Earth.com:8443/app/", "https://earth.com:8443"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
        ("http://[::1]:3000/", "http://[::1]:3000"),
        ("https://user:pw@earth.com", "https://earth.com"),
        ("https://earth.com:8443#top", "https://earth.com:8443"),
        ("https://earth.com/api/", "https://earth.com"),
        ("https://user:pw@Earth.com:8443/x", "https://earth.com:8443"),
        ("earth.com", "https://earth.com"),
        ("earth.com/api", "https://earth.com"),
        ("localhost:5173", "http://localhost:5173"),
        ("https://earth.com#top", "https://earth.com"),
    ],
)
def test_suggested_origin_is_exactly_the_one_to_paste(written: str, fix: str) -> None:
    with pytest.raises(CorsConfigError) as error:
        cross_origin(origins=[written])

    message = str(error.value)
    assert repr(fix) in message
    assert set(QUOTED_ORIGIN.findall(message)) <= {written, fix}, message
    app = bare_app()
    app.add_url_rule("/items", "items", cross_origin(origins=[fix])(lambda: "ok"), methods=["PUT"])
    CrossOrigin(app)
    pasted = send_preflight(app, "/items", origin=fix, method="PUT")
    assert pasted.status_code == 204
    assert pasted.headers["Access-Control-Allow-Origin"] == fix


def _two_bad_routes() -> None:
    app = bare_app()
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    app.add_url_rule("/items", "items", cross_origin()(lambda: "items"))
    app.add_url_rule("/users", "users", cross_origin()(lambda: "users"))
    CrossOrigin(app)


def _config_and_keywords() -> None:
    app = bare_app()
    app.config.update(CORS_MAX_AGE="600", CORS_EXPOSE_HEADERS=["Set-Cookie"])
    CrossOrigin(app, origins="localhost:3000")


ALL_AT_ONCE = {
    "four problems in one CrossOrigin call": (
        lambda: CrossOrigin(
            bare_app(),
            origins="https://earth.com/",
            max_age=-1,
            methods="TRACE",
            resources=["api/*"],
        ),
        4,
        [
            ("origins", "has a path"),
            ("max_age", "max_age: -1 is negative"),
            ("methods", "forbidden method"),
            ("resources", "is not a path pattern"),
        ],
    ),
    "CrossOrigin keywords": (
        lambda: CrossOrigin(
            bare_app(), origins=["http://localhost:3000/"], methods=["GET", "CONNECT"], max_age=-1
        ),
        3,
        [
            ("origins", "'http://localhost:3000/'"),
            ("origins", "'http://localhost:3000'"),
            ("methods", "'CONNECT'"),
            ("max_age", "-1"),
        ],
    ),
    "cross_origin keywords": (
        lambda: cross_origin(
            origins="earth.com",
            allow_headers=["Bad Header"],
            supports_credentials="yes",  # type: ignore[arg-type]  # deliberately the wrong type
        ),
        3,
        [
            ("origins", "'earth.com'"),
            ("allow_headers", "'Bad Header'"),
            ("supports_credentials", "'yes'"),
        ],
    ),
    "CORS_* keys and keywords": (
        _config_and_keywords,
        3,
        [("max_age", "'600'"), ("expose_headers", "Set-Cookie"), ("origins", "'localhost:3000'")],
    ),
    "two routes": (
        _two_bad_routes,
        2,
        [("'items'", "origins='*'"), ("'users'", "origins='*'")],
    ),
}


@pytest.mark.parametrize(
    ("configure", "count", "expected"), ALL_AT_ONCE.values(), ids=ALL_AT_ONCE.keys()
)
def test_every_configuration_error_is_reported_at_once_with_its_option_and_value(
    configure: Callable[[], object], count: int, expected: list[tuple[str, str]]
) -> None:
    """One error lists every problem of the call, each naming its option and value."""
    with pytest.raises(CorsConfigError) as error:
        configure()

    assert len(error.value.problems) == count
    message = str(error.value)
    assert message.startswith(f"{count} CORS configuration errors:")
    for option, value in expected:
        assert option in message.lower() or option in message, option
        assert value in message, value
