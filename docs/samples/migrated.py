"""Ported from flask-cors: the call keeps its options, only the import and the name change."""

from flask import Flask

from flask_crossorigin import CrossOrigin

app = Flask(__name__)
CrossOrigin(app, resources={"/api/*": {"origins": "https://earth.com"}}, supports_credentials=True)


@app.get("/api/rovers")
def rovers() -> list[str]:
    return ["Perseverance"]


@app.get("/admin")
def admin() -> str:
    return "not under /api/: no CORS headers"
