"""Per-request cost of CORS through the WSGI callable: bare Flask, flask-cors, flask_crossorigin.

Run from the repository root::

    python benchmarks/bench.py              # the full table (about 2 minutes on 2 cores)
    python benchmarks/bench.py --quick      # scales 1 and 100, fewer rounds
    python benchmarks/bench.py --scales 1,1000 --rounds 9
    python benchmarks/bench.py --floor      # also bare Flask with two no-op hooks
    python benchmarks/bench.py --profile get-allowed --scale 1 --mode resources

Each app is called directly (``app.wsgi_app(environ, start_response)``) with a copy of
an environ prebuilt by werkzeug's ``EnvironBuilder``; the response iterable is
consumed and closed. For every scale, all scenarios and all three apps are measured
once per round, the apps in a rotating order, so that drift (CPU frequency, other
processes) hits each app alike. A measurement is the mean time of one batch of
requests; the table shows the median over rounds, and each ratio is the median of the
per-round ratios to the bare Flask batch measured next to it.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apps import (
    FLOOR,
    KINDS,
    MODES,
    REFUSED_ORIGIN,
    allowed_origin,
    build_app,
    last_path,
)

Environ = dict[str, Any]
Wsgi = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]

SCENARIOS = (
    "get-allowed",
    "get-source",
    "preflight",
    "get-no-origin",
    "get-refused",
    "post-allowed",
    "post-refused",
)
SCENARIO_TITLES = {
    "get-allowed": "GET, allowed Origin",
    "get-source": "GET, allowed origin from an OriginSource",
    "preflight": "preflight OPTIONS",
    "get-no-origin": "GET, no Origin",
    "get-refused": "GET, refused Origin",
    "post-allowed": "simple POST, allowed Origin",
    "post-refused": "simple POST, refused Origin",
}
DEFAULT_SCALES = (1, 100, 1000, 10000)

#: Targets for ours / bare, from issue 4; and from issue 18, a refused write is answered
#: faster than bare Flask runs the view.
TARGETS = {"get-allowed": 1.08, "get-no-origin": 1.03, "preflight": 0.90, "post-refused": 1.0}
#: Issue 18: an allowed write (through the write gate) costs no more, relative to bare
#: Flask, than an allowed GET measured in the same run.
NO_DEARER_THAN = {"post-allowed": "get-allowed"}
SCALE_DRIFT = 0.05
#: Ours with an OriginSource / ours with the same static list (issue 19).
SOURCE_OVER_STATIC = 1.05


def environ_for(scenario: str, scale: int) -> Environ:
    """The request of ``scenario``, against the last route, with the last allowed origin.

    The POSTs are what a form or a ``no-cors`` ``fetch()`` on another site sends: no
    preflight, ``Sec-Fetch-Site: cross-site`` (CORS-FACTS section 8) and a short
    ``text/plain`` body.
    """
    headers: dict[str, str] = {}
    method = "GET"
    body: dict[str, Any] = {}
    if scenario in ("get-allowed", "get-source"):
        headers["Origin"] = allowed_origin(scale)
    elif scenario == "get-refused":
        headers["Origin"] = REFUSED_ORIGIN
    elif scenario == "preflight":
        method = "OPTIONS"
        headers["Origin"] = allowed_origin(scale)
        headers["Access-Control-Request-Method"] = "POST"
        headers["Access-Control-Request-Headers"] = "content-type"
    elif scenario in ("post-allowed", "post-refused"):
        method = "POST"
        headers["Origin"] = allowed_origin(scale) if scenario == "post-allowed" else REFUSED_ORIGIN
        headers["Sec-Fetch-Site"] = "cross-site"
        body = {"data": "note=1", "content_type": "text/plain"}
    builder = EnvironBuilder(path=last_path(scale), method=method, headers=headers, **body)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def run_once(wsgi: Wsgi, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request, for the sanity checks: status, headers and body."""
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, headers

    iterable = wsgi(dict(environ), start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return seen["status"], seen["headers"], body


def time_batch(wsgi: Wsgi, environ: Environ, count: int) -> float:
    """Mean microseconds per request over ``count`` requests (environ copies made first)."""
    environs = [environ.copy() for _ in range(count)]
    start_response = _start_response
    gc.collect()
    started = time.perf_counter_ns()
    for env in environs:
        iterable = wsgi(env, start_response)
        for _chunk in iterable:
            pass
        iterable.close()  # type: ignore[attr-defined]
    return (time.perf_counter_ns() - started) / count / 1000.0


def calibrate(wsgi: Wsgi, environ: Environ, batch_s: float, min_n: int, max_n: int) -> int:
    """How many requests make one batch of about ``batch_s`` seconds (after a warm-up)."""
    per_call = time_batch(wsgi, environ, 3)
    if per_call < 2000:
        per_call = min(per_call, time_batch(wsgi, environ, 50))
    return max(min_n, min(max_n, int(batch_s * 1e6 / per_call)))


def check(kind: str, scenario: str, wsgi: Wsgi, environ: Environ, scale: int) -> None:
    """Fail loudly if an app does not answer as the benchmark assumes."""
    if kind == FLOOR:
        kind = "bare"
    status, header_list, _ = run_once(wsgi, environ)
    headers = {k.lower(): v for k, v in header_list}
    acao = headers.get("access-control-allow-origin")
    code = int(status.split()[0])
    problems = []
    if scenario == "preflight":
        if code not in (200, 204):
            problems.append(f"status {status}")
        if kind != "bare" and acao != allowed_origin(scale):
            problems.append(f"Access-Control-Allow-Origin {acao!r}")
    elif scenario == "post-refused" and kind == "ours":
        # The write gate answers before the view; the others run it.
        if code != 403:
            problems.append(f"status {status}, expected 403 from the write gate")
        if acao is not None:
            problems.append(f"Access-Control-Allow-Origin {acao!r} on a refused write")
    else:
        if code != 200:
            problems.append(f"status {status}")
        allowed = scenario in ("get-allowed", "get-source", "post-allowed")
        want = allowed_origin(scale) if (allowed and kind != "bare") else None
        # flask-cors sends every listed origin when there is no Origin (always_send).
        if acao != want and not (kind == "flask-cors" and scenario == "get-no-origin"):
            problems.append(f"Access-Control-Allow-Origin {acao!r}, expected {want!r}")
    if problems:
        raise SystemExit(f"sanity check failed: {kind} {scenario} scale {scale}: {problems}")


@dataclass
class Cell:
    scale: int
    mode: str
    scenario: str
    times: dict[str, list[float]]
    ratios: dict[str, list[float]]

    def median(self, kind: str) -> float:
        return statistics.median(self.times[kind])

    def ratio(self, kind: str) -> float:
        return statistics.median(self.ratios[kind])


def measure_scale(
    scale: int,
    modes: tuple[str, ...],
    scenarios: tuple[str, ...],
    rounds: int,
    batch_s: float,
    log: Callable[[str], None],
    kinds: tuple[str, ...] = KINDS,
) -> list[Cell]:
    started = time.perf_counter()
    bare = build_app("bare", "resources", scale, scale)
    floor = build_app(FLOOR, "resources", scale, scale) if FLOOR in kinds else None
    apps: dict[tuple[str, ...], Wsgi] = {}

    def app_for(kind: str, mode: str, scenario: str) -> Wsgi:
        return (
            apps.get((kind, mode, "source"), apps[(kind, mode)])
            if (scenario == "get-source")
            else apps[(kind, mode)]
        )

    for mode in modes:
        if "get-source" in scenarios:
            # Only ours reads origins from a source; the others answer it from the list.
            apps[("ours", mode, "source")] = build_app("ours", mode, scale, scale, True).wsgi_app
        apps[("bare", mode)] = bare.wsgi_app
        if floor is not None:
            apps[(FLOOR, mode)] = floor.wsgi_app
        for kind in KINDS[1:]:
            apps[(kind, mode)] = build_app(kind, mode, scale, scale).wsgi_app
    log(f"scale {scale}: apps built in {time.perf_counter() - started:.1f} s")
    # The apps live all along: keep them out of the collections that time_batch starts.
    gc.collect()
    gc.freeze()
    environs = {scenario: environ_for(scenario, scale) for scenario in scenarios}
    cells = [
        Cell(scale, mode, scenario, {k: [] for k in kinds}, {k: [] for k in kinds[1:]})
        for mode in modes
        for scenario in scenarios
    ]
    sizes: dict[tuple[str, str, str], int] = {}
    for cell in cells:
        for kind in kinds:
            wsgi, environ = app_for(kind, cell.mode, cell.scenario), environs[cell.scenario]
            check(kind, cell.scenario, wsgi, environ, scale)
            sizes[(kind, cell.mode, cell.scenario)] = calibrate(wsgi, environ, batch_s, 3, 20000)
    started = time.perf_counter()
    for round_index in range(rounds):
        shift = round_index % len(kinds)
        order = kinds[shift:] + kinds[:shift]
        for cell in cells:
            measured = {}
            for kind in order:
                count = sizes[(kind, cell.mode, cell.scenario)]
                wsgi, environ = app_for(kind, cell.mode, cell.scenario), environs[cell.scenario]
                measured[kind] = time_batch(wsgi, environ, count)
                cell.times[kind].append(measured[kind])
            for kind in kinds[1:]:
                cell.ratios[kind].append(measured[kind] / measured["bare"])
    log(f"scale {scale}: {rounds} rounds in {time.perf_counter() - started:.1f} s")
    gc.unfreeze()
    return cells


def scale_label(scale: int) -> str:
    return f"{scale} x {scale}"


def table(cells: list[Cell]) -> str:
    floor = FLOOR in cells[0].times
    head: tuple[str, ...] = (
        "routes x origins",
        "mode",
        "request",
        "bare us",
        "flask-cors us",
        "x bare",
        "ours us",
        "x bare",
    )
    rows = [
        (
            scale_label(c.scale),
            c.mode,
            SCENARIO_TITLES[c.scenario],
            f"{c.median('bare'):.1f}",
            f"{c.median('flask-cors'):.1f}",
            f"{c.ratio('flask-cors'):.2f}",
            f"{c.median('ours'):.1f}",
            f"{c.ratio('ours'):.2f}",
        )
        + ((f"{c.median(FLOOR):.1f}", f"{c.ratio(FLOOR):.2f}") if floor else ())
        for c in cells
    ]
    if floor:
        head += ("no-op hooks us", "x bare")
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    border = "  ".join("=" * w for w in widths)
    lines = [border, "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)), border]
    for row in rows:
        cols = [
            v.ljust(w) if i < 3 else v.rjust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cols).rstrip())
    lines.append(border)
    return "\n".join(lines)


def target_report(cells: list[Cell]) -> list[str]:
    """Issue 4's and issue 18's targets for ours / bare, each marked met or missed."""
    lines = []
    by_key = {(c.scale, c.mode, c.scenario): c for c in cells}
    for cell in cells:
        limit = TARGETS.get(cell.scenario)
        ratio = cell.ratio("ours")
        if limit is not None:
            verdict = "met" if ratio <= limit else f"MISSED by {ratio - limit:+.2f}"
            lines.append(
                f"{scale_label(cell.scale):>15} {cell.mode:9} {cell.scenario:13} "
                f"{ratio:.3f} <= {limit:.2f}: {verdict}"
            )
        than = NO_DEARER_THAN.get(cell.scenario)
        reference = by_key.get((cell.scale, cell.mode, than)) if than else None
        if reference is not None:
            limit = reference.ratio("ours")
            verdict = "met" if ratio <= limit else f"MISSED by {ratio - limit:+.3f}"
            lines.append(
                f"{scale_label(cell.scale):>15} {cell.mode:9} {cell.scenario:13} "
                f"{ratio:.3f} <= {limit:.3f} ({than}, this run): {verdict}"
            )
        static = by_key.get((cell.scale, cell.mode, "get-allowed"))
        if cell.scenario == "get-source" and static is not None:
            # Each measured against the bare Flask batch next to it, so drift cancels.
            over = cell.ratio("ours") / static.ratio("ours")
            verdict = "met" if over <= SOURCE_OVER_STATIC else "MISSED"
            lines.append(
                f"{scale_label(cell.scale):>15} {cell.mode:9} {cell.scenario:13} "
                f"{over:.3f} x the static list <= {SOURCE_OVER_STATIC:.2f}: {verdict}"
            )
        base = by_key.get((1, cell.mode, cell.scenario))
        if cell.scale >= 1000 and base is not None:
            drift = ratio / base.ratio("ours") - 1
            verdict = "met" if abs(drift) <= SCALE_DRIFT else "MISSED"
            lines.append(
                f"{scale_label(cell.scale):>15} {cell.mode:9} {cell.scenario:13} "
                f"{drift:+.1%} from 1 x 1 (within {SCALE_DRIFT:.0%}): {verdict}"
            )
    return lines


def profile(scenario: str, scale: int, mode: str, seconds: float, tool: str) -> None:
    """Profile flask_crossorigin's app on one scenario, for ``seconds`` of requests."""
    app = build_app("ours", mode, scale, scale, source=scenario == "get-source")
    environ = environ_for(scenario, scale)
    check("ours", scenario, app.wsgi_app, environ, scale)
    count = calibrate(app.wsgi_app, environ, seconds, 100, 2_000_000)
    environs = [environ.copy() for _ in range(count)]
    wsgi = app.wsgi_app

    def work() -> None:
        for env in environs:
            iterable = wsgi(env, _start_response)
            for _chunk in iterable:
                pass
            iterable.close()  # type: ignore[attr-defined]

    print(f"profiling {count} requests: ours, {mode}, {scenario}, {scale_label(scale)}")
    if tool == "pyinstrument":
        try:
            from pyinstrument import Profiler
        except ImportError:
            tool = "cprofile"
            print("pyinstrument is not installed (pip install pyinstrument); using cProfile")
        else:
            profiler = Profiler(interval=0.0001)
            profiler.start()
            work()
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            return
    import cProfile
    import pstats

    with cProfile.Profile() as prof:
        work()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scales 1 and 100, 5 rounds")
    parser.add_argument("--scales", help="comma-separated N for N routes x N origins")
    parser.add_argument("--rounds", type=int, help="measurement rounds (default 21)")
    parser.add_argument("--batch-ms", type=float, help="target time of one batch (default 40)")
    parser.add_argument("--modes", default=",".join(MODES), help="resources,decorator")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=",".join(SCENARIOS))
    parser.add_argument(
        "--floor", action="store_true", help="also measure bare Flask with two no-op hooks"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--profile", choices=SCENARIOS, help="profile ours on one scenario")
    parser.add_argument("--scale", type=int, default=1, help="scale for --profile")
    parser.add_argument("--mode", choices=MODES, default="resources", help="mode for --profile")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of --profile")
    parser.add_argument("--profiler", choices=("pyinstrument", "cprofile"), default="pyinstrument")
    args = parser.parse_args(argv)

    if args.profile:
        profile(args.profile, args.scale, args.mode, args.seconds, args.profiler)
        return 0

    if args.scales:
        scales = tuple(int(s) for s in args.scales.split(","))
    else:
        scales = (1, 100) if args.quick else DEFAULT_SCALES
    rounds = args.rounds or (5 if args.quick else 21)
    batch_s = (args.batch_ms or (10 if args.quick else 40)) / 1000
    modes = tuple(m for m in args.modes.split(",") if m)
    scenarios = tuple(s for s in args.scenarios.split(",") if s)
    for name, given, valid in (("mode", modes, MODES), ("scenario", scenarios, SCENARIOS)):
        for value in given:
            if value not in valid:
                parser.error(f"unknown {name} {value!r}; choose from {', '.join(valid)}")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    cells: list[Cell] = []
    for scale in scales:
        kinds = (*KINDS, FLOOR) if args.floor else KINDS
        cells += measure_scale(scale, modes, scenarios, rounds, batch_s, log, kinds)
    elapsed = time.perf_counter() - started

    from importlib.metadata import version

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "python benchmarks/bench.py" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
    print(f"command: {command}")
    print(
        f"date: {when}; Python {platform.python_version()}, Flask {version('flask')}, "
        f"Werkzeug {version('werkzeug')}, flask-cors {version('flask-cors')}, "
        f"{platform.machine()} x {__import__('os').cpu_count()} cores; "
        f"{rounds} rounds, {elapsed:.0f} s"
    )
    print("times: median microseconds per request; x bare: median of per-round ratios\n")
    print(table(cells))
    print("\ntargets (ours / bare):")
    print("\n".join(target_report(cells)))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "command": command,
                    "date": when,
                    "cells": [
                        {
                            "scale": c.scale,
                            "mode": c.mode,
                            "scenario": c.scenario,
                            "us": {k: c.median(k) for k in c.times},
                            "ratio": {k: c.ratio(k) for k in c.ratios},
                        }
                        for c in cells
                    ],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
