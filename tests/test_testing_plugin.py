"""``flask_crossorigin.testing`` and its pytest plugin, as a user's own suite uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from flask_crossorigin import CorsConfigError, CrossOrigin, cross_origin
from flask_crossorigin.testing import CorsTester, assert_cors_policy, fetch

from .helpers import EARTH

ROOT = Path(__file__).resolve().parent.parent

#: A user's test file: five lines, the documented API only, the plugin's `cors` fixture.
USER_TESTS = """\
def test_earth_posts_json(cors):
    cors.fetch("/oxygen-data", origin="https://earth.com", method="POST",
               headers={"Content-Type": "application/json"}).assert_allowed()
def test_earth_reads_the_rover_log_with_cookies(cors):
    cors.fetch("/rover-log", origin="https://earth.com", credentials="include").assert_allowed()
"""
USER_CONFTEST = """\
import pytest
from mars_api import app as mars

@pytest.fixture
def app():
    return mars
"""


def run_user_suite(pytester: pytest.Pytester, tests: str) -> pytest.RunResult:
    """Run ``tests`` as a user's suite beside examples/mars_api.py, in this process.

    The plugin comes in through its ``pytest11`` entry point, as in a user's own run.
    """
    pytester.syspathinsert(ROOT / "examples")
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_cors=tests)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


def test_a_users_five_line_test_file_passes_through_the_plugins_entry_point(
    pytester: pytest.Pytester,
) -> None:
    """Five lines and the ``cors`` fixture: the documented way to test a policy works."""
    assert len(USER_TESTS.splitlines()) == 5
    done = run_user_suite(pytester, USER_TESTS)
    done.assert_outcomes(passed=2)


def test_a_users_failing_cors_test_prints_the_check_transcript(pytester: pytest.Pytester) -> None:
    """A refused fetch fails the user's test with what a browser would do, and why."""
    done = run_user_suite(pytester, USER_TESTS.replace("https://earth.com", "https://venus.com", 1))
    done.assert_outcomes(passed=1, failed=1)
    done.stdout.fnmatch_lines(
        [
            "*a browser would block this fetch()*",
            "*origin is not allowed: 'https://venus.com' (option origins)*",
        ]
    )


@pytest.fixture
def app() -> Flask:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mars_api", ROOT / "examples" / "mars_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mars: Flask = module.app
    return mars


def test_cors_fixture_is_bound_to_the_app_fixture(cors: CorsTester, app: Flask) -> None:
    result = cors.fetch(
        "/oxygen-data", origin=EARTH, method="POST", headers={"Content-Type": "application/json"}
    )
    result.assert_allowed()
    assert result.preflighted
    assert [exchange.method for exchange in result.exchanges] == ["OPTIONS", "POST"]
    assert result.exchanges[0].response.status_code == 204


def test_fetch_result_names_the_refusal_and_the_engines_words(app: Flask) -> None:
    result = fetch(app, "/rover-log", origin="https://venus.com", credentials="include")

    assert not result.allowed and not result.preflighted
    assert result.refusal is not None and result.refusal.option == "origins"
    result.assert_blocked(reason="origin is not allowed")
    with pytest.raises(AssertionError, match="blocked, but not for 'methods'"):
        result.assert_blocked(reason="methods")
    with pytest.raises(AssertionError, match="a browser would block this fetch"):
        result.assert_allowed()
    firefox = fetch(app, "/rover-log", origin="https://venus.com", browser="firefox")
    assert firefox.console is not None
    assert (
        "(Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 missing)" in firefox.console
    )
    assert firefox.js_error == "TypeError: NetworkError when attempting to fetch resource."


def test_credentialed_fetch_sends_the_clients_cookies_but_never_on_a_preflight(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("session", "s3cret")
    result = fetch(client, "/rover-log", origin=EARTH, credentials="include", expose=["X-Rover"])

    result.assert_allowed()
    assert result.exchanges[-1].response.get_json()["session"] == "s3cret"
    same_origin = fetch(client, "/rover-log", origin=EARTH)
    assert same_origin.exchanges[-1].response.get_json()["session"] == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"headers": {"Cookie": "a=1"}}, "forbidden request header"),
        ({"method": "TRACE"}, "forbidden method"),
        ({"browser": "netscape"}, "give one of chromium, firefox, safari"),
        ({"credentials": "always"}, "give 'omit', 'same-origin' or 'include'"),
    ],
)
def test_a_fetch_no_page_could_make_is_a_usage_error(
    app: Flask, kwargs: dict[str, object], message: str
) -> None:
    from flask_crossorigin.testing import FetchUsageError

    with pytest.raises(FetchUsageError, match=message):
        fetch(app, "/rover-log", origin=EARTH, **kwargs)  # type: ignore[arg-type]


def test_assert_cors_policy_raises_with_every_broken_route_at_once() -> None:
    app = Flask(__name__)
    CrossOrigin(app)
    app.get("/a")(cross_origin(supports_credentials=True)(lambda: "a"))
    app.add_url_rule("/b", "b", cross_origin(supports_credentials=True)(lambda: "b"))

    with pytest.raises(CorsConfigError) as error:
        assert_cors_policy(app)
    assert len(error.value.problems) == 2
    assert "rule '/a'" in str(error.value) and "rule '/b'" in str(error.value)


def test_assert_cors_policy_passes_a_good_app_and_names_a_missing_extension(app: Flask) -> None:
    assert_cors_policy(app)
    with pytest.raises(LookupError, match=r"call CrossOrigin\(app\)"):
        assert_cors_policy(Flask("bare"))


def test_assert_cors_policy_names_cors_keys_set_after_init_app() -> None:
    app = Flask(__name__)
    CrossOrigin(app)
    app.config["CORS_ORIGINS"] = [EARTH]

    with pytest.raises(CorsConfigError, match="CORS_ORIGINS set after CrossOrigin"):
        assert_cors_policy(app)
