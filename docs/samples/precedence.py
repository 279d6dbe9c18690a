"""Layers: each option comes from the most specific layer that sets it."""

from flask import Blueprint, Flask

from flask_crossorigin import CrossOrigin, cross_origin

cors = CrossOrigin(max_age=60)  # app-level keyword options: the broadest layer but one

ops = Blueprint("ops", __name__, url_prefix="/ops")
cors.init_app(ops, origins="https://ops.earth.com", supports_credentials=True)


@ops.get("/reactor")
def reactor() -> str:
    return "blueprint policy: ops.earth.com, with cookies, max_age 60 from the app"


@ops.get("/status")
@cross_origin(origins="*", supports_credentials=False)
def status() -> str:
    return "the decorator beats the blueprint, option by option"


app = Flask(__name__)
app.config["CORS_MAX_AGE"] = 3600  # the CORS_* keys lose to keyword options
app.register_blueprint(ops)


@app.get("/api/planets")
def planets() -> list[str]:
    return ["Earth", "Mars"]


cors.init_app(app, resources={"/api/*": {"origins": "https://earth.com", "max_age": 600}})
