"""The short examples do what their docstrings say."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def acao(app: Any, path: str, origin: str, method: str = "GET") -> str | None:
    response = app.test_client().open(path, method=method, headers={"Origin": origin})
    value: str | None = response.headers.get("Access-Control-Allow-Origin")
    return value


@pytest.mark.parametrize(
    ("path", "origin", "method", "expected"),
    [
        ("/api/planets", "https://earth.com", "GET", "https://earth.com"),
        ("/api/planets", "https://www.earth.com", "GET", "https://www.earth.com"),
        ("/api/planets", "https://evil.com", "GET", None),
        ("/api/admin/planets/pluto", "https://www.earth.com", "DELETE", None),
        ("/api/admin/planets/pluto", "https://ops.earth.com", "DELETE", "https://ops.earth.com"),
        ("/internal/metrics", "https://earth.com", "GET", None),
    ],
)
def test_app_wide_resources_example(
    path: str, origin: str, method: str, expected: str | None
) -> None:
    assert acao(load("app_wide_resources").app, path, origin, method) == expected


def test_blueprint_example_blueprint_policy_and_decorator_override() -> None:
    app = load("blueprint_policy").app
    orders = app.test_client().get("/partners/orders", headers={"Origin": "https://shop.example"})
    assert orders.headers["Access-Control-Allow-Credentials"] == "true"
    assert acao(app, "/partners/catalogue", "https://anyone.example") == "*"


def test_app_factory_example_gives_each_app_its_own_origins() -> None:
    module = load("app_factory")
    dev = module.create_app()
    prod = module.create_app({"CORS_ORIGINS": "https://earth.com"})
    assert acao(dev, "/status", "http://localhost:3000") == "http://localhost:3000"
    assert acao(prod, "/status", "http://localhost:3000") is None
    assert acao(prod, "/status", "https://earth.com") == "https://earth.com"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://acme.app.example", True),
        ("https://initech.app.example", False),
        ("https://acme.app.example.evil.com", False),
    ],
)
def test_origin_check_example_allows_known_tenants_only(origin: str, allowed: bool) -> None:
    assert (acao(load("origin_check").app, "/invoices", origin) == origin) is allowed


def test_tenants_example_allows_a_tenant_added_by_the_admin_view_at_once(tmp_path: Path) -> None:
    """A tenant added through the admin view is allowed on the next request, no restart."""
    app = load("tenants").create_app(str(tmp_path / "tenants.sqlite"))
    client = app.test_client()
    shop = "https://shop.example"
    assert acao(app, "/api/invoices", shop) is None
    refused = client.post("/admin/tenants", json={"name": "shop", "origin": shop})
    assert refused.status_code == 403
    added = client.post(
        "/admin/tenants",
        json={"name": "shop", "origin": shop},
        headers={"X-Admin-Token": "change-me"},
    )
    assert added.status_code == 201
    got = client.get("/api/invoices", headers={"Origin": shop})
    assert got.headers["Access-Control-Allow-Origin"] == shop
    assert got.headers["Access-Control-Allow-Credentials"] == "true"
    assert acao(app, "/api/invoices", "https://other.example") is None
