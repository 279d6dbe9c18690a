"""Count refused CORS requests with the cors_refused signal."""

from collections import Counter
from typing import Any

from flask import Flask

from flask_crossorigin import CrossOrigin, cors_refused, cross_origin

app = Flask(__name__)
CrossOrigin(app)
refused: Counter[tuple[str, str]] = Counter()


@app.post("/oxygen-data")
@cross_origin(origins="https://earth.com")
def oxygen_data() -> dict[str, bool]:
    return {"stored": True}


@cors_refused.connect_via(app)
def count_refusal(sender: Flask, endpoint: str | None, kind: str, refusal: Any) -> None:
    refused[(refusal.option, refusal.value)] += 1
