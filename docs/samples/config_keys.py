"""The same options as Flask config keys: CORS_<OPTION IN CAPITALS>."""

from flask import Flask

from flask_crossorigin import CrossOrigin

app = Flask(__name__)
app.config.update(
    CORS_ORIGINS=["https://earth.com"],
    CORS_RESOURCES="/api/*",
    CORS_MAX_AGE=600,
    CORS_EXPOSE_HEADERS=["X-Total-Count"],
)
CrossOrigin(app)  # reads the CORS_* keys now: set them before this line


@app.get("/api/rovers")
def rovers() -> tuple[list[str], dict[str, str]]:
    return ["Perseverance"], {"X-Total-Count": "1"}


@app.get("/health")
def health() -> str:
    return "not under /api/: no CORS headers"
