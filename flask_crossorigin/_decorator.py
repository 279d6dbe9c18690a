"""``@cross_origin``: a view's own policy, carried by the view function."""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Blueprint, Flask, current_app

from ._errors import CorsConfigError
from ._options import CorsOptions, Layer, combination_problems, merge, parse_layer

if TYPE_CHECKING:
    from typing_extensions import Unpack

F = TypeVar("F", bound=Callable[..., Any])

#: Where an app keeps the extension's state: ``app.extensions["crossorigin"]``.
EXTENSION_KEY = "crossorigin"
#: The attribute that carries parsed options on a view function or a blueprint.
OPTIONS_ATTR = "_crossorigin_options"
#: On an undecorated function: the wrappers made from it (held weakly: a wrapper lives only
#: as long as an app or a module holds it), to catch @cross_origin written above
#: @app.route (the route then holds the bare function and the policy is lost).
WRAPPERS_ATTR = "_crossorigin_wrappers"
#: On the function ``cross_origin(...)`` returns, to recognise it where it does nothing.
DECORATOR_ATTR = "_crossorigin_decorator"
#: On a view function or a blueprint that ``exempt_writes`` exempts from the write gate.
EXEMPT_ATTR = "_crossorigin_exempt_writes"

#: The apps that installed the extension, held weakly: a wrapper registered in one of them
#: was not lost, even if another app registers the bare function (an app factory).
installed_apps: weakref.WeakSet[Flask] = weakref.WeakSet()

_MISSING_EXTENSION = (
    "view {name!r} is decorated with @cross_origin, but this app has no CrossOrigin "
    "extension, so nothing would send its CORS headers; call CrossOrigin(app) "
    "(or cors.init_app(app)) where the app is created"
)


def _current_extensions() -> dict[str, Any]:
    """``current_app.extensions``, without the proxy's attribute lookup (a tenth of the cost).

    It runs on every call of a decorated view, so it is as cheap as a check can be.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions


def lost_decoration(view: object, registered: Iterable[object]) -> bool:
    """Whether ``view`` was given to ``@cross_origin`` but only ``view`` itself is registered.

    That is ``@cross_origin`` written above ``@app.route``, whether or not ``view``
    already carries a policy of its own: the outer one would be silently dropped.
    The registered function may also be a ``functools.wraps`` copy made before
    ``@cross_origin`` ran (flask-openapi3's ``@app.post`` registers one), so the chain
    of ``__wrapped__`` is followed.
    """
    chain: list[object] = []
    function: object = view
    while function is not None and len(chain) < 20:
        chain.append(function)
        function = getattr(function, "__wrapped__", None)
    in_chain = {id(function) for function in chain}
    registered_ids: set[int] | None = None  # only built when the chain does not decide
    for function in chain:
        wrappers = list(getattr(function, "__dict__", {}).get(WRAPPERS_ATTR) or ())
        if not wrappers or any(id(wrapper) in in_chain for wrapper in wrappers):
            continue
        if registered_ids is None:
            registered_ids = {id(function) for function in registered}
            for app in list(installed_apps):  # wrappers of other apps (a factory) are kept
                registered_ids.update(id(function) for function in app.view_functions.values())
        if not any(id(wrapper) in registered_ids for wrapper in wrappers):
            return True
    return False


def view_options(view: object) -> Layer | None:
    """The parsed options attached to a view (by ``@cross_origin``) or a blueprint."""
    return cast("Layer | None", getattr(view, OPTIONS_ATTR, None))


def cross_origin(**options: Unpack[CorsOptions]) -> Callable[[F], F]:
    """Give one view its own CORS policy; the extension's hooks enforce it.

    Options are validated here, at import time, so a typo fails before the app
    serves anything. The returned view is a thin ``functools.wraps`` wrapper (name,
    signature, ``async`` kept) whose only job is to fail loudly when the app never
    installed the extension: otherwise the policy would be silently ignored.

    Put around a view that already carries a policy (Flask-RESTful's
    ``Api(decorators=[...])`` around a ``Resource`` with its own ``decorators``), it
    is the broader layer: the inner decorator's options win, option by option.

    :param options: the policy's options (see :class:`~flask_crossorigin._options.CorsOptions`);
        any left out come from the blueprint, ``resources`` entry and app level.
    :raises CorsConfigError: an option has a bad value, or the options do not go together.
    :raises TypeError: an option name is unknown.
    """
    parsed = parse_layer(options, "cross_origin()")

    def decorate(view: F) -> F:
        name = getattr(view, "__name__", repr(view))
        if inspect.isclass(view):
            raise CorsConfigError(
                f"cross_origin() on the class {name}: a class-based view is decorated "
                "through its view functions; write decorators = [cross_origin(...)] "
                f"in the body of {name}"
            )
        inner = view_options(view)
        policy = parsed
        if inner is not None:
            policy = merge(parsed, inner)
            problems = combination_problems(policy, f"cross_origin() around the policy of {name!r}")
            if problems:
                raise CorsConfigError.collect(problems)
        wrapper: Callable[..., Any]
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                if EXTENSION_KEY not in _current_extensions():
                    raise RuntimeError(_MISSING_EXTENSION.format(name=name))
                return await view(*args, **kwargs)

            wrapper = async_wrapper
        else:

            @functools.wraps(view)
            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                if EXTENSION_KEY not in _current_extensions():
                    raise RuntimeError(_MISSING_EXTENSION.format(name=name))
                return view(*args, **kwargs)

            wrapper = sync_wrapper
        setattr(wrapper, OPTIONS_ATTR, policy)
        # functools.wraps copied the view's own list of wrappers; this one has made none.
        wrapper.__dict__.pop(WRAPPERS_ATTR, None)
        # Only the wrapper carries the policy: the bare function may serve other routes.
        wrappers = view.__dict__.setdefault(WRAPPERS_ATTR, weakref.WeakSet())
        wrappers.add(wrapper)
        return cast(F, wrapper)

    setattr(decorate, DECORATOR_ATTR, True)
    return decorate


T = TypeVar("T", bound="Callable[..., Any] | Blueprint")


def exempt_writes(target: T) -> T:
    """Exempt a view (``@exempt_writes`` below ``@app.route``) or a blueprint from the write gate.

    Cross-origin writes then reach the view whatever the policy says, without the route
    being opened to cross-origin reads: for the endpoints another site must post to,
    such as SAML and OpenID Connect ``form_post`` callbacks and payment returns.

    .. versionadded:: 0.2.0
    """
    setattr(target, EXEMPT_ATTR, True)
    return target


def is_exempt(view: object, blueprints: Mapping[str, Blueprint], endpoint: str | None) -> bool:
    """Whether the view of ``endpoint`` (or its class), or a blueprint of it, is exempted."""
    if getattr(view, EXEMPT_ATTR, False) or getattr(
        getattr(view, "view_class", None), EXEMPT_ATTR, False
    ):
        return True
    parts = (endpoint or "").split(".")[:-1]
    return any(
        getattr(blueprints.get(".".join(parts[:depth])), EXEMPT_ATTR, False)
        for depth in range(1, len(parts) + 1)
    )
