"""Origins named at the app level cover every route of the app."""

from flask import Flask

from flask_crossorigin import CrossOrigin

app = Flask(__name__)
CrossOrigin(app, origins=["https://earth.com", "http://localhost:3000"])


@app.get("/planets")
def planets() -> list[str]:
    return ["Mercury", "Venus", "Earth", "Mars"]


@app.get("/moons")
def moons() -> list[str]:
    return ["Phobos", "Deimos"]
