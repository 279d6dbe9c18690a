"""``CrossOrigin``: builds an app's CORS state and installs its two hooks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint, Flask
from flask.sansio.blueprints import BlueprintSetupState

from .decorator import EXTENSION_KEY, OPTIONS_ATTR
from .errors import CorsConfigError
from .hooks import Hooks
from .options import (
    AppLayer,
    AppOptions,
    CorsOptions,
    Layer,
    combination_problems,
    config_options,
    cors_keys,
    parse_app_layer,
    parse_layer,
    raise_problems,
    split_app_layer,
)
from .origins import OriginMatcher
from .rules import RuleTable

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: Marks the check that a blueprint with a policy leaves on an app without the extension.
MISSING_EXTENSION_CHECK = "_crossorigin_missing_extension"


@dataclass(frozen=True, eq=False)
class CorsState:
    """Per-app state, kept in ``app.extensions["crossorigin"]``: the rule table and its hooks."""

    rules: RuleTable
    hooks: Hooks


class CrossOrigin:
    """The Flask extension: ``CrossOrigin(app)`` or ``CrossOrigin().init_app(app)``.

    The object holds only the (parsed) keyword options given to it; everything about
    an app lives in ``app.extensions["crossorigin"]``, so one object may serve many
    apps. ``CrossOrigin(blueprint, ...)`` and ``init_app(blueprint, ...)`` give a
    blueprint its own policy instead.

    :param app: the app to install the hooks on now, or a blueprint to give a policy.
    :param options: app-level options (see :class:`~flask_crossorigin.options.AppOptions`),
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
        for where, written, from_config in (
            ("app.config", config_options(app.config), True),
            ("init_app()", options, False),
        ):
            try:
                layers.insert(
                    0 if from_config else len(layers),
                    parse_app_layer(written, where, config=from_config),
                )
            except CorsConfigError as error:
                problems.extend(error.problems)
        raise_problems(problems)
        defaults, resources = split_app_layer(*layers)
        raise_problems(combination_problems(defaults, "CrossOrigin() and CORS_* config"))
        names_origins = any("origins" in layer for layer in layers)
        rules = RuleTable(
            app=app,
            defaults=defaults,
            resources=resources,
            covers_every_route=names_origins and not any("resources" in layer for layer in layers),
            # A copy: a list in app.config changed in place must not change the snapshot too.
            config_read=copy.deepcopy(cors_keys(app.config)),
        )
        rules.resolve_all()  # before anything changes: a bad configuration leaves the old one
        state = CorsState(rules=rules, hooks=Hooks(app=app, rules=rules))
        _install(app, state)

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


def _missing_extension(blueprint: str) -> Callable[[], None]:
    def check() -> None:
        raise RuntimeError(
            f"blueprint {blueprint!r} has a CORS policy, but this app has no CrossOrigin "
            "extension, so nothing would answer its preflights or send its headers; "
            "call CrossOrigin(app) (or cors.init_app(app)) where the app is created"
        )

    setattr(check, MISSING_EXTENSION_CHECK, True)
    return check


def _check_extension_later(setup: BlueprintSetupState) -> None:
    """At registration: fail the app's requests until the extension is installed.

    The check is a ``before_request`` function that the extension removes when it
    is installed, so a well-configured app never runs it.
    """
    app = setup.app
    if EXTENSION_KEY not in app.extensions:
        app.before_request_funcs.setdefault(None, []).append(
            _missing_extension(setup.blueprint.name)
        )


def _install(app: Flask, state: CorsState) -> None:
    """Put ``state`` and its hooks on ``app``, replacing a previous configuration in place.

    The lists are edited directly rather than through ``app.before_request``, which
    Flask refuses after the first request: configuring again then still replaces both
    hooks. The preflight hook goes first of all ``before_request`` functions, even those
    registered earlier: a preflight carries no credentials, so an auth hook would only
    break it.
    """
    before = app.before_request_funcs.setdefault(None, [])
    after = app.after_request_funcs.setdefault(None, [])
    for check in [f for f in before if getattr(f, MISSING_EXTENSION_CHECK, False)]:
        before.remove(check)  # a blueprint's "no extension" check: it has one now
    previous = app.extensions.get(EXTENSION_KEY)
    if isinstance(previous, CorsState):
        before[before.index(previous.hooks.answer_preflight)] = state.hooks.answer_preflight
        after[after.index(previous.hooks.add_headers)] = state.hooks.add_headers
        if before[0] != state.hooks.answer_preflight:
            before.remove(state.hooks.answer_preflight)
            before.insert(0, state.hooks.answer_preflight)
    else:
        before.insert(0, state.hooks.answer_preflight)
        after.append(state.hooks.add_headers)
    app.extensions[EXTENSION_KEY] = state
