"""A blueprint with its own policy: the partner API is open to partners, with cookies.

Run: python examples/blueprint_policy.py
"""

from flask import Blueprint, Flask

from flask_crossorigin import CrossOrigin, cross_origin

cors = CrossOrigin()
partners = Blueprint("partners", __name__, url_prefix="/partners")
cors.init_app(partners, origins=["https://shop.example"], supports_credentials=True)


@partners.get("/orders")
def orders() -> list[int]:
    return [1, 2, 3]


@partners.get("/catalogue")
@cross_origin(origins="*", supports_credentials=False)  # the decorator beats the blueprint
def catalogue() -> list[str]:
    return ["rocket", "helmet"]


app = Flask(__name__)
app.register_blueprint(partners)
cors.init_app(app)

if __name__ == "__main__":
    app.run(port=5000)
