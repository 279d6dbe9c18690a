"""Quick start: Mars lets a page on https://earth.com POST JSON to /oxygen-data."""

from flask import Flask, request

from flask_crossorigin import CrossOrigin, cross_origin

app = Flask(__name__)
CrossOrigin(app)  # installs the hooks; opens nothing by itself


@app.post("/oxygen-data")
@cross_origin(origins="https://earth.com", max_age=600)
def oxygen_data() -> dict[str, object]:
    return {"stored": request.get_json()}
