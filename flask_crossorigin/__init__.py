"""Cross-Origin Resource Sharing for Flask: per-route policies, validated at start-up.

``CrossOrigin(app)`` installs the hooks, ``@cross_origin(...)`` gives a view its own
policy, ``CorsConfigError`` is raised for a configuration a browser would reject, and
``cors_refused`` is sent for every refused request. ``OriginSource`` gives origins
that change at run time.
"""

from .decorator import cross_origin
from .errors import CorsConfigError
from .extension import CrossOrigin
from .options import AppOptions, CorsOptions
from .signals import cors_refused
from .sources import OriginSource

__all__ = [
    "AppOptions",
    "CorsConfigError",
    "CorsOptions",
    "CrossOrigin",
    "OriginSource",
    "cors_refused",
    "cross_origin",
]
