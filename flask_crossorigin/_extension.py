"""``CrossOrigin``: builds an app's CORS state and installs its two hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Blueprint, Flask
from flask.sansio.app import App
from flask.sansio.blueprints import BlueprintSetupState

from ._decorator import EXTENSION_KEY, OPTIONS_ATTR, installed_apps
from ._errors import CorsConfigError
from ._hooks import CorsState, Hooks
from ._options import (
    AppLayer,
    AppOptions,
    CorsOptions,
    Layer,
    combination_problems,
    config_options,
    parse_app_layer,
    parse_layer,
    raise_problems,
    split_app_layer,
)
from ._origins import OriginMatcher
from ._rules import RuleTable, config_snapshot

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: Where an app keeps its installed :class:`~flask_crossorigin._hooks.Hooks`.
HOOKS_KEY = "crossorigin.hooks"


class CrossOrigin:
    """The Flask extension: ``CrossOrigin(app)`` or ``CrossOrigin().init_app(app)``.

    The object holds only the (parsed) keyword options given to it; everything about
    an app lives in ``app.extensions["crossorigin"]``, so one object may serve many
    apps. ``CrossOrigin(blueprint, ...)`` and ``init_app(blueprint, ...)`` give a
    blueprint its own policy instead.

    :param app: the app to install the hooks on now, or a blueprint to give a policy.
    :param options: app-level options (see :class:`~flask_crossorigin._options.AppOptions`),
        which every policy of the app inherits, and ``resources``.
    :raises CorsConfigError: an option has a bad value (every problem is listed).
    :raises TypeError: an option name is unknown.
    """

    def __init__(self, app: Flask | Blueprint | None = None, **options: Unpack[AppOptions]) -> None:
        if isinstance(app, Blueprint):
            # CrossOrigin(blueprint, **options) is the blueprint's policy, not app defaults.
            self._options: AppLayer = AppLayer()
            self._give_blueprint_policy(app, options)
            return
        # Parsed here, once: a mistake fails at the line that wrote it.
        try:
            self._options = parse_app_layer(options, "CrossOrigin()")
        except CorsConfigError as error:
            if app is None:
                raise
            # Report the app's CORS_* problems too, together with these.
            self._options = AppLayer()
            self._install_on(app, {}, earlier=error.problems)
            raise  # pragma: no cover - _install_on raises with every problem
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask | Blueprint, **options: Unpack[AppOptions]) -> None:
        """Install the hooks on ``app``, or give ``app`` (a blueprint) a policy.

        Precedence, highest first: decorator, blueprint, ``resources`` entry, these
        keyword options (those of ``init_app`` over those of the constructor), the
        ``CORS_*`` config keys, the defaults. Called again on the same app, it
        replaces the configuration in full, or raises and leaves the old one as it was.
        """
        if isinstance(app, Blueprint):
            self._give_blueprint_policy(app, options)
            return
        self._install_on(app, options)

    def _install_on(self, app: Flask, options: AppOptions, earlier: tuple[str, ...] = ()) -> None:
        problems: list[str] = list(earlier)
        layers: list[AppLayer] = [self._options]
        labels = ["CrossOrigin(..., {}={})"]
        for where, written, from_config in (
            ("app.config", config_options(app.config), True),
            ("init_app()", options, False),
        ):
            try:
                layers.insert(
                    0 if from_config else len(layers),
                    parse_app_layer(written, where, config=from_config),
                )
                labels.insert(
                    0 if from_config else len(labels),
                    "app.config['CORS_{}'] = {}" if from_config else "init_app(app, {}={})",
                )
            except CorsConfigError as error:
                problems.extend(error.problems)
        raise_problems(problems)
        defaults, resources, protect_all_routes = split_app_layer(*layers)
        raise_problems(combination_problems(defaults, "CrossOrigin() and CORS_* config"))
        names_origins = any("origins" in layer for layer in layers)
        rules = RuleTable(
            app=app,
            defaults=defaults,
            resources=resources,
            covers_every_route=names_origins and not any("resources" in layer for layer in layers),
            protect_all_routes=protect_all_routes,
            # Read only by the error of origins='*' with credentials, so the values are those.
            app_written={
                name: label.format(
                    name.upper() if label.startswith("app.config") else name,
                    "True" if name == "supports_credentials" else "'*'",
                )
                for name in ("origins", "supports_credentials")
                for layer, label in zip(layers, labels, strict=True)
                if name in layer
            },
            config_read=config_snapshot(app.config),
        )
        rules.resolve_all()  # before anything changes: a bad configuration leaves the old one
        _install(app, CorsState(rules=rules))

    def _give_blueprint_policy(self, blueprint: Blueprint, options: CorsOptions) -> None:
        where = f"init_app(blueprint {blueprint.name!r})"
        layer = parse_layer(options, where)
        previous = getattr(blueprint, OPTIONS_ATTR, None)
        if previous == layer:
            return  # the same policy again: a second create_app() in tests or a factory
        if getattr(blueprint, "_got_registered_once", False):
            raise CorsConfigError(
                f"{where}: the blueprint is already registered on an app with "
                f"{_describe(previous)}, and its routes may already be resolved; give it "
                f"{_describe(layer)} before app.register_blueprint(blueprint), once"
            )
        if previous is None:
            blueprint.record(_check_extension_later)
        setattr(blueprint, OPTIONS_ATTR, layer)


def _describe(layer: Layer | None) -> str:
    """A layer's options as the user wrote them, roughly, for a message."""
    if not layer:
        return "no CORS policy"
    shown = ", ".join(
        f"{name}={value.describe() if isinstance(value, OriginMatcher) else value!r}"
        for name, value in layer.items()
    )
    return f"the policy ({shown})"


def _missing_extension(app: App, blueprint: str) -> Callable[[], None]:
    def check() -> None:
        if EXTENSION_KEY in app.extensions:
            return  # installed since: this check is spent
        raise RuntimeError(
            f"blueprint {blueprint!r} has a CORS policy, but this app has no CrossOrigin "
            "extension, so nothing would answer its preflights or send its headers; "
            "call CrossOrigin(app) (or cors.init_app(app)) where the app is created"
        )

    return check


def _check_extension_later(setup: BlueprintSetupState) -> None:
    """At registration: fail the app's requests until the extension is installed.

    The check is a ``before_request`` function that does nothing once the extension
    is installed, so Flask's list of hooks is never searched or edited afterwards.
    """
    app = setup.app
    if EXTENSION_KEY not in app.extensions:
        app.before_request_funcs.setdefault(None, []).append(
            _missing_extension(app, setup.blueprint.name)
        )


def _install(app: Flask, state: CorsState) -> None:
    """Put ``state`` on ``app``; install the two hooks the first time only.

    Configuring again swaps the state the installed hooks read, in one assignment. The
    lists are edited directly rather than through ``app.before_request``, which Flask
    refuses after the first request. The ``before_request`` hook goes first of all,
    even before those registered earlier: a preflight carries no credentials, so an
    auth hook would only break it, and a refused write must not reach any of them.
    """
    hooks = app.extensions.get(HOOKS_KEY)
    if isinstance(hooks, Hooks):
        hooks.state = state
    else:
        hooks = Hooks(app, state)
        app.before_request_funcs.setdefault(None, []).insert(0, hooks.before_request)
        app.after_request_funcs.setdefault(None, []).append(hooks.after_request)
        app.extensions[HOOKS_KEY] = hooks
        installed_apps.add(app)
    app.extensions[EXTENSION_KEY] = state
