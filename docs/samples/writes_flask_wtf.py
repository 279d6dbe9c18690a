"""Flask-WTF's CSRF tokens and the write gate, on an app whose pages come from two origins."""

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect, generate_csrf

from flask_crossorigin import CrossOrigin, cross_origin, exempt_writes

app = Flask(__name__)
app.config["SECRET_KEY"] = "change me"
# The gate checks the Origin of every write (protect_all_routes=True); Flask-WTF's own
# same-origin Referer check would refuse https://earth.com, which the policy allows.
app.config["WTF_CSRF_SSL_STRICT"] = False
CrossOrigin(app, protect_all_routes=True)
csrf = CSRFProtect(app)
earth = cross_origin(origins="https://earth.com", supports_credentials=True)


@app.get("/csrf-token")
@earth
def csrf_token() -> dict[str, str]:
    return {"token": generate_csrf()}


@app.post("/oxygen-data")
@earth
def oxygen_data() -> dict[str, str]:
    return {"stored": request.get_data(as_text=True)}


@app.post("/auth/callback")
@exempt_writes
@csrf.exempt
def auth_callback() -> str:
    return "signed in"
