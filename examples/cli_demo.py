"""A small app to try ``flask cors routes`` and ``flask cors check`` on.

    FLASK_APP=examples/cli_demo.py flask cors routes
    FLASK_APP=examples/cli_demo.py flask cors check /oxygen-data --origin https://earth.com \
        --method POST --header "Content-Type: application/json"
"""

from flask import Blueprint, Flask

from flask_crossorigin import CrossOrigin, cross_origin

app = Flask(__name__)
cors = CrossOrigin(app, resources="/public/*")


@app.post("/oxygen-data")
@cross_origin(origins="https://earth.com", max_age=600)
def oxygen_data() -> dict[str, float]:
    return {"o2": 0.0013}


@app.route("/rovers/<int:rover>", methods=["GET", "PATCH"])
@cross_origin(
    origins="https://*.earth.com",
    supports_credentials=True,
    allow_headers=["Content-Type"],
)
def rover(rover: int) -> tuple[dict[str, int], dict[str, str]]:
    return {"rover": rover}, {"X-Battery": "87"}


@app.get("/public/weather")
def weather() -> dict[str, int]:
    return {"celsius": -63}


missions = Blueprint("missions", __name__, url_prefix="/missions")
cors.init_app(
    missions,
    origins=["https://earth.com", "https://moon.earth.com"],
    expose_headers=["X-Total-Count"],
)


@missions.get("/")
def list_missions() -> tuple[list[str], dict[str, str]]:
    return ["perseverance"], {"X-Total-Count": "1"}


app.register_blueprint(missions)


@app.get("/admin")
def admin() -> str:
    return "no CORS policy here"
