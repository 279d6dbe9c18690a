"""One list of origins for HTTP, flask-sock and Flask-SocketIO."""

from typing import Any

from flask import Flask
from flask_sock import Sock
from flask_socketio import SocketIO

from flask_crossorigin import CrossOrigin, socketio_origins

app = Flask(__name__)
# Browsers send cookies with handshakes: a cookie session needs supports_credentials.
CrossOrigin(app, origins=["https://earth.com"], supports_credentials=True)

sock = Sock(app)


@sock.route("/echo")
def echo(ws: Any) -> None:
    ws.send(ws.receive())


socketio = SocketIO(app, cors_allowed_origins=socketio_origins(app))
