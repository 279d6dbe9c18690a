"""The rule table: which policy each URL rule has, resolved once, and the rule a URL reaches.

A rule's policy is the merge of its layers (defaults, ``resources`` entry, blueprints,
decorator), resolved the first time the rule is seen and kept: a
:class:`~flask_crossorigin._policy.Policy`, ``None`` for a route no policy covers, or
the :class:`~flask_crossorigin._errors.CorsConfigError` its layers make.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect, Rule

from ._decorator import DECORATOR_ATTR, EXEMPT_ATTR, is_exempt, lost_decoration, view_options
from ._errors import CorsConfigError
from ._options import (
    Layer,
    Resources,
    combination_problems,
    cors_keys,
    merge,
    regex_looking_resource,
    settle,
)
from ._policy import Policy

if TYPE_CHECKING:
    from typing import TypeAlias

    from flask import Flask
    from flask.wrappers import Request

logger = logging.getLogger("flask_crossorigin")

#: What the table holds for a rule.
Entry: TypeAlias = Policy | CorsConfigError | None


class Gate(Enum):
    """What the write gate does on a route (``flask cors routes`` shows the value)."""

    #: Cross-origin writes the route's policy would not have preflighted are refused.
    ON = "on"
    #: They are logged and signalled, and served: for a roll-out.
    REPORT = "report"
    #: They are served (``protect_writes=False``, or no policy and no ``protect_all_routes``).
    OFF = "off"
    #: ``@exempt_writes``: served, whatever the policy.
    EXEMPT = "exempt"


_GATES = {True: Gate.ON, "report": Gate.REPORT, False: Gate.OFF}

#: ``CORS_*`` keys whose late change alters which routes are covered or gated: then
#: every route's answer may be wrong, not only the covered ones'.
COVERAGE_KEYS = frozenset({"CORS_ORIGINS", "CORS_RESOURCES", "CORS_PROTECT_ALL_ROUTES"})


def _items(value: object, depth: int = 0) -> object:
    """A container's items, nested ones frozen too (``CORS_RESOURCES["/api/*"]["origins"]``),
    to see it changed in place. The leaves are kept as they are, compared, never copied."""
    if depth > 4:
        return value
    if isinstance(value, Mapping):
        return tuple((key, _items(item, depth + 1)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_items(item, depth + 1) for item in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(value)
    return value if depth else None


def _same(now: object, read: object) -> bool:
    """The value read, or an equal one (a config loaded again); never raises."""
    if now is read:
        return True
    try:
        return bool(now == read)
    except Exception:
        return False


def config_snapshot(config: Mapping[str, object]) -> dict[str, tuple[object, object]]:
    """The ``CORS_*`` keys as read, by identity and their items: a lock or a bound method
    in the config is kept as it is, never copied or pickled."""
    return {key: (value, _items(value)) for key, value in cors_keys(config).items()}


def _url_of(rule: Rule) -> tuple[str, str | None, str | None]:
    return (rule.rule, rule.subdomain, rule.host)


#: How many redirects (trailing slash, merge_slashes) a preflight's URL may take.
MAX_REDIRECTS = 5


@dataclass(eq=False)
class RuleTable:
    """Per-app: the layers, and each rule's resolved entry.

    Entries are keyed by ``id(rule)`` (werkzeug rules are not hashable) and hold the
    rule itself, so no other rule can ever share that id while the entry exists.
    """

    app: Flask
    #: The app-level options (keywords over ``CORS_*`` keys), inherited by every layer.
    defaults: Layer
    #: ``(pattern, layer)``: the first pattern matching a rule gives it the app-level policy.
    resources: Resources
    #: Origins are named at the app level and no ``resources`` narrows them: every route.
    covers_every_route: bool = False
    #: The write gate also covers the routes no policy covers (they take no cross-origin write).
    protect_all_routes: bool = False
    #: Where the app level wrote ``origins`` and ``supports_credentials``, as written:
    #: ``"app.config['CORS_SUPPORTS_CREDENTIALS']"``, ``"CrossOrigin(supports_credentials=...)"``.
    app_written: dict[str, str] = field(default_factory=dict)
    #: The ``CORS_*`` keys as ``init_app`` read them (see :func:`config_snapshot`).
    config_read: dict[str, tuple[object, object]] = field(default_factory=dict)
    _entries: dict[int, tuple[Rule, Entry, Gate]] = field(default_factory=dict)
    #: The view each entry was resolved with: one registered or replaced later (a rule
    #: added before its view, ``@app.endpoint`` after ``init_app``) is resolved again.
    _views: dict[int, object] = field(default_factory=dict)
    #: The URLs (rule, subdomain, host) that some rule with a policy serves: an OPTIONS to
    #: one is a CORS matter even when the rule that routes it has no policy of its own.
    _covered_urls: set[tuple[str, str | None, str | None]] = field(default_factory=set)
    #: Some request must be refused with a 500 (a route's policy, or the config, is broken).
    has_errors: bool = False
    #: ``CORS_*`` keys changed after ``init_app``: the requests they would answer wrongly fail.
    app_error: CorsConfigError | None = None
    #: The late keys change coverage, so every route's answer may be wrong.
    app_error_everywhere: bool = False
    #: False until every rule known at the first request has been resolved.
    ready: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # Resolution: once per rule.

    def layers(self, rule: Rule) -> tuple[Layer, str, dict[str, tuple[str, str]]] | None:
        """The merged options for ``rule``, where its policy comes from, or None.

        The third value says where ``origins`` and ``supports_credentials`` were written
        (:data:`~flask_crossorigin._options.WrittenBy`), for an error that names both.
        """
        if rule.endpoint is None:  # Rule(..., redirect_to=...): no view, nothing to cover
            return None
        merged: list[Layer] = [self.defaults]
        written_by = {name: ("app", label) for name, label in self.app_written.items()}

        covering: tuple[str, str] | None = None  # the lowest layer that covers the route

        def take(layer: Layer, level: str, label: str) -> None:
            nonlocal covering
            merged.append(layer)
            covering = (level, label)
            for name in ("origins", "supports_credentials"):
                if name in layer:
                    written_by[name] = (level, label)

        source = "app" if self.covers_every_route else None
        for pattern, options, written, _literal in self.resources:
            if pattern.fullmatch(rule.rule):
                take(options, "resources", f"resources[{written!r}]")
                source = "resources"
                break
        endpoint = rule.endpoint
        parts = endpoint.split(".")[:-1]
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            blueprint_options = view_options(self.app.blueprints.get(name))
            if blueprint_options is not None:
                take(blueprint_options, "blueprint", f"blueprint {name!r}")
                source = "blueprint"
        view = self.app.view_functions.get(endpoint)
        view_class: type | None = getattr(view, "view_class", None)
        method_decorators = getattr(view_class, "method_decorators", None) or ()
        if isinstance(method_decorators, Mapping):  # Flask-RESTful: per method
            method_decorators = [d for ds in method_decorators.values() for d in ds]
        if any(getattr(d, DECORATOR_ATTR, False) for d in method_decorators):
            raise CorsConfigError(
                f"endpoint {endpoint!r}: cross_origin(...) in method_decorators of "
                f"{getattr(view_class, '__name__', '?')} is applied per call, after the "
                "preflight; write decorators = [cross_origin(...)] in the class instead"
            )
        class_methods: Iterable[str] = getattr(view_class, "methods", None) or ()
        for name in class_methods:
            if view_options(getattr(view_class, name.lower(), None)) is not None:
                raise CorsConfigError(
                    f"endpoint {endpoint!r}: @cross_origin on a method of "
                    f"{getattr(view_class, '__name__', '?')} would be ignored; "
                    "put it on the class: decorators = [cross_origin(...)]"
                )
        methods = [getattr(view_class, n.lower(), None) for n in class_methods]
        if any(getattr(d, EXEMPT_ATTR, False) for d in [*method_decorators, *methods]):
            raise CorsConfigError(
                f"endpoint {endpoint!r}: exempt_writes on a method of "
                f"{getattr(view_class, '__name__', '?')} would be ignored (the write gate "
                "runs before any method); put @exempt_writes on the class itself"
            )
        if lost_decoration(view, self.app.view_functions.values()):
            raise CorsConfigError(
                f"endpoint {endpoint!r}: @cross_origin is written above @app.route, so the "
                "route was registered without it; put @cross_origin below @app.route"
            )
        decorator_options = view_options(view)
        if decorator_options is not None:
            take(decorator_options, "decorator", f"@cross_origin on {endpoint!r}")
            source = "decorator"
        if covering is not None and "origins" not in written_by:
            # Nobody wrote origins: the covering layer's default '*' is the one in force.
            level, label = covering
            written_by["origins"] = (level, f"{label} (its default)")
        return None if source is None else (merge(*merged), source, written_by)

    def gate_of(self, rule: Rule, entry: Entry) -> Gate:
        """What the write gate does on ``rule``, decided once with its policy."""
        view = self.app.view_functions.get(rule.endpoint) if rule.endpoint else None
        if is_exempt(view, self.app.blueprints, rule.endpoint):  # type: ignore[arg-type]
            return Gate.EXEMPT
        if isinstance(entry, Policy):
            return _GATES[entry.protect_writes]
        if self.protect_all_routes and entry is None and rule.endpoint is not None:
            return _GATES[settle(self.defaults)["protect_writes"]]
        return Gate.OFF

    def _resolve(self, rule: Rule) -> Entry:
        try:
            layers = self.layers(rule)
            if layers is None:
                entry: Entry = None
            else:
                layer, source, written_by = layers
                settings = settle(layer)
                where = f"endpoint {rule.endpoint!r} (rule {rule.rule!r})"
                problems = combination_problems(settings, where, written_by)
                if problems:
                    raise CorsConfigError.collect(problems)
                entry = Policy.build(settings, self.served_methods(rule), source)
        except CorsConfigError as error:
            entry = error
            self.has_errors = True
        if isinstance(entry, Policy):
            self._covered_urls.add(_url_of(rule))
        self._entries[id(rule)] = (rule, entry, self.gate_of(rule, entry))
        self._views[id(rule)] = self.app.view_functions.get(rule.endpoint or "")
        return entry

    @staticmethod
    def served_methods(rule: Rule) -> list[str]:
        """The methods the route serves: not HEAD, nor the OPTIONS that Flask adds by itself.

        A route that declares OPTIONS itself serves it (Flask then leaves it to the view).
        """
        methods = set(rule.methods or ()) - {"HEAD"}
        if getattr(rule, "provide_automatic_options", True):
            methods.discard("OPTIONS")
        return sorted(methods)

    def entry(self, rule: Rule) -> Entry:
        """The rule's entry, resolved now if the rule is new."""
        found = self._entries.get(id(rule))
        if found is not None:
            return found[1]
        entry = self._resolve(rule)
        if self.ready and isinstance(entry, CorsConfigError):  # a route added after that
            logger.error("CORS configuration error; its route will answer 500: %s", entry)
        return entry

    def covers_url(self, rule: Rule) -> bool:
        """Whether ``rule``'s URL is served with a policy, by ``rule`` or a sibling rule."""
        return self.policy_for(rule) is not None or _url_of(rule) in self._covered_urls

    def policy_for(self, rule: Rule) -> Policy | None:
        """The rule's policy; ``None`` for no policy, and for one that cannot be built."""
        found = self._entries.get(id(rule))  # on every response: no call to entry()
        entry = found[1] if found is not None else self.entry(rule)
        return entry if entry.__class__ is Policy else None

    def gate_for(self, rule: Rule) -> tuple[Gate, Policy | None]:
        """The gate of ``rule`` and its policy (for a write to it)."""
        found = self._entries.get(id(rule))
        if found is None:
            self.entry(rule)
            found = self._entries[id(rule)]
        entry = found[1]
        return found[2], entry if isinstance(entry, Policy) else None

    def resolve_new_rules(self) -> list[CorsConfigError]:
        """Resolve every rule not seen yet; return the errors instead of stopping at one."""
        errors: list[CorsConfigError] = []
        for rule in self.app.url_map.iter_rules():
            if id(rule) not in self._entries:
                entry = self._resolve(rule)
                if isinstance(entry, CorsConfigError):
                    errors.append(entry)
        return errors

    def resolve_all(self) -> None:
        """Resolve every rule, and raise every configuration error found, together.

        ``CORS_*`` keys changed since ``init_app`` read them are one of those errors.
        """
        self.resolve_new_rules()
        late = self._late_config_error()
        problems = list(late.problems) if late is not None else []
        if any(rule.endpoint != "static" for rule in self.app.url_map.iter_rules()):
            problems += self._literal_resource_problems()  # else: decided at the first request
        problems += [
            problem
            for _rule, entry, _gate in list(self._entries.values())
            if isinstance(entry, CorsConfigError)
            for problem in entry.problems
        ]
        if problems:
            raise CorsConfigError.collect(problems)

    def resolve_first_request(self) -> None:
        """Resolve the routes added after ``init_app``, once, whichever thread comes first.

        A route whose layers make a bad combination is logged here, as an error, and
        answers 500 from then on; every other route is served as usual. Other threads
        wait on the lock, so none can reach a view before its route is resolved.
        """
        with self._lock:
            if self.ready:
                return
            for rule in self.app.url_map.iter_rules():
                view = self.app.view_functions.get(rule.endpoint or "")
                if id(rule) in self._entries and self._views.get(id(rule)) is not view:
                    del self._entries[id(rule)]  # its view came (or changed) after init_app
            self.app_error = self._late_config_error()
            literal = self._literal_resource_problems()
            if literal:
                self.app_error_everywhere = True
                earlier = self.app_error.problems if self.app_error is not None else ()
                self.app_error = CorsConfigError.collect([*earlier, *literal])
            if self.app_error is not None:
                self.has_errors = True
                logger.error(
                    "CORS configuration error; %s will answer 500: %s",
                    "every request" if self.app_error_everywhere else "every covered route",
                    self.app_error,
                )
            for error in self.resolve_new_rules():
                logger.error("CORS configuration error; its route will answer 500: %s", error)
            self._warn_about_coverage()
            self.ready = True

    def _late_config_error(self) -> CorsConfigError | None:
        """``CORS_*`` keys set or changed since ``init_app`` read them: they would be ignored."""
        now = cors_keys(self.app.config)
        read = self.config_read
        late = sorted(
            key
            for key in set(now) | set(read)
            if key not in now
            or key not in read
            or not _same(now[key], read[key][0])
            or not _same(_items(now[key]), read[key][1])
        )
        if not late:
            return None
        self.app_error_everywhere = bool(COVERAGE_KEYS.intersection(late))
        return CorsConfigError(
            f"app.config: {', '.join(late)} set after CrossOrigin(app) read the config, "
            "so it would be ignored; set every CORS_* key before CrossOrigin(app) "
            "(or cors.init_app(app)) is called"
        )

    def _literal_resource_problems(self) -> list[str]:
        """Regex-looking ``resources`` strings that are not exactly some route's rule."""
        rules = {rule.rule for rule in self.app.url_map.iter_rules()}
        return [
            regex_looking_resource(resource.written)
            for resource in self.resources
            if resource.must_be_a_rule and resource.written not in rules
        ]

    def _warn_about_coverage(self) -> None:
        """At the first request: no route has a policy, or a ``resources`` pattern matches none."""
        entries = list(self._entries.values())
        rules = [rule for rule, _entry, _gate in entries]
        if not any(isinstance(entry, Policy) for _rule, entry, _gate in entries):
            logger.warning(
                "CrossOrigin is installed but no route has a CORS policy, so every "
                "cross-origin request is refused. Open routes with @cross_origin(...) on a "
                "view, cors.init_app(blueprint, origins=[...]) for a blueprint, or "
                "CrossOrigin(app, origins=[...]) for the app (resources=... narrows it)"
            )
        for pattern, _options, written, _literal in self.resources:
            if not any(pattern.fullmatch(rule.rule) for rule in rules):
                logger.warning(
                    "resources pattern %r matches no route, so it opens nothing; it is "
                    "matched against whole rules as written, such as %r",
                    written,
                    rules[0].rule if rules else "/api/<int:id>",
                )

    def request_error(self, rule: Rule | None) -> CorsConfigError | None:
        """The error that a request to ``rule`` must answer with a 500, if any.

        Only the requests whose answer would be wrong fail: those to a route whose policy
        cannot be built, and, when ``CORS_*`` keys changed after ``init_app``, those to
        a covered route (every route, when the change alters coverage).
        """
        entry = self.entry(rule) if rule is not None else None
        if isinstance(entry, CorsConfigError):
            return entry
        if self.app_error is not None and (self.app_error_everywhere or entry is not None):
            return self.app_error
        return None

    # Matching a URL to the rule that will serve it.

    def target_rule(self, req: Request, method: str) -> Rule | None:
        """The rule that serves ``method`` on this request's URL, following redirects.

        A preflight is answered for the view of the *actual* request (Fetch,
        "CORS-preflight fetch"), and a browser fails a preflight answered with a
        redirect, so the redirect's target is resolved here instead.
        """
        rule = req.url_rule
        if rule is not None and rule.methods is not None and method in rule.methods:
            return rule
        adapter = self.app.create_url_adapter(req)
        if adapter is None:  # pragma: no cover - a request always has an adapter
            return None
        path = req.path
        for _ in range(MAX_REDIRECTS):
            try:
                matched, _args = adapter.match(path, method=method, return_rule=True)
                return matched
            except RequestRedirect as redirect:
                target = urlsplit(redirect.new_url)
                if target.netloc and target.netloc.lower() != req.host.lower():
                    return None  # another site's URL: none of this app's policies apply
                path = unquote(target.path)
                root = req.script_root
                if root and path.startswith(root):
                    path = path[len(root) :]
            except HTTPException:
                return None
        return None

    def covering_rule(self, req: Request) -> Rule | None:
        """The rule that covers this request's URL whatever the method (for a refusal).

        Usually the one that answers OPTIONS there; on a route without automatic
        OPTIONS, the first rule of those that serve the URL.
        """
        rule = self.target_rule(req, "OPTIONS")
        routing = req.routing_exception
        if rule is None and isinstance(routing, MethodNotAllowed):
            for method in sorted(routing.valid_methods or ()):
                rule = self.target_rule(req, method)
                if rule is not None:
                    break
        return rule

    def rule_for_response(self, req: Request) -> Rule | None:
        """The rule whose policy an actual response gets, also when routing failed.

        A 405 is an error response of its URL, readable like a 404 (the rule that
        answers OPTIONS there is the one that covers the URL); a redirect gets the
        policy of the route it redirects to, as browsers CORS-check every hop.
        """
        rule = req.url_rule
        if rule is not None:
            return rule
        routing = req.routing_exception
        if isinstance(routing, MethodNotAllowed):
            return self.covering_rule(req)
        if isinstance(routing, RequestRedirect):
            return self.target_rule(req, req.method)
        return None
