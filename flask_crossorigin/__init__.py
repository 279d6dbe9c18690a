"""Cross-Origin Resource Sharing for Flask: per-route policies, validated at start-up.

``CrossOrigin(app)`` installs the hooks, ``@cross_origin(...)`` gives a view its own
policy, and ``CorsConfigError`` is raised for a configuration a browser would reject.
"""

from .decorator import cross_origin
from .errors import CorsConfigError
from .extension import CrossOrigin

__all__ = ["CorsConfigError", "CrossOrigin", "cross_origin"]
