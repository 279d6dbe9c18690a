"""The application factory: one CrossOrigin object, configured per app through CORS_* keys.

Run: flask --app examples/app_factory.py run
"""

from flask import Flask

from flask_crossorigin import CrossOrigin, cross_origin

cors = CrossOrigin()


def create_app(config: dict[str, object] | None = None) -> Flask:
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = ["http://localhost:3000"]  # the dev front-end
    app.config.update(config or {})

    @app.get("/status")
    @cross_origin()
    def status() -> dict[str, str]:
        return {"status": "green"}

    cors.init_app(app)
    return app


if __name__ == "__main__":
    create_app().run(port=5000)
