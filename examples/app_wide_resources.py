"""App-wide policy: every route under /api/ is open to two front-ends, the rest stays closed.

Run: python examples/app_wide_resources.py   (then: curl -i -H 'Origin: https://earth.com'
http://127.0.0.1:5000/api/planets)
"""

from flask import Flask

from flask_crossorigin import CrossOrigin

app = Flask(__name__)
app.config["CORS_ORIGINS"] = ["https://earth.com", "https://*.earth.com"]
CrossOrigin(
    app,
    resources={
        "/api/admin/*": {"origins": "https://ops.earth.com", "supports_credentials": True},
        "/api/*": {"max_age": 600},
    },
)


@app.get("/api/planets")
def planets() -> list[str]:
    return ["Mercury", "Venus", "Earth", "Mars"]


@app.delete("/api/admin/planets/<name>")
def demote(name: str) -> dict[str, str]:
    return {"demoted": name}


@app.get("/internal/metrics")
def metrics() -> str:
    return "not covered by any pattern: no CORS headers"


if __name__ == "__main__":
    app.run(port=5000)
