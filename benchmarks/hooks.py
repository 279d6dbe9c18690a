"""The two hooks' own cost, in nanoseconds: called directly, without the rest of Flask.

``bench.py`` measures whole requests, whose ratios move by a few percent from run to run
on a shared machine; this measures only what the extension adds, as the best of many
batches, so that a change to the request path shows even when it is a fraction of a
microsecond. Run it from the repository root, or from a checkout of another version to
compare (``python benchmarks/hooks.py`` in each)::

    python benchmarks/hooks.py
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps import allowed_origin, build_app, last_path
from flask import Response

REFUSED = "https://refused.example"
#: Each scenario's method and request headers. A refused Origin is answered without
#: CORS headers and told once per request (the request context is reused here, so told
#: once in all); a browser's Fetch Metadata says the answer will be CORS-checked, curl's
#: absence of it leaves the request's own origin to work out. A POST goes through the
#: write gate: allowed, it runs the view; refused, ``before_request`` answers 403.
SCENARIOS: dict[str, tuple[str, dict[str, str]]] = {
    "GET, allowed Origin": ("GET", {"Origin": allowed_origin(1)}),
    "GET, no Origin": ("GET", {}),
    "GET, refused Origin": ("GET", {"Origin": REFUSED}),
    "GET, refused, Sec-Fetch": (
        "GET",
        {"Origin": REFUSED, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"},
    ),
    "POST, allowed Origin": ("POST", {"Origin": allowed_origin(1)}),
    "POST, refused Origin": ("POST", {"Origin": REFUSED}),
}


def measure(
    method: str, headers: dict[str, str], number: int = 20_000, repeat: int = 15
) -> tuple[float, float]:
    """The best per-call time of ``before_request`` and of ``after_request``, in ns."""
    app = build_app("ours", "resources", 1, 1)
    before = app.before_request_funcs[None][0]
    after = app.after_request_funcs[None][-1]
    response = Response("ok")
    lines = list(response.headers.items())
    names = {"before": before, "after": after, "response": response, "lines": lines}
    with app.test_request_context(last_path(1), method=method, headers=headers):
        reset = min(
            timeit.repeat(
                "response.headers.clear(); response.headers.extend(lines)",
                number=number,
                repeat=repeat,
                globals=names,
            )
        )
        before_ns = min(timeit.repeat("before()", number=number, repeat=repeat, globals=names))
        after_ns = min(
            timeit.repeat(
                "response.headers.clear(); response.headers.extend(lines); after(response)",
                number=number,
                repeat=repeat,
                globals=names,
            )
        )
    return before_ns / number * 1e9, (after_ns - reset) / number * 1e9


def main() -> None:
    import flask_crossorigin

    print(f"flask_crossorigin from {Path(flask_crossorigin.__file__).parent}")
    for title, (method, headers) in SCENARIOS.items():
        before_ns, after_ns = measure(method, headers)
        print(
            f"{title:23}  before_request {before_ns:6.0f} ns  after_request {after_ns:6.0f} ns"
            f"  both {before_ns + after_ns:6.0f} ns"
        )


if __name__ == "__main__":
    main()
