"""WebSocket handshakes under real servers: flask-sock under gunicorn, Flask-SocketIO.

A browser sends a WebSocket handshake without any preflight, so the policy has to be
applied to the handshake itself (API.md, "Cross-origin writes"). flask-sock routes are
Flask routes (``websocket=True``), so the write gate answers a refused handshake with
403 before the handler; Flask-SocketIO answers its handshakes outside Flask, and takes
the same origins through ``socketio_origins(app)``. The clients are real: websocket-client
speaking the WebSocket protocol (and Engine.IO's, for Socket.IO), python-socketio's
client for the long-polling transport. Every wait is bounded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import websocket
from flask import Flask, request

from flask_crossorigin import CrossOrigin, cors_refused, socketio_origins

from .helpers import EARTH
from .servers import MARS, gunicorn, serve_in_thread, stop_thread_server

pytestmark = pytest.mark.slow

#: Upper bound, in seconds, of every connection attempt and every read.
TIMEOUT = 5


def handshake(url: str, origin: str | None) -> websocket.WebSocket:
    """Open a WebSocket as a browser on ``origin`` would (no Origin header when None)."""
    if origin is None:
        return websocket.create_connection(url, timeout=TIMEOUT, suppress_origin=True)
    return websocket.create_connection(url, timeout=TIMEOUT, origin=origin)


def refused_status(url: str, origin: str) -> int:
    """The HTTP status that refused the handshake; fails the test when it succeeded."""
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        handshake(url, origin).close()
    return int(refused.value.status_code)


# flask-sock under gunicorn


@pytest.fixture(scope="module")
def flask_sock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """``create_websocket_app`` under gunicorn (two threaded workers); its port and ran-file."""
    ran = tmp_path_factory.mktemp("flask-sock") / "ran"
    ran.touch()
    with gunicorn(workers=2, app=f"create_websocket_app({str(ran)!r})") as port:
        yield port, ran


def handler_runs(ran: Path) -> list[str]:
    return ran.read_text().splitlines()


def test_refused_origin_handshake_never_reaches_the_flask_sock_handler(
    flask_sock_server: tuple[int, Path],
) -> None:
    """gunicorn answers a refused origin's handshake with 403 and the handler never runs."""
    port, ran = flask_sock_server
    before = handler_runs(ran)

    for origin in (MARS, "null", f"http://localhost:{port}"):
        assert refused_status(f"ws://127.0.0.1:{port}/echo", origin) == 403

    assert handler_runs(ran) == before


@pytest.mark.parametrize(
    "origin",
    [EARTH, "same origin", None],
    ids=["allowed-origin", "same-origin", "no-origin"],
)
def test_allowed_same_and_absent_origin_handshakes_connect_to_flask_sock(
    flask_sock_server: tuple[int, Path], origin: str | None
) -> None:
    """The allowed origin, the server's own origin and a client without Origin connect and echo."""
    port, ran = flask_sock_server
    if origin == "same origin":
        origin = f"http://127.0.0.1:{port}"
    before = len(handler_runs(ran))

    connection = handshake(f"ws://127.0.0.1:{port}/echo", origin)
    try:
        connection.send("ping")
        assert connection.recv() == "ping"
    finally:
        connection.close()

    assert handler_runs(ran)[before:] == [str(origin)]


# Flask-SocketIO with socketio_origins(app)


class SocketIOServer(NamedTuple):
    port: int
    connected: list[str | None]
    refusals: list[dict[str, Any]]


def create_socketio_app() -> tuple[Flask, Any, list[str | None], list[dict[str, Any]]]:
    """An app whose policy allows EARTH, and a SocketIO that takes its origins from it."""
    from flask_socketio import SocketIO

    app = Flask("socketio-served")
    CrossOrigin(app, origins=[EARTH])
    # A long poll is held up to ping_interval (25 s by default), and the client's
    # disconnect() waits for the one in flight: 1 s keeps every test short.
    socketio = SocketIO(
        app,
        async_mode="threading",
        cors_allowed_origins=socketio_origins(app),
        ping_interval=1,
    )
    connected: list[str | None] = []
    refusals: list[dict[str, Any]] = []
    lock = threading.Lock()

    def connect() -> None:
        with lock:
            connected.append(request.headers.get("Origin"))

    def echo(data: str) -> str:
        return data

    socketio.on_event("connect", connect)
    socketio.on_event("echo", echo)

    @cors_refused.connect_via(app)
    def keep(sender: Flask, **sent: Any) -> None:
        with lock:
            refusals.append(sent)

    return app, socketio, connected, refusals


@pytest.fixture(scope="module")
def socketio_server() -> Iterator[SocketIOServer]:
    """The Socket.IO app under werkzeug's threaded server (it serves WebSockets through
    simple-websocket), in this process so that the test sees ``cors_refused``."""
    app, _socketio, connected, refusals = create_socketio_app()
    server, thread = serve_in_thread(app)
    try:
        yield SocketIOServer(server.server_port, connected, refusals)
    finally:
        stop_thread_server(server, thread)


def engineio_url(port: int) -> str:
    return f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"


def socketio_over_websocket(port: int, origin: str) -> str:
    """Connect to the default namespace over the websocket transport; the server's reply.

    Engine.IO opens with ``0{...}``; Socket.IO's connect is ``40``, answered ``40{"sid"...}``.
    """
    connection = handshake(engineio_url(port), origin)
    try:
        opened = connection.recv()
        assert isinstance(opened, str) and opened.startswith("0{"), opened
        connection.send("40")
        reply = connection.recv()
        assert isinstance(reply, str), reply
        return reply
    finally:
        connection.close()


def socketio_over_polling(port: int, origin: str) -> None:
    """Connect with python-socketio's client over long-polling, with ``origin``; then leave."""
    import socketio

    client = socketio.Client(reconnection=False, request_timeout=TIMEOUT)
    client.connect(
        f"http://127.0.0.1:{port}",
        headers={"Origin": origin},
        transports=["polling"],
        wait_timeout=TIMEOUT,
    )
    try:
        assert client.call("echo", "ping", timeout=TIMEOUT) == "ping"
    finally:
        client.disconnect()


def wait_for(condition: Any) -> None:
    """Until ``condition()`` is true, for at most TIMEOUT seconds (the server's thread runs
    the connect handler after the client has its reply)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_refused_origin_cannot_open_a_socketio_websocket(socketio_server: SocketIOServer) -> None:
    """Engine.IO refuses the handshake (400), the connect handler never runs, and the refusal
    is one cors_refused signal naming the origin."""
    server = socketio_server
    connected, refused = len(server.connected), len(server.refusals)

    assert refused_status(engineio_url(server.port), MARS) == 400

    assert server.connected[connected:] == []
    (refusal,) = server.refusals[refused:]
    assert refusal["refusal"].value == MARS
    assert refusal["enforced"] is True


def test_refused_origin_cannot_connect_to_socketio_over_polling(
    socketio_server: SocketIOServer,
) -> None:
    """The long-polling transport is refused the same way: python-socketio cannot connect."""
    import socketio

    server = socketio_server
    connected, refused = len(server.connected), len(server.refusals)

    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio_over_polling(server.port, MARS)

    assert server.connected[connected:] == []
    assert [r["refusal"].value for r in server.refusals[refused:]] == [MARS]


@pytest.mark.parametrize("origin", [EARTH, "same origin"], ids=["allowed-origin", "same-origin"])
def test_allowed_and_same_origin_connect_to_socketio(
    socketio_server: SocketIOServer, origin: str
) -> None:
    """The policy's origin and the server's own origin connect over both transports."""
    server = socketio_server
    if origin == "same origin":
        origin = f"http://127.0.0.1:{server.port}"
    connected, refused = len(server.connected), len(server.refusals)

    reply = socketio_over_websocket(server.port, origin)
    assert reply.startswith("40{") and "sid" in json.loads(reply[2:]), reply
    socketio_over_polling(server.port, origin)

    wait_for(lambda: len(server.connected) >= connected + 2)
    assert server.connected[connected:] == [origin, origin]
    assert server.refusals[refused:] == []
