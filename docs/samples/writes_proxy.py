"""Behind one TLS-terminating proxy, and reachable on loopback: the app knows its own origin."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_crossorigin import CrossOrigin

app = Flask(__name__)
# The proxy sets X-Forwarded-Proto and X-Forwarded-Host; trust one hop of each.
app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)  # type: ignore[method-assign]
# Answer only the names the app is served under (Flask 3.1+): a rebound name gets 400.
app.config["TRUSTED_HOSTS"] = ["chat.example.com", "localhost", "127.0.0.1"]
# A partner's pages may write too; the app's own pages are same-origin.
CrossOrigin(app, origins=["https://earth.com"])


@app.post("/messages")
def post_message() -> str:
    return "sent"
