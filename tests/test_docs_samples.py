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
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask

from flask_crossorigin import CorsConfigError, CrossOrigin

from .helpers import EARTH
from .servers import require_varnishd

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


def test_refusal_line_on_the_logging_page_is_the_one_logged(
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
    assert lines[0] in (DOCS / "logging.rst").read_text()


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
    assert [r for r in caplog.records if r.levelno == logging.WARNING]


# Validation


def test_validation_page_doctests_pass() -> None:
    run_doctests("validation.rst", {})


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
    for i in range(3000):
        origin = f"https://{'v' * 1000}{i}.com"
        preflight(module.app, "/oxygen-data", origin=origin, method="POST")
    assert module.refused == {("preflight", "origins"): 3000}


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
def test_cli_transcripts_on_the_cli_page_are_what_the_command_prints(name: str) -> None:
    args, status = TRANSCRIPTS[name]
    done = flask_command("--app", "examples/cli_demo.py", *args)
    assert done.returncode == status, done.stderr
    path = SAMPLES / name
    if os.environ.get("DOCS_REGENERATE") == "1":
        path.write_text(done.stdout)
    shown = " ".join(
        ["$ flask --app examples/cli_demo.py", *(f'"{a}"' if " " in a else a for a in args)]
    )
    assert f":prepend: {shown}\n" in (DOCS / "cli.rst").read_text()
    assert done.stdout == path.read_text(), "rerun with DOCS_REGENERATE=1 if the change is right"


def test_flask_cors_on_an_app_without_the_extension_says_so(tmp_path: Path) -> None:
    (tmp_path / "bare.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    done = flask_command("--app", str(tmp_path / "bare.py"), "cors", "routes")
    assert done.returncode == 1
    assert "CrossOrigin(app)" in done.stdout + done.stderr


# Testing your CORS policy


def test_users_test_module_on_the_testing_page_passes(tmp_path: Path) -> None:
    for name, as_name in [
        ("quickstart.py", "quickstart.py"),
        ("user_conftest.py", "conftest.py"),
        ("test_user_cors.py", "test_cors.py"),
    ]:
        (tmp_path / as_name).write_text((SAMPLES / name).read_text())
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])},
        timeout=120,
    )
    assert "3 passed" in done.stdout, done.stdout + done.stderr


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
        ("made-up.example", "https://globex.example", 400, False),
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
