"""Options: what the user wrote, turned once into a parsed, validated layer.

A *layer* is the options of one place (a decorator, a blueprint, a ``resources``
entry, the app's keyword arguments, the ``CORS_*`` keys), each value already in the
form a :class:`~flask_crossorigin._policy.Policy` is built from. Layers are parsed
when they are written and merged, option by option, when a route is resolved.

Every problem found in one layer is reported together, in one
:class:`~flask_crossorigin._errors.CorsConfigError`, so a user fixes them in one go.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Literal, NamedTuple, TypedDict, cast

from ._browser import ENGINE_NAMES, MAX_AGE_CAPS
from ._errors import CorsConfigError
from ._http import TOKEN
from ._origins import DynamicOrigins, OriginMatcher, parse_origins

if TYPE_CHECKING:
    from typing import TypeAlias

logger = logging.getLogger("flask_crossorigin")

# What the user may write.

#: One allowed origin: an origin, a ``*.`` pattern, a compiled regex, a check or a source.
OriginSpec: TypeAlias = str | re.Pattern[str] | Callable[[str], bool] | DynamicOrigins
#: A ``resources`` pattern: ``"/api/*"`` (``*`` matches anything) or a compiled regex.
ResourcePattern: TypeAlias = str | re.Pattern[str]


class CorsOptions(TypedDict, total=False):
    """The options of one policy, as ``cross_origin(...)`` and a blueprint take them.

    The names are those of flask-cors where the concept is the same. This class is
    the one place they are written: the parsers and the API page's list of options
    (with ``OPTION_DOCS``) are keyed by its keys.
    """

    origins: OriginSpec | Iterable[OriginSpec]
    methods: str | Iterable[str]
    allow_headers: str | Iterable[str]
    expose_headers: str | Iterable[str]
    supports_credentials: bool
    max_age: int | timedelta | None
    allow_private_network: bool
    protect_writes: bool | Literal["report"]


class AppOptions(CorsOptions, total=False):
    """The app-level options: a policy's, plus which routes it covers and the gate's reach."""

    resources: ResourcePattern | Iterable[ResourcePattern] | Mapping[ResourcePattern, CorsOptions]
    protect_all_routes: bool


# What a layer holds once parsed.

AllowHeaders: TypeAlias = Literal["*"] | tuple[str, ...]


class Layer(TypedDict, total=False):
    """One place's options, parsed: only the options that place names."""

    origins: OriginMatcher
    methods: tuple[str, ...]
    allow_headers: AllowHeaders
    expose_headers: tuple[str, ...]
    supports_credentials: bool
    max_age: int | None
    allow_private_network: bool
    protect_writes: bool | Literal["report"]


class Settings(TypedDict):
    """Every option with a value: the defaults with the layers of one route merged in."""

    origins: OriginMatcher
    #: ``None``: the methods the route itself serves.
    methods: tuple[str, ...] | None
    allow_headers: AllowHeaders
    expose_headers: tuple[str, ...]
    supports_credentials: bool
    max_age: int | None
    allow_private_network: bool
    protect_writes: bool | Literal["report"]


DEFAULTS = Settings(
    origins=OriginMatcher(any_origin=True),
    methods=None,
    allow_headers="*",
    expose_headers=(),
    supports_credentials=False,
    max_age=None,
    allow_private_network=False,
    protect_writes=True,
)

#: The policy options, in the order the docs list them.
POLICY_OPTIONS: tuple[str, ...] = tuple(CorsOptions.__annotations__)
#: Options of the app level alone: ``resources`` says which routes the app-level policy
#: covers, ``protect_all_routes`` extends the write gate to the routes no policy covers.
APP_ONLY_OPTIONS: tuple[str, ...] = ("resources", "protect_all_routes")
APP_OPTIONS: tuple[str, ...] = (*POLICY_OPTIONS, *APP_ONLY_OPTIONS)
#: The app-only options' values when no layer names them.
APP_ONLY_DEFAULTS: dict[str, object] = {"resources": (), "protect_all_routes": False}

#: What each option does and an example of it, for the API page (docs/_ext/cors_options.py
#: builds each option's entry from this, the typed options and the defaults above).
OPTION_DOCS: dict[str, tuple[str, str]] = {
    "origins": (
        "The origins whose pages may read the answers, sent as ``Access-Control-Allow-Origin``: "
        "``'*'``, an origin, a ``'https://*.earth.com'`` pattern (one or more subdomain labels, "
        "never the bare domain), ``re.compile(...)`` (full match), a callable "
        "``(origin) -> bool``, an :class:`~flask_crossorigin.OriginSource`, or a list of these "
        "(``[]`` allows none). The default ``'*'`` applies inside a decorator, a blueprint "
        "policy or a ``resources`` entry; at the app level, naming ``origins`` is what covers "
        "every route.",
        'origins=["https://earth.com", "https://*.earth.com"]',
    ),
    "methods": (
        "The methods allowed, sent as ``Access-Control-Allow-Methods``. The default, ``None``, "
        "allows the methods the route serves.",
        'methods=["GET", "POST"]',
    ),
    "allow_headers": (
        "The request headers a preflight may ask for, sent as ``Access-Control-Allow-Headers``: "
        "``'*'`` echoes the names asked for (never a literal ``*``); a list allows those names "
        "(``[]``: none). Names only, never regular expressions.",
        'allow_headers=["Content-Type", "X-Company-Id"]',
    ),
    "expose_headers": (
        "Response headers the page's JavaScript may read beyond the always-readable ones, "
        "sent as ``Access-Control-Expose-Headers``.",
        'expose_headers=["X-Total-Count"]',
    ),
    "supports_credentials": (
        "Whether pages may send cookies or HTTP authentication and read the answer, sent as "
        "``Access-Control-Allow-Credentials: true``. Needs listed origins, never ``'*'``.",
        "supports_credentials=True",
    ),
    "max_age": (
        "How long a browser may reuse a preflight's answer, in whole seconds or a "
        "``timedelta``, sent as ``Access-Control-Max-Age``; ``None`` sends no header. A value "
        "that Chromium would cut (above 7200 s) logs a WARNING naming each engine cap it "
        "exceeds.",
        "max_age=600",
    ),
    "allow_private_network": (
        "Whether a public page may reach this private-network address, sent as "
        "``Access-Control-Allow-Private-Network: true`` when the preflight asks for it.",
        "allow_private_network=True",
    ),
    "protect_writes": (
        "The write gate: ``True`` answers ``403``, before the view runs, to a cross-origin "
        "write that the policy would have refused had it been preflighted (a form POST, a "
        "beacon, a WebSocket handshake); ``'report'`` only logs it and sends "
        "``cors_refused``; ``False`` turns the gate off.",
        'protect_writes="report"',
    ),
    "resources": (
        "Which routes the app-level policy covers: a ``'/api/*'`` glob matched against the "
        "route's rule, ``re.compile(...)`` (full match), a list of those, or a dict "
        "``pattern -> options`` (the first matching pattern wins). Unset, the app-level "
        "policy covers every route once ``origins`` is named there.",
        'resources={"/api/admin/*": {"origins": "https://ops.earth.com"}, "/api/*": {}}',
    ),
    "protect_all_routes": (
        "Whether the write gate also covers the routes no policy covers: they then take no "
        "cross-origin write at all.",
        "protect_all_routes=True",
    ),
}
assert tuple(OPTION_DOCS) == APP_OPTIONS, "one entry per option of AppOptions"

#: flask-cors options that have no place here, and what to do instead (``{name}`` is
#: the option as the user wrote it: a keyword, or a ``CORS_*`` key).
FLASK_CORS_ONLY = {
    "send_wildcard": "'*' is sent whenever origins='*' and credentials are off, "
    "the request's own origin otherwise; remove {name}",
    "always_send": "CORS headers are sent on every response of a covered route that has an "
    "allowed Origin, and never without an Origin (a response without one is not read by a "
    "browser as cross-origin); remove {name}",
    "vary_header": "Vary is managed for you and is exactly as wide as the answer "
    "depends on; remove {name}",
    "automatic_options": "preflights are always answered by the extension before any "
    "view or hook; remove {name}",
    "intercept_exceptions": "error responses (404, 500, abort()) always carry the route's "
    "CORS headers; remove {name}",
}

#: Fetch, "forbidden method": ``fetch()`` throws before sending one.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})


# One parser per option: a value in, the parsed value out, or CorsConfigError.


def _names(option: str, value: object, *, upper: bool) -> tuple[str, ...]:
    """A token or a list of tokens (a comma-separated string is split)."""
    if isinstance(value, str):
        items: list[object] = [part.strip() for part in value.split(",")]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
    else:
        raise CorsConfigError(f"{option}: {value!r} is not a name or a list of names")
    names: list[str] = []
    for item in items:
        if not isinstance(item, str) or not TOKEN.fullmatch(item):
            raise CorsConfigError(
                f"{option}: {item!r} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~); "
                "check for spaces or quotes"
            )
        name = item.upper() if upper else item
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
    if not names:
        raise CorsConfigError(f"{option}: {value!r} names nothing; remove the option instead")
    return tuple(names)


def _parse_methods(value: object) -> tuple[str, ...]:
    methods = _names("methods", value, upper=True)
    for method in methods:
        if method in FORBIDDEN_METHODS:
            raise CorsConfigError(
                f"methods: {method!r} is a forbidden method; browsers never send it "
                "from fetch() or XMLHttpRequest, so remove it"
            )
        if method == "*":
            raise CorsConfigError(
                "methods: '*' is not supported; list the methods, or leave methods "
                "out to allow the ones the route serves"
            )
    return methods


#: Characters that mean a pattern was written as a regular expression in a plain string.
#: A lone ``+`` is a quantifier (``/api/v1+``); a doubled one is literal (``/c++/*``).
REGEX_HINTS = re.compile(r"[\\^$()\[\]{}|?]|\.\*|(?<!\+)\+(?!\+)")


def _parse_allow_headers(value: object) -> AllowHeaders:
    if value == "*":
        return "*"
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        value = list(value)
        if not value:
            return ()  # no request header allowed: a preflight that asks for one is refused
    items = [value] if isinstance(value, (str, re.Pattern)) else value
    if isinstance(items, Iterable):
        for item in items:
            if isinstance(item, re.Pattern) or (
                isinstance(item, str) and item != "*" and ("*" in item or REGEX_HINTS.search(item))
            ):
                shown = item.pattern if isinstance(item, re.Pattern) else item
                raise CorsConfigError(
                    f"allow_headers: {shown!r} looks like a regular expression, but "
                    "allow_headers takes header names; list them (e.g. "
                    "['Content-Type', 'X-Company-Id']), or allow_headers='*' for any"
                )
    headers = _names("allow_headers", value, upper=False)
    if "*" in headers:
        raise CorsConfigError("allow_headers: '*' must stand alone: allow_headers='*'")
    return headers


def _parse_expose_headers(value: object) -> tuple[str, ...]:
    headers = _names("expose_headers", value, upper=False)
    if any(h.lower() in ("set-cookie", "set-cookie2") for h in headers):
        raise CorsConfigError(
            f"expose_headers: {value!r} names Set-Cookie, which browsers never expose; remove it"
        )
    return headers


def _bool(option: str) -> Callable[[object], bool]:
    def parse(value: object) -> bool:
        if not isinstance(value, bool):
            raise CorsConfigError(f"{option}: {value!r} is not a bool; use True or False")
        return value

    return parse


def _parse_protect_writes(value: object) -> bool | Literal["report"]:
    if isinstance(value, bool):
        return value
    if value == "report":
        return "report"
    raise CorsConfigError(
        f"protect_writes: {value!r} is not True, False or 'report'; True refuses "
        "cross-origin writes the policy does not allow, 'report' only logs them"
    )


def _parse_max_age(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds != int(seconds):
            raise CorsConfigError(f"max_age: {value!r} is not a whole number of seconds")
        value = int(seconds)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CorsConfigError(
            f"max_age: {value!r} is not an integer; give seconds (e.g. 600), a timedelta, or None"
        )
    if value < 0:
        raise CorsConfigError(f"max_age: {value!r} is negative; give 0 or more seconds, or None")
    if value > MAX_AGE_CAPS["chromium"]:  # below it only Safari cuts: common and harmless
        exceeded = [
            f"{ENGINE_NAMES[engine]} caps the preflight cache at {cap} s"
            for engine, cap in sorted(MAX_AGE_CAPS.items(), key=lambda item: -item[1])
            if value > cap
        ]
        logger.warning("max_age=%d: %s", value, "; ".join(exceeded))
    return value


#: One parser per option name, in the order of :class:`CorsOptions`.
PARSERS: dict[str, Callable[[object], object]] = {
    "origins": parse_origins,
    "methods": _parse_methods,
    "allow_headers": _parse_allow_headers,
    "expose_headers": _parse_expose_headers,
    "supports_credentials": _bool("supports_credentials"),
    "max_age": _parse_max_age,
    "allow_private_network": _bool("allow_private_network"),
    "protect_writes": _parse_protect_writes,
}
assert tuple(PARSERS) == POLICY_OPTIONS, "one parser per option of CorsOptions"


# Names: unknown ones, flask-cors ones, the app-level one.


def check_names(
    options: Mapping[str, object], where: str, allowed: tuple[str, ...], *, config: bool = False
) -> list[str]:
    """Raise ``TypeError`` for unknown names; return the problems with known-but-wrong ones.

    flask-cors silently ignores unknown names, so ``support_credentials=True`` ships
    to production doing nothing; here it stops the app from starting. Every unknown
    name of the call is in the one ``TypeError``, each with its closest valid name, and
    so are the other problems found with the names. With ``config``, names are shown
    as the ``CORS_*`` keys the user wrote.
    """

    def shown(name: str) -> str:
        return f"CORS_{name.upper()}" if config else name

    what = "key" if config else "option"
    problems: list[str] = []
    unknown: list[str] = []
    for name in options:
        if name in FLASK_CORS_ONLY:
            fix = FLASK_CORS_ONLY[name].format(name=shown(name))
            problems.append(f"{where}: {shown(name)} is a flask-cors {what}: {fix}")
        elif name in APP_ONLY_OPTIONS and name not in allowed:
            problems.append(
                f"{where}: {name} is an app-level option; give it to CrossOrigin(app, ...) "
                "or init_app(app, ...)"
            )
        elif name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {shown(close[0])!r}?)" if close else ""
            unknown.append(f"{shown(name)!r}{hint}")
    if unknown:
        listed = unknown[0] if len(unknown) == 1 else ", ".join(unknown)
        also = "".join(f"; also: {problem}" for problem in problems)
        raise TypeError(
            f"{where} got {'an unknown' if len(unknown) == 1 else 'unknown'} "
            f"{what}{'s' if len(unknown) > 1 else ''} {listed}; "
            f"valid {what}s: {', '.join(shown(option) for option in allowed)}{also}"
        )
    return problems


#: Where an option's value was written, for a route whose layers disagree:
#: ``(level, label)``, level one of ``"app"``, ``"resources"``, ``"blueprint"``,
#: ``"decorator"`` (absent: the default), label as the user wrote it
#: (``"app.config['CORS_SUPPORTS_CREDENTIALS']"``, ``"blueprint 'public'"``).
WrittenBy: TypeAlias = Mapping[str, tuple[str, str]]


def _public_fix(level: str, label: str) -> str:
    """Credentials off where ``origins='*'`` was written: pasteable at that place."""
    label = label.removesuffix(" (its default)")
    if level == "blueprint":
        return "init_app(blueprint, origins='*', supports_credentials=False)"
    if level == "resources":
        pattern = label.removeprefix("resources[").removesuffix("]")
        return f"resources={{{pattern}: {{'origins': '*', 'supports_credentials': False}}}}"
    return "@cross_origin(origins='*', supports_credentials=False)"


def _wildcard_with_credentials(where: str, written_by: WrittenBy | None) -> str:
    """The problem of ``'*'`` with credentials, saying which layer wrote each when they differ."""
    said = f"{where}: supports_credentials=True with origins='*'"
    reject = ": browsers reject '*' on a credentialed response; "
    fix = "list the origins, e.g. origins=['https://earth.com']"
    credentials = (written_by or {}).get("supports_credentials")
    origins = (written_by or {}).get("origins")
    if credentials is None or origins is None or credentials == origins:
        return said + reject + fix
    inherited = RANKS[credentials[0]] < RANKS[origins[0]]
    said += (
        f" (supports_credentials=True {'inherited ' if inherited else ''}from {credentials[1]}, "
        f"origins='*' {'' if inherited else 'inherited '}from {origins[1]})" + reject + fix
    )
    if inherited:
        said += (
            f", or, where those routes are public (their requests need no cookies), turn "
            f"credentials off in {origins[1]}: {_public_fix(*origins)}"
        )
    return said


#: The layers from the app level down; a lower one inherits from a higher one.
RANKS = {"app": 1, "resources": 2, "blueprint": 3, "decorator": 4}


def combination_problems(
    layer: Layer | Settings, where: str, written_by: WrittenBy | None = None
) -> list[str]:
    """The combinations a browser would refuse, as far as ``layer`` decides them.

    :param written_by: for a route's merged layers, where ``origins`` and
        ``supports_credentials`` were written, so that the error names both places.
    """
    if layer.get("supports_credentials") is not True:
        return []
    problems = []
    origins = layer.get("origins")
    if origins is not None and origins.any_origin:
        problems.append(_wildcard_with_credentials(where, written_by))
    if "*" in layer.get("expose_headers", ()):
        problems.append(
            f"{where}: expose_headers='*' with supports_credentials=True: with credentials a "
            "browser reads '*' as a header named '*'; list the headers to expose"
        )
    return problems


def raise_problems(problems: list[str]) -> None:
    """Raise every problem found at once, or return when there is none."""
    if problems:
        raise CorsConfigError.collect(problems)


def _parse_values(
    options: Mapping[str, object], *, config: bool = False
) -> tuple[Layer, list[str]]:
    """Each option through its parser; with ``config``, problems name the ``CORS_*`` key."""
    parsed: dict[str, object] = {}
    problems: list[str] = []
    for name, value in options.items():
        if name in PARSERS:
            try:
                parsed[name] = PARSERS[name](value)
            except CorsConfigError as error:
                prefix = f"app.config['CORS_{name.upper()}']: " if config else ""
                problems.extend(prefix + problem for problem in error.problems)
    return cast(Layer, parsed), problems


def parse_layer(options: Mapping[str, object], where: str) -> Layer:
    """Check the names and values of one layer of policy options, and parse them."""
    problems = check_names(options, where, POLICY_OPTIONS)
    layer, value_problems = _parse_values(options)
    problems += value_problems
    if not value_problems:
        problems += combination_problems(layer, where)
    raise_problems(problems)
    return layer


def merge(*layers: Layer) -> Layer:
    """The layers merged option by option, the last one winning."""
    merged = Layer()
    for layer in layers:
        merged.update(layer)
    return merged


def settle(layer: Layer) -> Settings:
    """``layer`` over the defaults: a value for every option."""
    return cast(Settings, {**DEFAULTS, **layer})


# resources: which routes the app-level policy covers.


def _resource_pattern(pattern: object) -> tuple[re.Pattern[str], bool]:
    """``"/api/*"``: ``*`` matches anything, the rest is literal; a regex is full-matched.

    A string that looks like a regular expression (``"/service+path"``) is taken
    literally, but only if it is exactly the rule of a registered route, checked when
    the routes are known (the second value is then True); see :func:`regex_looking_resource`.
    """
    if isinstance(pattern, re.Pattern):
        return pattern, False
    if not isinstance(pattern, str) or not pattern.startswith(("/", "*", "^")):
        raise CorsConfigError(
            f"resources: {pattern!r} is not a path pattern; give a rule pattern such as "
            "'/api/*', '*', or re.compile(...)"
        )
    if REGEX_HINTS.search(pattern):
        return re.compile(re.escape(pattern)), True
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*"))), False


def regex_looking_resource(written: str) -> str:
    """The error for a regex-looking ``resources`` string that is no route's rule."""
    glob = written.removeprefix("^").removesuffix("$").replace(".*", "*")
    hint = f"{glob!r} (a glob: '*' matches anything), " if not REGEX_HINTS.search(glob) else ""
    return (
        f"resources: {written!r} looks like a regular expression and is not the rule of "
        f"any route, while a string is matched literally except for '*'; for a pattern give "
        f"{hint}re.compile({written!r}); for the literal path give "
        f"re.compile(re.escape({written!r}))"
    )


class Resource(NamedTuple):
    """One ``resources`` entry: the compiled pattern, its options, and the pattern as written."""

    pattern: re.Pattern[str]
    layer: Layer
    written: str
    #: Regex-looking text taken literally: valid only if some route has exactly this rule.
    must_be_a_rule: bool = False


Resources: TypeAlias = tuple[Resource, ...]


def parse_resources(value: object) -> Resources:
    """``resources`` as ``(pattern, layer)`` pairs, in the order given (the first match wins)."""
    items: list[tuple[object, Mapping[str, object]]] = []
    if isinstance(value, Mapping):
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
        raise CorsConfigError(f"resources: {value!r} is not a pattern, a list or a dict")
    parsed: list[Resource] = []
    problems: list[str] = []
    for pattern, options in items:
        try:
            compiled, must_be_a_rule = _resource_pattern(pattern)
            layer = parse_layer(options, f"resources[{pattern!r}]")
            written = pattern if isinstance(pattern, str) else f"re.compile({compiled.pattern!r})"
            parsed.append(Resource(compiled, layer, written, must_be_a_rule))
        except CorsConfigError as error:
            problems.extend(error.problems)
    raise_problems(problems)
    return tuple(parsed)


# The app level: keyword options and CORS_* keys.


def cors_keys(config: Mapping[str, object]) -> dict[str, object]:
    """The ``CORS_*`` keys of a Flask config, as written."""
    return {key: value for key, value in config.items() if key.startswith("CORS_")}


def config_options(config: Mapping[str, object]) -> dict[str, object]:
    """The ``CORS_*`` keys of a Flask config, by option name."""
    return {key[len("CORS_") :].lower(): value for key, value in cors_keys(config).items()}


class AppLayer(Layer, total=False):
    """The app-level options, parsed: a layer, and the app-only options it names."""

    resources: Resources
    protect_all_routes: bool


def parse_app_layer(options: Mapping[str, object], where: str, *, config: bool = False) -> AppLayer:
    """App-level options (keywords, or ``CORS_*`` keys with ``config``), parsed."""
    problems = check_names(options, where, APP_OPTIONS, config=config)
    policy_options = {k: v for k, v in options.items() if k not in APP_ONLY_OPTIONS}
    layer, value_problems = _parse_values(policy_options, config=config)
    problems += value_problems
    parsed = cast(AppLayer, dict(layer))
    if "protect_all_routes" in options:
        try:
            parsed["protect_all_routes"] = _bool("protect_all_routes")(
                options["protect_all_routes"]
            )
        except CorsConfigError as error:
            prefix = "app.config['CORS_PROTECT_ALL_ROUTES']: " if config else ""
            problems.extend(prefix + problem for problem in error.problems)
    if "resources" in options:
        try:
            parsed["resources"] = parse_resources(options["resources"])
        except CorsConfigError as error:
            problems.extend(error.problems)
    raise_problems(problems)
    return parsed


def split_app_layer(*layers: AppLayer) -> tuple[Layer, Resources, bool]:
    """App-level layers merged (the last wins): the defaults, resources, protect_all_routes.

    Logs one WARNING when the merged app-level ``origins`` allow nothing (``[]``, as
    an unset environment variable gives): that is a closed app, which is allowed but
    rarely meant. A ``[]`` on a decorator, blueprint or ``resources`` entry is how a
    route is closed under a broad policy, so it is not warned about.
    """
    merged = AppLayer()
    for layer in layers:
        merged.update(layer)
    resources = cast(Resources, merged.pop("resources", APP_ONLY_DEFAULTS["resources"]))
    protect_all_routes = cast(
        bool, merged.pop("protect_all_routes", APP_ONLY_DEFAULTS["protect_all_routes"])
    )
    origins = merged.get("origins")
    if origins is not None and origins.allows_nothing:
        inherited = [r.written for r in resources if "origins" not in r.layer]
        if not resources or inherited:
            covered = (
                "covers every route"
                if not resources
                else f"covers the routes of resources {', '.join(map(repr, inherited))}"
            )
            logger.warning(
                "the app-level origins are empty (origins=[] or CORS_ORIGINS=[]): the app's "
                "CORS policy %s and allows no origin, so every cross-origin request to them "
                "is refused. To open one, name its origins, e.g. "
                "CORS_ORIGINS=['https://app.example.com'] (an environment variable that is "
                "unset gives []), or give a route its own @cross_origin(origins=[...])",
                covered,
            )
    return cast(Layer, merged), resources, protect_all_routes
