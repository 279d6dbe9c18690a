"""``cors_refused``: one signal per refused CORS request, as Flask's own signals are made.

Receivers get the app as sender and ``endpoint`` (``None`` when no route matched),
``kind`` (``"preflight"``, or ``"GET request"`` and the like for an actual request)
and ``refusal`` (a :class:`~flask_crossorigin.policy.Refusal`: ``rule``, ``value``,
``option``). The refusal log line and ``flask cors check`` are built on it; a user can
count refusals in their metrics (a receiver that raises fails the request, as with
Flask's own signals, so keep receivers simple)::

    from flask_crossorigin import cors_refused

    @cors_refused.connect_via(app)
    def count(sender, endpoint, kind, refusal, **extra):
        metrics.increment("cors.refused", tags={"option": refusal.option})
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent once per refused CORS request (preflight or actual), after the log line.
cors_refused = _signals.signal("cors-refused")
