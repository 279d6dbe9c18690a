"""Roll the write gate out in "report" mode: count what it would refuse, refuse nothing."""

from collections import Counter
from typing import Any

from flask import Flask

from flask_crossorigin import CrossOrigin, cors_refused, cross_origin

app = Flask(__name__)
app.config["CORS_PROTECT_WRITES"] = "report"
CrossOrigin(app)
would_refuse: Counter[tuple[str, str]] = Counter()


@app.post("/oxygen-data")
@cross_origin(origins="https://earth.com")
def oxygen_data() -> dict[str, bool]:
    return {"stored": True}


@cors_refused.connect_via(app)
def count_refusal(sender: Flask, kind: str, refusal: Any, enforced: bool, **extra: Any) -> None:
    if kind in ("write", "websocket") and not enforced:
        would_refuse[(refusal.option, refusal.value)] += 1
