"""Cross-Origin Resource Sharing for Flask: per-route policies, validated at start-up.

``CrossOrigin(app)`` installs the hooks, ``@cross_origin(...)`` gives a view its own
policy, ``CorsConfigError`` is raised for a configuration a browser would reject, and
``cors_refused`` is sent for every refused request. ``OriginSource`` gives origins
that change at run time.
"""

from ._decorator import cross_origin, exempt_writes
from ._errors import CorsConfigError
from ._extension import CrossOrigin
from ._gate import socketio_origins
from ._options import AppOptions, CorsOptions
from ._policy import Refusal
from ._signals import Kind, cors_refused
from ._sources import OriginSource

__all__ = [
    "AppOptions",
    "CorsConfigError",
    "CorsOptions",
    "CrossOrigin",
    "Kind",
    "OriginSource",
    "Refusal",
    "cors_refused",
    "cross_origin",
    "exempt_writes",
    "socketio_origins",
]
