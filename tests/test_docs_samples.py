"""The documentation's code samples run and say what the pages say.

Samples live in ``docs/samples/`` and ``examples/`` and are shown with ``literalinclude``;
``>>>`` blocks in the pages are run as doctests. Command transcripts are compared with
what the command prints now: ``DOCS_REGENERATE=1 python -m pytest tests/test_docs_samples.py``
rewrites them after a deliberate change of output.
"""

from __future__ import annotations

import doctest
import importlib.util
import logging
import os
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask

import flask_crossorigin
import flask_crossorigin.testing
from flask_crossorigin import (
    AppOptions,
    CorsConfigError,
    CorsOptions,
    CrossOrigin,
    cors_refused,
    socketio_origins,
)

from .background import Finished
from .helpers import EARTH, records
from .servers import require_varnishd

# The module that defines the typed options, whatever the package names it.
options_module = sys.modules[CorsOptions.__module__]

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SAMPLES = DOCS / "samples"


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_sample_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample(name: str) -> ModuleType:
    return load(SAMPLES / f"{name}.py")


def preflight(app: Flask, path: str, origin: str = EARTH, method: str = "GET", **extra: str) -> Any:
    headers = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    return app.test_client().options(path, headers=headers)


def get(app: Flask, path: str, origin: str = EARTH) -> Any:
    return app.test_client().get(path, headers={"Origin": origin})


def run_doctests(page: str, globs: dict[str, Any]) -> None:
    result = doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        globs=globs,
        optionflags=doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.attempted > 0, f"no doctest found in {page}"
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {page} (output above)"


# Quick start


def test_quickstart_page_doctests_pass() -> None:
    run_doctests("quickstart.rst", {"app": sample("quickstart").app})


def test_quickstart_preflight_is_answered_as_the_page_draws_it() -> None:
    response = preflight(
        sample("quickstart").app,
        "/oxygen-data",
        method="POST",
        **{"Access-Control-Request-Headers": "content-type"},
    )
    assert response.status_code == 204
    assert {k: v for k, v in response.headers.items() if k != "Content-Length"} == {
        "Access-Control-Allow-Origin": EARTH,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
        "Access-Control-Request-Private-Network",
    }


def test_refusal_line_on_the_troubleshooting_page_is_the_one_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = sample("quickstart").app
    with caplog.at_level(logging.INFO, logger="flask_crossorigin"):
        refused = preflight(app, "/oxygen-data", origin="https://evil.com", method="POST")
    assert refused.status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.name == "flask_crossorigin"]
    assert lines == [
        "CORS preflight refused for endpoint 'oxygen_data': origin is not allowed: "
        "'https://evil.com' (option origins)"
    ]
    assert lines[0] in (DOCS / "troubleshooting.rst").read_text()


def test_the_two_logging_lines_show_info_on_the_terminal() -> None:
    code = (SAMPLES / "refusal_log.py").read_text() + textwrap.dedent(
        """
        logging.getLogger("flask_crossorigin").info("shown")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "INFO:flask_crossorigin:shown" in done.stderr


# Configuration


def test_config_keys_sample_opens_api_routes_only() -> None:
    app = sample("config_keys").app
    rovers = get(app, "/api/rovers")
    assert rovers.headers["Access-Control-Allow-Origin"] == EARTH
    assert rovers.headers["Access-Control-Expose-Headers"] == "X-Total-Count"
    assert preflight(app, "/api/rovers").headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Origin" not in get(app, "/health").headers


def test_precedence_sample_gives_each_route_the_options_the_page_says() -> None:
    app = sample("precedence").app
    reactor = preflight(app, "/ops/reactor", origin="https://ops.earth.com")
    assert reactor.headers["Access-Control-Allow-Origin"] == "https://ops.earth.com"
    assert reactor.headers["Access-Control-Allow-Credentials"] == "true"
    assert reactor.headers["Access-Control-Max-Age"] == "60"
    assert preflight(app, "/ops/reactor").status_code == 403
    status = get(app, "/ops/status", origin="https://anyone.example")
    assert status.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in status.headers
    planets = preflight(app, "/api/planets")
    assert planets.headers["Access-Control-Allow-Origin"] == EARTH
    assert planets.headers["Access-Control-Max-Age"] == "600"


# Which routes are covered


def test_app_level_origins_cover_every_route() -> None:
    app = sample("app_wide").app
    for path in ("/planets", "/moons"):
        assert get(app, path).headers.get("Access-Control-Allow-Origin") == EARTH
        assert get(app, path, "https://evil.com").headers.get("Access-Control-Allow-Origin") is None


def test_no_route_with_a_policy_is_a_warning_at_the_first_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Flask("closed")
    app.get("/")(lambda: "hello")
    CrossOrigin(app)
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        app.test_client().get("/")
    (warning,) = records(caplog, logging.WARNING)
    assert "no route has a CORS policy" in warning, warning


# Validation


def test_configuration_page_validation_doctests_pass() -> None:
    run_doctests("configuration.rst", {})


def test_every_configuration_error_is_reported_together() -> None:
    with pytest.raises(CorsConfigError) as raised:
        CrossOrigin(Flask("bad"), origins=["https://earth.com/", "earth.com"], max_age=-5)
    message = str(raised.value)
    assert "'https://earth.com/'" in message
    assert "'earth.com'" in message
    assert "max_age" in message


# Logging and signals


def test_signal_sample_counts_refusals() -> None:
    module = sample("signal_handler")
    response = preflight(module.app, "/oxygen-data", origin="https://venus.com", method="POST")
    assert response.status_code == 403
    assert module.refused == {("preflight", "origins"): 1}


def test_signal_sample_memory_stays_bounded_whatever_origins_clients_send() -> None:
    module = sample("signal_handler")
    module.refused.clear()
    for i in range(300):
        origin = f"https://{'v' * 1000}{i}.com"
        preflight(module.app, "/oxygen-data", origin=origin, method="POST")
    assert module.refused == {("preflight", "origins"): 300}


def test_refusal_lines_reach_the_console_in_debug_mode() -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(SAMPLES)!r})
        from quickstart import app
        app.debug = True
        app.test_client().options("/oxygen-data", headers={{
            "Origin": "https://evil.com", "Access-Control-Request-Method": "POST"}})
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "origin is not allowed: 'https://evil.com'" in done.stderr


# Command line


def flask_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``flask ARGS`` as a user runs it, on this checkout's package."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


TRANSCRIPTS = {
    "cli_routes.txt": (["cors", "routes"], 0),
    "cli_check_venus.txt": (
        [
            "cors",
            "check",
            "/oxygen-data",
            "--origin",
            "https://venus.com",
            "--method",
            "POST",
            "--header",
            "Content-Type: application/json",
        ],
        1,
    ),
    "cli_check_rover.txt": (
        [
            "cors",
            "check",
            "/rovers/1",
            "--origin",
            "https://api.earth.com",
            "--credentials",
            "--expose",
            "X-Battery",
        ],
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(TRANSCRIPTS))
def test_cli_transcripts_on_the_testing_page_are_what_the_command_prints(name: str) -> None:
    args, status = TRANSCRIPTS[name]
    done = flask_command("--app", "examples/cli_demo.py", *args)
    assert done.returncode == status, done.stderr
    path = SAMPLES / name
    if os.environ.get("DOCS_REGENERATE") == "1":
        path.write_text(done.stdout)
    shown = " ".join(
        ["$ flask --app examples/cli_demo.py", *(f'"{a}"' if " " in a else a for a in args)]
    )
    assert f":prepend: {shown}\n" in (DOCS / "testing.rst").read_text()
    assert done.stdout == path.read_text(), "rerun with DOCS_REGENERATE=1 if the change is right"


def test_flask_cors_on_an_app_without_the_extension_says_so(tmp_path: Path) -> None:
    (tmp_path / "bare.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    done = flask_command("--app", str(tmp_path / "bare.py"), "cors", "routes")
    assert done.returncode == 1
    assert "CrossOrigin(app)" in done.stdout + done.stderr


# Testing your CORS policy


def test_users_test_module_on_the_testing_page_passes(pytester: pytest.Pytester) -> None:
    """The testing page's conftest and test module, beside its quickstart app, pass as a
    user's suite (in this process, the plugin through its entry point)."""
    pytester.syspathinsert()
    (pytester.path / "quickstart.py").write_text((SAMPLES / "quickstart.py").read_text())
    pytester.makeconftest((SAMPLES / "user_conftest.py").read_text())
    pytester.makepyfile(test_cors=(SAMPLES / "test_user_cors.py").read_text())
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)


# Migrating and deployment


def test_migrated_sample_keeps_the_flask_cors_meaning() -> None:
    app = sample("migrated").app
    rovers = get(app, "/api/rovers")
    assert rovers.headers["Access-Control-Allow-Origin"] == EARTH
    assert rovers.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in get(app, "/admin").headers


def test_shared_cache_vcl_on_the_deployment_page_compiles(tmp_path: Path) -> None:
    varnishd = require_varnishd()
    done = subprocess.run(
        # -j none: no privilege-dropping jail, which could not read a root-only directory.
        [
            varnishd,
            "-C",
            "-j",
            "none",
            "-f",
            str(SAMPLES / "shared_cache.vcl"),
            "-n",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]


# Cross-origin writes

VENUS = "https://venus.com"


def write(
    app: Flask,
    path: str,
    origin: str | None,
    site: str | None = "cross-site",
    base_url: str = "http://mars.com",
    **extra: str,
) -> Any:
    """A form POST to ``base_url`` + ``path`` with the headers a browser sends (CORS-FACTS
    section 8), ``Origin`` or ``Sec-Fetch-Site`` left out when None."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", **extra}
    if origin is not None:
        headers["Origin"] = origin
    if site is not None:
        headers["Sec-Fetch-Site"] = site
    return app.test_client().post(path, data="note=1", headers=headers, base_url=base_url)


def allow_headers(response: Any) -> list[str]:
    return [name for name, _ in response.headers.items() if name.startswith("Access-Control-")]


def test_writes_sample_refuses_a_form_post_from_another_origin_before_the_view() -> None:
    module = sample("writes_gate")
    response = write(module.app, "/oxygen-data", VENUS)
    assert response.status_code == 403
    assert allow_headers(response) == []
    assert module.readings == []


def test_writes_sample_runs_the_view_for_the_policys_origin() -> None:
    module = sample("writes_gate")
    response = write(module.app, "/oxygen-data", EARTH)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EARTH
    assert module.readings == ["note=1"]


@pytest.mark.parametrize(
    ("origin", "site", "status"),
    [
        (EARTH, "cross-site", 403),
        ("https://www.mars.com", "same-site", 403),
        ("http://mars.com", "same-origin", 200),
        ("http://mars.com", None, 200),
        (None, None, 200),
    ],
    ids=["other-site", "same-site", "same-origin", "own-origin-header", "curl"],
)
def test_writes_sample_protects_a_route_without_a_policy(
    origin: str | None, site: str | None, status: int
) -> None:
    """protect_all_routes=True: only the app's own pages and non-browser clients post there."""
    assert write(sample("writes_gate").app, "/settings", origin, site).status_code == status


def test_writes_page_shows_what_the_commands_say_of_the_gate() -> None:
    """``flask cors routes`` shows each route's gate; ``check`` acts out a refused form POST."""
    sample_app = str(SAMPLES / "writes_gate.py")
    routes = flask_command("--app", sample_app, "cors", "routes")
    assert routes.returncode == 0, routes.stderr
    gates = {line.split()[0]: line.split()[-1] for line in routes.stdout.splitlines()[2:]}
    assert gates["/oxygen-data"] == "on"
    assert gates["/settings"] == "on"
    assert gates["/auth/callback"] == "exempt"
    args = ["/oxygen-data", "--origin", VENUS, "--method", "POST"]
    checked = flask_command(
        "--app", sample_app, "cors", "check", *args, "--header", "Content-Type: text/plain"
    )
    assert checked.returncode == 1, checked.stderr
    page = (DOCS / "writes.rst").read_text()
    for line in ("< 403 FORBIDDEN", "refused by the server before the view (status 403)"):
        assert line in checked.stdout
        assert line in page
    assert "Write gate" in routes.stdout.splitlines()[0]


@pytest.mark.parametrize("origin", ["https://idp.example", "null"])
def test_writes_sample_lets_the_identity_provider_post_its_callback(origin: str) -> None:
    """An exempt route takes cross-origin writes, and still opens no cross-origin read."""
    response = write(sample("writes_gate").app, "/auth/callback", origin)
    assert response.status_code == 200
    assert allow_headers(response) == []


@pytest.mark.parametrize(
    ("name", "suffix"), [("writes_gate", ""), ("writes_report", " [report only: served]")]
)
def test_write_refusal_line_on_the_writes_page_is_the_one_logged(
    caplog: pytest.LogCaptureFixture, name: str, suffix: str
) -> None:
    with caplog.at_level(logging.INFO, logger="flask_crossorigin"):
        write(sample(name).app, "/oxygen-data", VENUS)
    line = (
        "CORS POST write refused for endpoint 'oxygen_data': origin is not allowed: "
        "'https://venus.com' (option origins)"
    )
    assert [r.getMessage() for r in caplog.records if r.name == "flask_crossorigin"] == [
        line + suffix
    ]
    page = (DOCS / "writes.rst").read_text()
    assert line in page
    assert suffix.strip() in page


def test_report_mode_sample_counts_the_write_it_would_refuse_and_serves_it() -> None:
    module = sample("writes_report")
    assert write(module.app, "/oxygen-data", VENUS).status_code == 200
    assert write(module.app, "/oxygen-data", EARTH).status_code == 200
    assert module.would_refuse == {("origins", VENUS): 1}


@pytest.mark.parametrize(
    ("forwarded_proto", "status"), [("https", 200), (None, 403)], ids=["proxyfix", "no-proto"]
)
def test_proxy_sample_sees_its_own_pages_as_same_origin_only_through_proxyfix(
    caplog: pytest.LogCaptureFixture, forwarded_proto: str | None, status: int
) -> None:
    """Without Fetch metadata (Chromium's WebSocket handshakes), the Origin fallback decides:
    behind a TLS proxy the app's own https page looks cross-origin unless ProxyFix says https,
    and the log says which line to paste."""
    headers = {"X-Forwarded-Host": "chat.example.com"}
    if forwarded_proto is not None:
        headers["X-Forwarded-Proto"] = forwarded_proto
    app = sample("writes_proxy").app
    with caplog.at_level(logging.WARNING, logger="flask_crossorigin"):
        response = write(
            app,
            "/messages",
            "https://chat.example.com",
            None,
            base_url="http://10.0.0.5",
            **headers,
        )
    assert response.status_code == status
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if status == 403:
        (warning,) = warnings
        assert "ProxyFix(app.wsgi_app, x_proto=1, x_host=1)" in warning
    else:
        assert warnings == []


@pytest.mark.skipif(
    tuple(int(part) for part in version("flask").split(".")[:2]) < (3, 1),
    reason="TRUSTED_HOSTS is new in Flask 3.1",
)
def test_proxy_sample_answers_a_dns_rebound_name_with_400() -> None:
    """A rebound page is same-origin with itself, so only the Host check stops it."""
    response = write(
        sample("writes_proxy").app,
        "/messages",
        "http://attacker.example",
        "same-origin",
        base_url="http://attacker.example",
    )
    assert response.status_code == 400


HANDSHAKE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}


def test_sockets_sample_refuses_a_flask_sock_handshake_from_another_origin() -> None:
    app = sample("writes_sockets").app
    response = app.test_client().get("/echo", headers={**HANDSHAKE, "Origin": VENUS})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [(EARTH, True), ("http://localhost", True), (VENUS, False), ("null", False)],
)
def test_sockets_sample_gives_socketio_the_policys_origins_and_its_own(
    origin: str, allowed: bool
) -> None:
    from werkzeug.test import EnvironBuilder

    module = sample("writes_sockets")
    refused: list[Any] = []
    environ = EnvironBuilder("/socket.io/", headers=[("Origin", origin)]).get_environ()
    with cors_refused.connected_to(lambda sender, **sent: refused.append(sent), module.app):
        assert socketio_origins(module.app)(origin, environ) is allowed
    assert len(refused) == (0 if allowed else 1)


def wtf_client(strict: bool) -> tuple[Any, str]:
    """A client of the Flask-WTF sample over https, holding a session, and its token."""
    app = sample("writes_flask_wtf").app
    app.config["WTF_CSRF_SSL_STRICT"] = strict
    client = app.test_client()
    fetched = client.get(
        "/csrf-token",
        base_url="https://api.mars.com",
        headers={"Origin": EARTH, "Sec-Fetch-Site": "cross-site"},
    )
    return client, fetched.get_json()["token"]


def wtf_post(client_and_token: tuple[Any, str], origin: str) -> Any:
    """A page on ``origin`` posts with the token (in ``X-CSRFToken``) and the session cookie."""
    client, token = client_and_token
    headers = {
        "Origin": origin,
        "Referer": origin + "/",
        "Sec-Fetch-Site": "cross-site",
        "X-CSRFToken": token,
    }
    return client.post(
        "/oxygen-data", data="note=1", headers=headers, base_url="https://api.mars.com"
    )


def test_flask_wtf_sample_takes_the_allowed_origins_token_post() -> None:
    """The gate checks the origin (and the session cookie, supports_credentials), Flask-WTF the
    token."""
    response = wtf_post(wtf_client(strict=False), EARTH)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_flask_wtf_strict_referer_check_refuses_the_origin_the_policy_allows() -> None:
    """WTF_CSRF_SSL_STRICT (its default) refuses every cross-origin HTTPS write."""
    response = wtf_post(wtf_client(strict=True), EARTH)
    assert response.status_code == 400
    assert "The referrer does not match the host." in response.get_data(as_text=True)


def test_flask_wtf_sample_refuses_another_origin_in_the_gate_even_with_a_token() -> None:
    response = wtf_post(wtf_client(strict=False), VENUS)
    assert response.status_code == 403


def test_flask_wtf_sample_exempts_the_callback_from_both_checks() -> None:
    client, _token = wtf_client(strict=False)
    response = client.post(
        "/auth/callback",
        data="id_token=x",
        headers={"Origin": "https://idp.example", "Sec-Fetch-Site": "cross-site"},
        base_url="https://api.mars.com",
    )
    assert response.status_code == 200


# The two commands


README_COMMANDS = [
    "python -m pip install -e . && python examples/earth_mars.py",
    'python -m pip install -e ".[test]" && python -m pytest',
]


@pytest.mark.parametrize("path", ["README.rst", "CONTRIBUTING.md"])
def test_the_two_commands_are_written_out(path: str) -> None:
    text = (ROOT / path).read_text()
    for command in README_COMMANDS:
        assert command in text


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    assert f"\n{README_COMMANDS[1]}\n" in (ROOT / ".ci" / "run").read_text()


# Origins that change at run time


def test_origin_sources_page_doctests_pass() -> None:
    """The page's doctests (refresh, describe, a key asked outside a request) pass."""
    run_doctests("origin_sources.rst", {})


@pytest.mark.parametrize(
    ("host", "origin", "status", "allowed"),
    [
        ("acme.saas.example", "https://shop.acme.example", 200, True),
        ("acme.saas.example", "https://api.acme.example", 200, True),
        ("acme.saas.example", "https://globex.example", 200, False),
        ("globex.saas.example", "https://globex.example", 200, True),
        pytest.param(
            "made-up.example",
            "https://globex.example",
            400,
            False,
            marks=pytest.mark.skipif(
                tuple(int(part) for part in version("flask").split(".")[:2]) < (3, 1),
                reason="TRUSTED_HOSTS is new in Flask 3.1",
            ),
        ),
    ],
)
def test_tenant_hosts_sample_allows_each_tenant_its_own_origins(
    host: str, origin: str, status: int, allowed: bool
) -> None:
    """Each host gets its tenant's origins; a host outside TRUSTED_HOSTS is a 400."""
    app = sample("tenant_hosts").app
    response = app.test_client().get(
        "/api/orders", base_url=f"http://{host}", headers={"Origin": origin}
    )
    assert response.status_code == status
    assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed


# The API page's options


def documented_options() -> dict[str, str]:
    """Each option's entry on the API page, as the ``cors-options`` directive writes it."""
    text = "\n".join(load(DOCS / "_ext" / "cors_options.py").options_rst())
    entries = text.split(".. py:attribute:: ")[1:]
    return {entry.split("\n", 1)[0].split(".", 1)[1]: entry for entry in entries}


def test_api_page_has_the_options_directive() -> None:
    assert "\n.. cors-options::\n" in (DOCS / "api.rst").read_text()


@pytest.mark.parametrize("name", list(AppOptions.__annotations__))
def test_api_page_gives_each_option_its_type_default_layers_and_example(name: str) -> None:
    """The entry is written from the typed options and the defaults the extension merges over."""
    entry = documented_options()[name]
    annotation = AppOptions.__annotations__[name]
    assert f":type: {getattr(annotation, '__forward_arg__', annotation)}\n" in entry
    defaults = {**options_module.DEFAULTS, **options_module.APP_ONLY_DEFAULTS}
    default = defaults[name]
    shown = ("'*'" if default.any_origin else "[]") if name == "origins" else repr(default)
    assert f":Default: ``{shown}``\n" in entry
    assert f"``CORS_{name.upper()}`` config key" in entry
    assert ("``@cross_origin(...)``" in entry) is (name in CorsOptions.__annotations__)
    example = options_module.OPTION_DOCS[name][1]
    assert f":Example: ``{example}``" in entry
    assert example.startswith(f"{name}=")


def test_every_option_of_the_typed_options_is_on_the_api_page() -> None:
    assert list(documented_options()) == list(AppOptions.__annotations__)
    assert set(CorsOptions.__annotations__) < set(AppOptions.__annotations__)


SPHINX = (sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html")


# A whole Sphinx build, about 3 s of one core: the unit subset leaves it to the full suite,
# which starts it early.
@pytest.mark.slow
@pytest.mark.background(
    sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS), "{out}"
)
def test_built_api_page_documents_every_public_name_and_option(background: Finished) -> None:
    """The HTML that Sphinx builds has an entry, with its anchor, for each name of the two
    ``__all__`` lists and for each option."""
    pytest.importorskip("sphinx")
    pytest.importorskip("pallets_sphinx_themes")
    assert background.status == 0, background.output[-3000:]
    page = (background.out / "api.html").read_text()
    for module in (flask_crossorigin, flask_crossorigin.testing):
        for exported in module.__all__:
            assert f'id="{module.__name__}.{exported}"' in page
    for name in AppOptions.__annotations__:
        owner = "CorsOptions" if name in CorsOptions.__annotations__ else "AppOptions"
        assert f'id="flask_crossorigin.{owner}.{name}"' in page
