"""``CrossOrigin``: builds an app's CORS state and installs its two hooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint, Flask

from .decorator import OPTIONS_ATTR
from .errors import CorsConfigError
from .hooks import Hooks
from .options import (
    AppLayer,
    AppOptions,
    CorsOptions,
    combination_problems,
    config_options,
    parse_app_layer,
    parse_layer,
    raise_problems,
    split_app_layer,
)
from .rules import RuleTable

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: Where an app keeps its :class:`CorsState`.
EXTENSION_KEY = "crossorigin"


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
        self._options = parse_app_layer(options, "CrossOrigin()")
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
        config = parse_app_layer(config_options(app.config), "app.config", config=True)
        given = parse_app_layer(options, "init_app()")
        defaults, resources = split_app_layer(config, self._options, given)
        raise_problems(combination_problems(defaults, "CrossOrigin() and CORS_* config"))

        rules = RuleTable(app=app, defaults=defaults, resources=resources)
        rules.resolve_all()  # before anything changes: a bad configuration leaves the old one
        state = CorsState(rules=rules, hooks=Hooks(app=app, rules=rules))
        _install(app, state)

    def _give_blueprint_policy(self, blueprint: Blueprint, options: CorsOptions) -> None:
        where = f"init_app(blueprint {blueprint.name!r})"
        if getattr(blueprint, "_got_registered_once", False):
            raise CorsConfigError(
                f"{where}: the blueprint is already registered on an app, whose routes "
                "may already be resolved; call cors.init_app(blueprint, ...) before "
                "app.register_blueprint(blueprint)"
            )
        setattr(blueprint, OPTIONS_ATTR, parse_layer(options, where))


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
