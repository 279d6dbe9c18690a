"""Type-checked by tests/test_typed_options.py: each mistake is on a line of its own."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask

from flask_crossorigin import CrossOrigin, cross_origin

app = Flask(__name__)
cors = CrossOrigin(app, origins=["https://earth.com"], max_age=timedelta(minutes=10))
cors.init_app(Blueprint("api", __name__), methods=["GET", "POST"], supports_credentials=False)


@cross_origin(origins="https://earth.com", expose_headers=["X-Trace"], max_age=600)
def fine() -> str:
    return "ok"


CrossOrigin(app, origin="https://earth.com")  # MISTAKE: misspelled option
cross_origin(max_age="ten")  # MISTAKE: wrongly typed value
cross_origin(supports_credentials="yes")  # MISTAKE: wrongly typed value
cross_origin(resources="/api/*")  # MISTAKE: app-level option on a view
