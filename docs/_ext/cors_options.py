"""The ``cors-options`` directive: one entry per option, read from the typed options.

Each entry's type comes from ``CorsOptions``/``AppOptions``, its default from the
defaults the extension itself merges layers over, and its text and example from
``OPTION_DOCS`` beside them, so the API page cannot drift from the code.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

import flask_crossorigin

#: Where each kind of option may be given, highest precedence first.
POLICY_LAYERS = (
    "``@cross_origin(...)``, a blueprint's policy, a ``resources`` entry, "
    "``CrossOrigin(app, ...)`` / ``init_app(app, ...)``, the ``{key}`` config key"
)
APP_LAYERS = "``CrossOrigin(app, ...)`` / ``init_app(app, ...)``, the ``{key}`` config key"


def _options_module() -> Any:
    """The module that defines the typed options, whatever it is named."""
    return sys.modules[flask_crossorigin.CorsOptions.__module__]


def _type(annotation: object) -> str:
    return str(getattr(annotation, "__forward_arg__", annotation))


def _default(value: object) -> str:
    if hasattr(value, "any_origin"):  # the parsed origins: '*' unless it allows nothing
        return "'*'" if value.any_origin else "[]"
    return repr(value)


class Entry(NamedTuple):
    """One option as the API page shows it."""

    owner: str  # the typed dict that declares it: CorsOptions, or AppOptions for app-only ones
    name: str
    type: str
    default: str
    layers: str
    text: str
    example: str


def option_entries() -> list[Entry]:
    """Every option of ``AppOptions``, in the order of the class."""
    options = _options_module()
    policy = flask_crossorigin.CorsOptions.__annotations__
    defaults = {**options.DEFAULTS, **options.APP_ONLY_DEFAULTS}
    entries = []
    for name, annotation in flask_crossorigin.AppOptions.__annotations__.items():
        layers = POLICY_LAYERS if name in policy else APP_LAYERS
        entries.append(
            Entry(
                "CorsOptions" if name in policy else "AppOptions",
                name,
                _type(annotation),
                _default(defaults[name]),
                layers.format(key=f"CORS_{name.upper()}"),
                *options.OPTION_DOCS[name],
            )
        )
    return entries


def options_rst() -> list[str]:
    """The entries as reStructuredText, one ``py:attribute`` per option."""
    lines: list[str] = []
    for entry in option_entries():
        lines += [
            f".. py:attribute:: {entry.owner}.{entry.name}",
            f"    :type: {entry.type}",
            "",
            f"    {entry.text}",
            "",
            f"    :Default: ``{entry.default}``",
            f"    :Given in: {entry.layers}",
            f"    :Example: ``{entry.example}``",
            "",
        ]
    return lines


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class CorsOptionsDirective(SphinxDirective):
        """``.. cors-options::``: every option of ``AppOptions``, in the order of the class."""

        def run(self) -> list[nodes.Node]:
            container = nodes.container()
            source = StringList(options_rst(), source="cors-options")
            self.state.nested_parse(source, self.content_offset, container)
            return list(container.children)

    app.add_directive("cors-options", CorsOptionsDirective)
    return {"parallel_read_safe": True}
