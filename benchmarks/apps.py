"""The apps that the benchmarks compare, built the same way three times.

``bare`` is Flask without CORS, ``flask-cors`` uses ``flask_cors``, ``ours`` uses
flask_crossorigin. Each app has ``routes`` routes ``/api/r0`` .. ``/api/r{routes-1}``
serving GET and POST, and its policy allows ``origins`` origins
``https://o0.example.com`` .. ``https://o{origins-1}.example.com``. The benchmarks hit
the last route with the last origin, so that any scan over the lists shows.

With ``source=True``, ours takes its origins from an ``OriginSource`` whose loader returns
the same origins plus as many ``*.`` patterns (``https://*.p{i}.example.org``), so that a
request's cost can be compared with the static list's.

``mode`` is ``resources`` (one app-wide pattern ``/api/*``) or ``decorator`` (every
view decorated with the same per-view policy). flask-cors reads resource keys as
regular expressions (``/api/*`` still matches every route here), ours as ``*`` globs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

KINDS = ("bare", "flask-cors", "ours")
#: Not a contender: bare Flask plus a no-op ``before_request`` and ``after_request``
#: (bound methods, like ours), the least any hook-based extension can cost.
FLOOR = "noop-hooks"
MODES = ("resources", "decorator")

ALLOWED_METHODS = ["GET", "POST"]


def origin_list(count: int) -> list[str]:
    """The allowed origins, the one the benchmarks send last."""
    return [f"https://o{i}.example.com" for i in range(count)]


def allowed_origin(count: int) -> str:
    return f"https://o{count - 1}.example.com"


REFUSED_ORIGIN = "https://evil.example.net"


def last_path(routes: int) -> str:
    return f"/api/r{routes - 1}"


def _view(index: int) -> Callable[[], str]:
    def view() -> str:
        return "ok"

    view.__name__ = f"r{index}"
    return view


class _NoopHooks:
    def before(self) -> None:
        return None

    def after(self, response: Any) -> Any:
        return response


def build_app(kind: str, mode: str, routes: int, origins: int, source: bool = False) -> Flask:
    """One benchmark app; see the module docstring."""
    if kind not in (*KINDS, FLOOR) or mode not in MODES:
        raise ValueError(f"kind must be one of {KINDS} and mode one of {MODES}")
    app = Flask(f"bench_{kind.replace('-', '_')}_{mode}")
    allowed: Any = origin_list(origins)
    if source and kind == "ours":
        from flask_crossorigin import OriginSource

        loaded = [*allowed, *(f"https://*.p{i}.example.org" for i in range(origins))]

        def load_origins() -> list[str]:
            return loaded

        allowed = OriginSource(load_origins)
    decorate: Callable[[Any], Any] | None = None
    # The floor is bare Flask plus no-op hooks: its views are never decorated (without the
    # extension a decorated view answers 500, which would make the floor measure errors).
    if kind in KINDS and kind != "bare" and mode == "decorator":
        # One decorator object for all views, so options are parsed once by both.
        if kind == "flask-cors":
            from flask_cors import cross_origin as flask_cors_cross_origin

            decorate = flask_cors_cross_origin(origins=allowed)
        else:
            from flask_crossorigin import cross_origin

            decorate = cross_origin(origins=allowed)
    for index in range(routes):
        view: Any = _view(index)
        if decorate is not None:
            view = decorate(view)
        app.add_url_rule(f"/api/r{index}", f"r{index}", view, methods=ALLOWED_METHODS)
    if kind == "flask-cors":
        from flask_cors import CORS

        if mode == "resources":
            CORS(app, resources={r"/api/*": {"origins": allowed}})
    elif kind == FLOOR:
        hooks = _NoopHooks()
        app.before_request_funcs.setdefault(None, []).insert(0, hooks.before)
        app.after_request(hooks.after)
    elif kind == "ours":
        from flask_crossorigin import CrossOrigin

        if mode == "resources":
            CrossOrigin(app, resources={"/api/*": {"origins": allowed}})
        else:
            CrossOrigin(app)
    return app


def load_app(kind: str, mode: str = "resources", routes: int = 100, origins: int = 100) -> Flask:
    """Factory for ``gunicorn 'apps:load_app("ours")'`` (see ``load.py``)."""
    return build_app(kind, mode, routes, origins)
