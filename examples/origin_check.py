"""A callable origin check: allow the tenants that exist right now, looked up per origin.

Run: python examples/origin_check.py
"""

from flask import Flask

from flask_crossorigin import CrossOrigin, cross_origin

TENANTS = {"acme", "globex"}


def is_tenant(origin: str) -> bool:
    """https://<tenant>.app.example for a known tenant; anything else is refused."""
    prefix, suffix = "https://", ".app.example"
    if not (origin.startswith(prefix) and origin.endswith(suffix)):
        return False
    return origin[len(prefix) : -len(suffix)] in TENANTS


app = Flask(__name__)


@app.get("/invoices")
@cross_origin(origins=is_tenant, supports_credentials=True)
def invoices() -> list[str]:
    return ["INV-1", "INV-2"]


CrossOrigin(app)

if __name__ == "__main__":
    app.run(port=5000)
