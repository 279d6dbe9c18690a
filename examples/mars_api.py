"""Mars's API, as a user's test suite would test it with flask_crossorigin.testing.

Earth's page POSTs JSON to /oxygen-data (a preflighted request) and reads the rover
log with its session cookie (a credentialed GET). tests/test_testing_plugin.py runs a
user's five-line test file against it.

Run: flask --app examples/mars_api.py cors check /rover-log --origin https://earth.com --credentials
"""

from flask import Flask, request

from flask_crossorigin import CrossOrigin, cross_origin

EARTH = "https://earth.com"

app = Flask(__name__)
CrossOrigin(app)


@app.post("/oxygen-data")
@cross_origin(origins=EARTH, max_age=600)
def oxygen_data() -> dict[str, object]:
    return {"stored": request.get_json()}


@app.get("/rover-log")
@cross_origin(origins=[EARTH], supports_credentials=True, expose_headers=["X-Rover"])
def rover_log() -> tuple[dict[str, str], dict[str, str]]:
    return {"sol": "4012", "session": request.cookies.get("session", "")}, {"X-Rover": "curiosity"}
