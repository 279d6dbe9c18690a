"""Count refused CORS requests with the cors_refused signal, in bounded memory."""

from collections import Counter
from typing import Any

from flask import Flask

from flask_crossorigin import CrossOrigin, cors_refused, cross_origin

app = Flask(__name__)
CrossOrigin(app)
# Keyed on what the configuration decides (a handful of kinds and options), never on
# request values such as the origin: a client sending new origins cannot grow it.
refused: Counter[tuple[str, str]] = Counter()


@app.post("/oxygen-data")
@cross_origin(origins="https://earth.com")
def oxygen_data() -> dict[str, bool]:
    return {"stored": True}


@cors_refused.connect_via(app)
def count_refusal(sender: Flask, kind: str, refusal: Any, **extra: Any) -> None:
    refused[(str(kind), refusal.option)] += 1
