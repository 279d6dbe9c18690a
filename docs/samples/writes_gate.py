"""Mars takes oxygen readings from Earth's pages, and no other page can post them."""

from flask import Flask, request

from flask_crossorigin import CrossOrigin, cross_origin, exempt_writes

app = Flask(__name__)
CrossOrigin(app, protect_all_routes=True)
readings: list[str] = []


@app.post("/oxygen-data")
@cross_origin(origins="https://earth.com")
def oxygen_data() -> dict[str, int]:
    readings.append(request.get_data(as_text=True))
    return {"stored": len(readings)}


@app.post("/settings")
def settings() -> str:
    # No policy: with protect_all_routes=True, only Mars' own pages may post here.
    return "saved"


@app.post("/auth/callback")
@exempt_writes
def auth_callback() -> str:
    # The identity provider's page posts the signed response here (OIDC form_post).
    return "signed in"
