"""One set of origins per tenant, the tenant taken from the Host the request was sent to."""

from __future__ import annotations

from flask import Flask, Request

from flask_crossorigin import CrossOrigin, OriginSource

# In a real app: SELECT origin FROM tenant_origins WHERE host = ?
ORIGINS_BY_HOST = {
    "acme.saas.example": ["https://shop.acme.example", "https://*.acme.example"],
    "globex.saas.example": ["https://globex.example"],
}


def tenant_host(request: Request) -> str:
    return request.host


def load_tenant_origins(host: str) -> list[str]:
    return ORIGINS_BY_HOST.get(host, [])


app = Flask(__name__)
# Hosts outside this list are answered 400 before any view or CORS hook runs, so that
# clients cannot make the app load (and cache) a set for every Host they invent.
app.config["TRUSTED_HOSTS"] = [".saas.example"]
CrossOrigin(
    app,
    origins=OriginSource(load_tenant_origins, key=tenant_host, ttl=60, max_keys=1024),
)


@app.get("/api/orders")
def orders() -> list[str]:
    return ["order-1"]
