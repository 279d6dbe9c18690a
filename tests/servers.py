"""Real servers on loopback for the shared-cache and load tests: gunicorn, and Varnish in front.

Each server is a subprocess started on a free 127.0.0.1 port, waited for with a
bounded loop, and terminated (then killed) when its ``with`` block ends. The apps that
gunicorn serves are built here by :func:`create_app` and the other ``create_*`` factories,
so that gunicorn can import them.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, make_server

from flask_crossorigin import AppOptions, CorsOptions, CrossOrigin, OriginSource, cross_origin

from .helpers import EARTH

ROOT = Path(__file__).resolve().parent.parent
MARS = "https://mars.test"
VARNISHD = shutil.which("varnishd") or next(
    (path for path in ("/usr/sbin/varnishd",) if os.path.exists(path)), None
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: How often a server thread looks for a shutdown request. werkzeug's default, 0.5 s,
#: made the session's teardown wait half a second per server.
POLL_INTERVAL = 0.02


def serve_in_thread(app: Any) -> tuple[BaseWSGIServer, threading.Thread]:
    """``app`` under werkzeug's threaded server on a free loopback port, in a daemon thread.

    Stop it with :func:`stop_thread_server`.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True
    )
    thread.start()
    return server, thread


def stop_thread_server(server: BaseWSGIServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def require_varnishd() -> str:
    """The varnishd path; skip without it, except in CI, where a missing cache is a failure."""
    if VARNISHD is None:
        message = "varnishd not found: install Varnish (Debian: apt-get install varnish)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must run the shared-cache test")
        pytest.skip(message)
    return VARNISHD


# A request to a served app, and what it must get back.


@dataclass(frozen=True)
class Expected:
    status: int
    headers: dict[str, str | None]  # None: must be absent
    allow_methods_has: str | None = None


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    expected: Expected

    def header_problems(self, response: http.client.HTTPResponse) -> list[str]:
        """What is wrong with the headers of ``response`` (the status is checked apart)."""
        problems = []
        for name, value in self.expected.headers.items():
            got = response.headers.get_all(name) or []
            if got != ([value] if value is not None else []):
                problems.append(f"{name}: {got!r}, expected {value!r}")
        if self.expected.allow_methods_has is not None:
            methods = (response.getheader("Access-Control-Allow-Methods") or "").split(", ")
            if self.expected.allow_methods_has not in methods:
                problems.append(f"Access-Control-Allow-Methods {methods!r}")
        return problems


# The apps gunicorn serves.


def create_app(kind: str) -> Flask:
    """``cache``: responses marked cacheable, each carrying which backend call made it.
    ``load``: a few routes with different policies for the load test."""
    app = Flask(f"served-{kind}")
    calls = itertools.count(1)

    @app.after_request
    def mark(response: Response) -> Response:
        # Registered before the extension, so it runs after it (Flask runs them in reverse).
        if kind == "cache":
            response.headers["Cache-Control"] = "public, max-age=60"
            response.headers["X-Backend-Call"] = f"{os.getpid()}-{next(calls)}"
            if request.endpoint == "no_vary":
                del response.headers["Vary"]  # the control: what a cache does without Vary
        else:
            # Lets the load test check that each answer belongs to its own request.
            response.headers["X-Request-Id"] = request.headers.get("X-Request-Id", "")
        return response

    CrossOrigin(app)
    add_routes(app)
    return app


def create_cache_control_app() -> Flask:
    """``create_app("cache")`` where the extension may also say ``Cache-Control``.

    A response the extension marked (``no-store``, ``private``) keeps its mark; every other
    one is made ``public, max-age=60``, as a view that wants caching would. ``/no-vary`` is
    the control: stored with its ``Vary`` removed, whatever the extension said.
    """
    app = Flask("served-cache-control")
    calls = itertools.count(1)

    @app.after_request
    def mark(response: Response) -> Response:
        # Registered before the extension, so it runs after it (Flask runs them in reverse).
        if request.endpoint == "no_vary":
            del response.headers["Vary"]
            response.headers["Cache-Control"] = "public, max-age=60"
        elif "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "public, max-age=60"
        response.headers["X-Backend-Call"] = f"{os.getpid()}-{next(calls)}"
        return response

    CrossOrigin(app)
    add_routes(app)
    return app


def add_routes(app: Flask) -> None:
    """The routes of the served cache and load apps: one policy of each kind, ``/no-vary``
    (listed origins; the apps drop its ``Vary``, as the control) and ``/plain``."""
    listed: CorsOptions = {"origins": [EARTH, MARS]}

    @app.route("/listed", methods=["GET", "PUT", "DELETE"])
    @cross_origin(**listed)
    def listed_view() -> str:
        return "listed"

    @app.route("/credentials", methods=["GET", "PUT"])
    @cross_origin(origins=[EARTH, "https://*.mars.test"], supports_credentials=True)
    def credentials() -> str:
        return "credentials"

    @app.route("/star", methods=["GET", "PUT"])
    @cross_origin(origins="*")
    def star() -> str:
        return "star"

    @app.route("/private-network", methods=["GET", "PUT"])
    @cross_origin(origins=[EARTH], allow_private_network=True)
    def private_network() -> str:
        return "private network"

    @app.route("/no-vary", methods=["GET", "PUT"], endpoint="no_vary")
    @cross_origin(**listed)
    def no_vary() -> str:
        return "no vary"

    @app.route("/plain")
    def plain() -> str:
        return "plain"


def create_late_routes_app(ran_path: str, late_routes: int = 0, unused_resources: int = 0) -> Flask:
    """Routes added after ``init_app``, resolved at the first request: ``late_routes``
    good ones, ``/broken``, whose policy cannot be built (``supports_credentials=True``
    inherited into the decorator's ``origins="*"``), and ``/after``. ``/broken``'s view
    appends a line to ``ran_path`` each time it runs; it must never run.

    ``unused_resources`` entries that match no rule make each route cost more to resolve,
    so that resolving them at the first request lasts long enough for a burst to overlap it.
    """
    # One handler for every logger, so that each record is printed once, whatever handlers
    # the package itself has (a NullHandler would otherwise hide its records).
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    app = Flask("served-late-routes")

    @app.route("/early", methods=["GET", "PUT"])
    @cross_origin(origins=[EARTH])
    def early() -> str:
        return "early"

    unused = {f"/unused-{number}/*": {"origins": [MARS]} for number in range(unused_resources)}
    options: AppOptions = {"resources": unused} if unused else {}
    CrossOrigin(app, **options)

    def late_view(number: int) -> Callable[[], str]:
        def late() -> str:
            return f"late {number}"

        return late

    for number in range(late_routes):
        view = cross_origin(origins=[EARTH, MARS])(late_view(number))
        app.add_url_rule(f"/late/{number}", f"late_{number}", view, methods=["GET", "PUT"])

    @app.route("/broken", methods=["GET", "PUT"])
    @cross_origin(supports_credentials=True)
    def broken() -> str:
        with open(ran_path, "a") as ran:
            ran.write(f"{os.getpid()}\n")
        return "the view ran"

    @app.route("/after", methods=["GET", "PUT"])
    @cross_origin(origins=[MARS])
    def after() -> str:
        return "after"

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    return app


def create_websocket_app(ran_path: str) -> Flask:
    """A flask-sock echo route under the app-level policy (``origins=[EARTH]``).

    The handler appends a line to ``ran_path`` each time it runs, so a test can prove that
    a refused handshake never reached it, whichever gunicorn worker answered.
    """
    from flask_sock import Sock

    app = Flask("served-websocket")
    CrossOrigin(app, origins=[EARTH])
    sock = Sock(app)

    def echo(ws: Any) -> None:
        with open(ran_path, "a") as ran:
            ran.write(f"{request.headers.get('Origin')}\n")
        ws.send(ws.receive(timeout=5))

    sock.route("/echo")(echo)

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    return app


def create_tenants_app(db_path: str, ttl: float = 0.5) -> Flask:
    """Tenant origins from the SQLite file ``db_path`` (table ``tenants(origin)``) through an
    ``OriginSource`` with a short ``ttl``; ``/items`` answers with the worker's PID in
    ``X-Worker-Pid``, so a test can tell which worker answered (and its log lines too)."""
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(process)d %(levelname)s %(message)s"
    )

    def load_tenants() -> list[str]:
        with contextlib.closing(sqlite3.connect(db_path, timeout=5)) as db:
            return [origin for (origin,) in db.execute("SELECT origin FROM tenants")]

    app = Flask("served-tenants")

    @app.after_request
    def mark(response: Response) -> Response:
        response.headers["X-Worker-Pid"] = str(os.getpid())
        return response

    CrossOrigin(app, origins=OriginSource(load_tenants, ttl=ttl))

    @app.route("/items", methods=["GET", "PUT"])
    def items() -> str:
        return "items"

    return app


# Processes.


def _wait_until_serving(
    port: int,
    process: subprocess.Popen[bytes],
    what: str,
    log: IO[bytes],
    path: str | None = "/plain",
) -> None:
    """Until ``GET path`` is answered; with ``path=None``, only until the port accepts
    connections, so that no request reaches the app before the test's own."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{what} exited with status {process.returncode}:\n{output}")
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                return
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on 127.0.0.1:{port} within 20 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def gunicorn(
    kind: str = "",
    workers: int = 1,
    threads: int = 4,
    *,
    app: str | None = None,
    log_path: Path | None = None,
    wait_path: str | None = "/plain",
) -> Iterator[int]:
    """Serve ``create_app(kind)`` with gunicorn's threaded workers; yields the port.

    ``app`` names another factory call in this module instead (``"create_cache_control_app()"``);
    ``log_path`` keeps gunicorn's output (its error log and the app's stderr) in that file;
    ``wait_path=None`` sends no request before the test's own (see ``_wait_until_serving``).
    """
    port = free_port()
    target = f"tests.servers:{app}" if app is not None else f"tests.servers:create_app({kind!r})"
    opened = open(log_path, "w+b") if log_path is not None else tempfile.TemporaryFile()  # noqa: SIM115
    with opened as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                "--keep-alive",
                "30",
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
                target,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(port, process, "gunicorn", log, wait_path)
            yield port
        finally:
            _stop(process)


CACHING_VCL = """vcl 4.1;

backend app {{ .host = "127.0.0.1"; .port = "{port}"; }}

# Cache preflights as a CDN configured to do so would: OPTIONS is looked up in the
# cache (the builtin VCL would pass it), keyed on method and URL, and Varnish keeps one
# variant per value of each header the response's Vary names.
sub vcl_recv {{
    if (req.method == "OPTIONS") {{
        set req.http.X-Cached-Method = req.method;
        return (hash);
    }}
}}

sub vcl_hash {{
    hash_data(req.method);
}}

sub vcl_backend_fetch {{
    # Varnish turns a cache miss into a GET; send the OPTIONS as it came.
    if (bereq.http.X-Cached-Method) {{
        set bereq.method = bereq.http.X-Cached-Method;
        unset bereq.http.X-Cached-Method;
    }}
}}

sub vcl_backend_response {{
    if (bereq.method == "OPTIONS") {{
        set beresp.ttl = 60s;
        return (deliver);
    }}
}}
"""


# The same cache, except that it obeys a response's Cache-Control: no-store or private, for
# OPTIONS too, is never stored (a hit-for-miss object sends the next request on to the app).
OBEYING_VCL = (
    CACHING_VCL.split("sub vcl_backend_response")[0]
    + """sub vcl_backend_response {{
    if (beresp.http.Cache-Control ~ "(?i)(no-store|private)") {{
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }}
    if (bereq.method == "OPTIONS") {{
        set beresp.ttl = 60s;
        return (deliver);
    }}
}}
"""
)


@contextlib.contextmanager
def varnish(backend_port: int, vcl_template: str = CACHING_VCL) -> Iterator[int]:
    """Varnish on a free loopback port in front of ``backend_port``; yields its port."""
    varnishd = require_varnishd()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="varnish-") as workdir, tempfile.TemporaryFile() as log:
        vcl = Path(workdir, "cache.vcl")
        vcl.write_text(vcl_template.format(port=backend_port))
        process = subprocess.Popen(
            [
                varnishd,
                "-F",  # foreground: the process is ours to stop
                "-j",
                "none",  # no privilege separation jail, so it also runs as root in CI
                "-a",
                f"127.0.0.1:{port}",
                "-f",
                str(vcl),
                "-n",
                str(Path(workdir, "instance")),
                "-s",
                "malloc,32m",
                "-T",
                "none",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(port, process, "varnishd", log)
            yield port
        finally:
            _stop(process)
