"""``CrossOrigin``: installs the two hooks and resolves, once per route, which policy applies."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect, Rule

from .decorator import OPTIONS_ATTR, lost_decoration, view_options
from .errors import CorsConfigError
from .policy import (
    APP_OPTIONS,
    POLICY_OPTIONS,
    PREFLIGHT_VARY,
    TOKEN,
    Header,
    Policy,
    Refusal,
    check_combination,
    check_option_names,
    parse_option,
    parse_options,
)

if TYPE_CHECKING:
    from flask.wrappers import Request, Response
    from werkzeug.datastructures import Headers

logger = logging.getLogger("flask_crossorigin")

EXTENSION_KEY = "crossorigin"
PREFLIGHT_VARY_VALUE = ", ".join(PREFLIGHT_VARY)
#: How many redirects (trailing slash, merge_slashes) a preflight's URL may take.
MAX_REDIRECTS = 5


def _resource_pattern(pattern: object) -> re.Pattern[str]:
    """``"/api/*"``: ``*`` matches anything, the rest is literal; a regex is full-matched."""
    if isinstance(pattern, re.Pattern):
        return pattern
    if not isinstance(pattern, str) or not pattern.startswith(("/", "*")):
        raise CorsConfigError(
            f"resources: {pattern!r} is not a path pattern; give a rule pattern such as "
            "'/api/*', '*', or re.compile(...)"
        )
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def _parse_resources(value: object) -> tuple[tuple[re.Pattern[str], dict[str, object]], ...]:
    where = "resources"
    items: list[tuple[object, Mapping[str, object]]]
    if isinstance(value, Mapping):
        items = []
        for pattern, options in value.items():
            if not isinstance(options, Mapping):
                raise CorsConfigError(
                    f"resources[{pattern!r}]: {options!r} is not a dict of options; "
                    "give {} to use the app-level options"
                )
            items.append((pattern, options))
    elif isinstance(value, (str, re.Pattern)):
        items = [(value, {})]
    elif isinstance(value, Iterable):
        items = [(pattern, {}) for pattern in value]
    else:
        raise CorsConfigError(f"{where}: {value!r} is not a pattern, a list or a dict")
    return tuple(
        (_resource_pattern(pattern), parse_options(options, f"resources[{pattern!r}]"))
        for pattern, options in items
    )


def _log_refusal(endpoint: str | None, refusal: Refusal, kind: str) -> None:
    logger.info("CORS %s refused for endpoint %r: %s", kind, endpoint, refusal)


def _request_kind(method: str) -> str:
    """``"GET request"``, for the log; a method that is not a short token is left out.

    Werkzeug's development server passes any request line's method through, and the
    log line must never carry a control character or a forged second line.
    """
    return f"{method} request" if len(method) <= 20 and TOKEN.fullmatch(method) else "request"


@dataclass
class CorsState:
    """Per-app state, kept in ``app.extensions["crossorigin"]``.

    ``policies`` maps ``id(rule)`` to ``(rule, policy)``: werkzeug rules are not
    hashable, and the rule is kept so that a recycled id can never alias another.
    """

    app: Flask
    defaults: dict[str, object]
    resources: tuple[tuple[re.Pattern[str], dict[str, object]], ...]
    policies: dict[int, tuple[Rule, Policy | None]] = field(default_factory=dict)
    #: Rules added after ``init_app`` whose layers make a bad combination, by ``id(rule)``.
    broken: dict[int, tuple[Rule, CorsConfigError]] = field(default_factory=dict)
    #: False until the first request has resolved every rule (routes added after init_app).
    ready: bool = False

    # Resolution: once per rule.

    def layers(self, rule: Rule) -> tuple[dict[str, object], str] | None:
        """The merged options for ``rule`` and where its policy comes from, or None."""
        merged: dict[str, object] = dict(self.defaults)
        source = None
        for pattern, options in self.resources:
            if pattern.fullmatch(rule.rule):
                merged.update(options)
                source = "resources"
                break
        endpoint = rule.endpoint
        parts = endpoint.split(".")[:-1]
        for depth in range(1, len(parts) + 1):
            blueprint = self.app.blueprints.get(".".join(parts[:depth]))
            blueprint_options = view_options(blueprint)
            if blueprint_options is not None:
                merged.update(blueprint_options)
                source = "blueprint"
        view = self.app.view_functions.get(endpoint)
        decorator_options = view_options(view)
        view_class: type | None = getattr(view, "view_class", None)
        for name in getattr(view_class, "methods", None) or ():
            if view_options(getattr(view_class, name.lower(), None)) is not None:
                raise CorsConfigError(
                    f"endpoint {endpoint!r}: @cross_origin on a method of "
                    f"{getattr(view_class, '__name__', '?')} would be ignored; "
                    "put it on the class: decorators = [cross_origin(...)]"
                )
        if lost_decoration(view, self.app.view_functions.values()):
            raise CorsConfigError(
                f"endpoint {endpoint!r}: @cross_origin is written above @app.route, so the "
                "route was registered without it; put @cross_origin below @app.route"
            )
        if decorator_options is not None:
            merged.update(decorator_options)
            source = "decorator"
        return None if source is None else (merged, source)

    def resolve(self, rule: Rule) -> Policy | None:
        layers = self.layers(rule)
        policy = None
        if layers is not None:
            options, source = layers
            where = f"endpoint {rule.endpoint!r} (rule {rule.rule!r})"
            policy = Policy.build(options, rule.methods or (), where, source)
        self.policies[id(rule)] = (rule, policy)
        return policy

    def resolve_new_rules(self) -> list[CorsConfigError]:
        """Resolve every rule not seen yet; return the errors instead of stopping at one.

        The rules that resolve are cached even when another fails, so they are not
        resolved again; a rule that fails is kept in ``broken`` with its error.
        """
        errors: list[CorsConfigError] = []
        for rule in self.app.url_map.iter_rules():
            entry = self.policies.get(id(rule))
            if entry is None or entry[0] is not rule:
                try:
                    self.resolve(rule)
                except CorsConfigError as error:
                    errors.append(error)
                    self.broken[id(rule)] = (rule, error)
        return errors

    def resolve_all(self) -> None:
        """Resolve every rule not seen yet, so a bad combination fails at start-up."""
        errors = self.resolve_new_rules()
        if errors:
            raise errors[0]

    def resolve_first_request(self) -> None:
        """Resolve the routes added after ``init_app``, at the first request.

        A route whose layers make a bad combination is logged here, as an error; each
        request to it then raises the ``CorsConfigError`` (a 500) before its view runs,
        while every other route is served as usual.
        """
        for error in self.resolve_new_rules():
            logger.error("CORS configuration error; its route will answer 500: %s", error)

    def policy_for(self, rule: Rule) -> Policy | None:
        entry = self.policies.get(id(rule))
        if entry is not None and entry[0] is rule:
            return entry[1]
        return self.resolve(rule)

    # Matching a URL to the rule that will serve it.

    def target_rule(self, method: str) -> Rule | None:
        """The rule that serves ``method`` on this request's URL, following redirects.

        A preflight is answered for the view of the *actual* request (Fetch,
        "CORS-preflight fetch"), and a browser fails a preflight answered with a
        redirect, so the redirect's target is resolved here instead.
        """
        rule = request.url_rule
        if rule is not None and rule.methods is not None and method in rule.methods:
            return rule
        adapter = self.app.create_url_adapter(request)
        if adapter is None:  # pragma: no cover - a request always has an adapter
            return None
        path = request.path
        for _ in range(MAX_REDIRECTS):
            try:
                matched, _args = adapter.match(path, method=method, return_rule=True)
                return matched
            except RequestRedirect as redirect:
                target = urlsplit(redirect.new_url)
                if target.netloc and target.netloc.lower() != request.host.lower():
                    return None  # another site's URL: none of this app's policies apply
                path = unquote(target.path)
                root = request.script_root
                if root and path.startswith(root):
                    path = path[len(root) :]
            except HTTPException:
                return None
        return None

    def policy_for_request(self) -> tuple[Rule | None, Policy | None]:
        """The policy of the route this (actual) request reached, or would after a redirect."""
        rule = request.url_rule
        if rule is None:
            routing = request.routing_exception
            if isinstance(routing, MethodNotAllowed):
                # A 405 is an error response of this URL: readable, like a 404 (the
                # rule that answers OPTIONS here is the one that covers the URL).
                rule = self.target_rule("OPTIONS")
            elif isinstance(routing, RequestRedirect):
                rule = self.target_rule(request.method)
            else:
                return None, None
            if rule is None:
                return None, None
        return rule, self.policy_for(rule)

    # The hooks.

    def answer_preflight(self) -> Response | None:
        """``before_request``: answer a CORS preflight without calling the view or other hooks."""
        if not self.ready:
            self.ready = True
            self.resolve_first_request()
        # One proxy lookup: each ``request.x`` costs as much as the rest of this check.
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        if self.broken:
            entry = self.broken.get(id(req.url_rule))
            if entry is not None and entry[0] is req.url_rule:
                raise entry[1]  # before the view runs: a 500 must not follow a side effect
        environ = req.environ
        method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if method is None:
            return None
        origin = environ.get("HTTP_ORIGIN")
        if origin is None or req.method != "OPTIONS":
            return None
        upper = method.upper()
        rule = req.url_rule
        if rule is None or rule.methods is None or upper not in rule.methods:
            rule = self.target_rule(upper)
        endpoint = rule.endpoint if rule is not None else None
        policy = self.policy_for(rule) if rule is not None else None
        refusal: Refusal | None
        if policy is None:
            # No view serves this method here; refuse if the URL itself is covered.
            # (a URL that redirects is covered by the rule it redirects to)
            covering = req.url_rule or self.target_rule("OPTIONS")
            if covering is None or self.policy_for(covering) is None:
                return None
            endpoint = covering.endpoint
            headers: list[Header] = []
            refusal = Refusal(
                "no view with a CORS policy serves this method on this URL", method, "methods"
            )
        else:
            headers, refusal = policy.preflight(
                origin,
                method,
                environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
                environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
            )
        if refusal is not None:
            _log_refusal(endpoint, refusal, "preflight")
        headers.append(("Vary", PREFLIGHT_VARY_VALUE))
        # content_type="" skips the default type (and its costly lookup); no body, so no type.
        response = self.app.response_class(
            status=403 if refusal else 204, headers=headers, content_type=""
        )
        del response.headers["Content-Type"]
        return response

    def add_headers(self, response: Response) -> Response:
        """``after_request``: add the route's CORS headers to an actual response."""
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        environ = req.environ
        origin = environ.get("HTTP_ORIGIN")
        if (
            origin is not None
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
            and req.method == "OPTIONS"
        ):
            return response  # a preflight: answered (or deliberately left alone) before
        rule = req.url_rule
        if rule is None:
            rule, policy = self.policy_for_request()
        else:
            policy = self.policy_for(rule)
        if policy is None:
            return response
        headers = response.headers
        # The names present, in one pass: each `name in headers` that misses raises and
        # catches a KeyError inside werkzeug, which costs more than this whole scan.
        present = {name.lower() for name, _ in headers}
        static = policy.static_headers
        if static is None:
            if "vary" in present:
                add_vary(headers, ("Origin",))
            else:
                headers.add("Vary", "Origin")
            if origin is None:
                return response
        if "access-control-allow-origin" in present:
            return response  # the view answered CORS itself; mixing the two could widen it
        method = req.method
        if (
            method not in policy.methods
            and method != "OPTIONS"
            # Flask's 405 is the URL's error response, readable like a 404: no view ran.
            and not (
                response.status_code == 405 and isinstance(req.routing_exception, MethodNotAllowed)
            )
        ):
            if origin is not None:
                refusal = Refusal("method is not allowed", method, "methods")
                _log_refusal(rule.endpoint if rule else None, refusal, _request_kind(method))
            return response
        if static is not None:
            extra = static
        elif origin is not None and policy.origins.allows(origin):
            headers.add("Access-Control-Allow-Origin", origin)
            extra = policy.echo_headers
        else:
            if origin is not None:
                refusal = Refusal("origin is not allowed", origin, "origins")
                _log_refusal(rule.endpoint if rule else None, refusal, _request_kind(method))
            return response
        # One the view set itself (Access-Control-Allow-Credentials, say) is not repeated:
        # a browser reads two lines as one value, "true, true", and blocks.
        set_by_view = present & policy.actual_names
        for name, value in extra:
            if not set_by_view or name.lower() not in set_by_view:
                headers.add(name, value)
        return response


def add_vary(headers: Headers, values: tuple[str, ...]) -> None:
    """Merge ``values`` into ``Vary``, keeping the view's own and never repeating one."""
    existing = headers.get_all("Vary")
    if not existing:
        headers["Vary"] = ", ".join(values)
        return
    merged: list[str] = []
    seen: set[str] = set()
    for item in (part.strip() for line in existing for part in line.split(",")):
        if item and item.lower() not in seen:
            seen.add(item.lower())
            merged.append(item)
    if "*" in seen:
        return
    missing = [v for v in values if v.lower() not in seen]
    if missing or len(existing) > 1:
        headers["Vary"] = ", ".join(merged + missing)


class CrossOrigin:
    """The Flask extension: ``CrossOrigin(app)`` or ``CrossOrigin().init_app(app)``.

    The object holds only the keyword options given to it; everything about an app
    lives in ``app.extensions["crossorigin"]``, so one object may serve many apps.
    ``init_app(blueprint, **options)`` gives a blueprint its own policy instead.
    """

    def __init__(self, app: Flask | Blueprint | None = None, **options: Any) -> None:
        if isinstance(app, Blueprint):
            # CrossOrigin(blueprint, **options) is the blueprint's policy, not app defaults.
            self._options: dict[str, Any] = {}
            self.init_app(app, **options)
            return
        check_option_names(options, "CrossOrigin()", APP_OPTIONS)
        for name, value in options.items():  # fail here, not at a later init_app
            if name == "resources":
                _parse_resources(value)
            else:
                parse_option(name, value)
        self._options = dict(options)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask | Blueprint, **options: Any) -> None:
        """Install the hooks on ``app``, or give ``app`` (a blueprint) a policy.

        Precedence, highest first: decorator, blueprint, ``resources`` entry, these
        keyword options (those of ``init_app`` over those of the constructor), the
        ``CORS_*`` config keys, the defaults.
        """
        if isinstance(app, Blueprint):
            where = f"init_app(blueprint {app.name!r})"
            if getattr(app, "_got_registered_once", False):
                raise CorsConfigError(
                    f"{where}: the blueprint is already registered on an app, whose routes "
                    "may already be resolved; call cors.init_app(blueprint, ...) before "
                    "app.register_blueprint(blueprint)"
                )
            setattr(app, OPTIONS_ATTR, parse_options(options, where))
            return
        check_option_names(options, "init_app()", APP_OPTIONS)
        config = {
            key[len("CORS_") :].lower(): value
            for key, value in app.config.items()
            if key.startswith("CORS_")
        }
        check_option_names(config, "app.config", APP_OPTIONS, config=True)
        layers = {**config, **self._options, **options}
        resources = _parse_resources(layers.pop("resources")) if "resources" in layers else ()
        defaults = {
            name: parse_option(name, layers[name]) for name in POLICY_OPTIONS if name in layers
        }
        check_combination(defaults, "CrossOrigin() and CORS_* config")

        state = CorsState(app=app, defaults=defaults, resources=resources)
        previous = app.extensions.get(EXTENSION_KEY)
        if isinstance(previous, CorsState):  # configured again: the new options replace
            app.before_request_funcs[None].remove(previous.answer_preflight)
            app.after_request_funcs[None].remove(previous.add_headers)
        app.extensions[EXTENSION_KEY] = state
        # First of all before_request functions, even those registered earlier: a
        # preflight carries no credentials, so an auth hook would only break it.
        app.before_request_funcs.setdefault(None, []).insert(0, state.answer_preflight)
        app.after_request(state.add_headers)
        state.resolve_all()

        from .cli import cors_cli

        app.cli.add_command(cors_cli)
