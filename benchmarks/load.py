"""End to end: requests per second under gunicorn, driven by wrk on loopback.

Run from the repository root::

    python benchmarks/load.py                    # GET with an allowed Origin, 5 rounds of 6 s
    python benchmarks/load.py --preflight        # also the preflight
    python benchmarks/load.py --duration 10 --rounds 5 --workers 4

The three apps of ``apps.py`` (bare Flask, flask-cors, flask_crossorigin; 100 routes x
100 origins, app-wide ``resources``) are served at once by gunicorn on 127.0.0.1 (free
ports, sync workers), each server started with a bounded lifetime and killed at the end
whatever happens. wrk then loads one server at a time, the servers in a rotating order
round by round; the figure is the median requests/s over rounds, and the ratio the
median of per-round ratios to bare Flask.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from apps import KINDS, allowed_origin, last_path  # noqa: E402

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    kind: str, port: int, workers: int, scale: int, lifetime: float
) -> subprocess.Popen[bytes]:
    """gunicorn serving ``kind``, in its own process group, ended by ``timeout`` at the latest."""
    factory = f"apps:load_app({kind!r}, 'resources', {scale}, {scale})"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(HERE),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        factory,
    ]
    if shutil.which("timeout"):
        command = ["timeout", "--signal=TERM", "--kill-after=5", f"{lifetime:.0f}", *command]
    return subprocess.Popen(command, start_new_session=True)


def wait_ready(port: int, process: subprocess.Popen[bytes], path: str, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    request = f"GET {path} HTTP/1.0\r\nHost: {HOST}\r\n\r\n".encode()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn on port {port} exited with status {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(request)
                if sock.recv(16).startswith(b"HTTP/1."):
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn on port {port} did not answer within {limit:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run_wrk(
    port: int, path: str, headers: list[str], method: str, args: argparse.Namespace
) -> float:
    """Requests/s reported by wrk, or an error if wrk saw socket or HTTP errors."""
    command = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration:g}s",
        "--timeout",
        "5s",
    ]
    for header in headers:
        command += ["-H", header]
    script = None
    if method != "GET":
        script = HERE / f".wrk_{method.lower()}_{os.getpid()}.lua"
        script.write_text(f'wrk.method = "{method}"\n')
        command += ["-s", str(script)]
    command.append(f"http://{HOST}:{port}{path}")
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=args.duration + 30, check=True
        )
    finally:
        if script is not None:
            script.unlink(missing_ok=True)
    out = result.stdout
    match = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    if match is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}\n{result.stderr}")
    if "Socket errors" in out or "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors against port {port}:\n{out}")
    return float(match.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=6, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2-4)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--scale", type=int, default=100, help="N routes x N origins")
    parser.add_argument("--preflight", action="store_true", help="also load the preflight")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    args = parser.parse_args(argv)
    if not shutil.which(args.wrk):
        print("wrk is not installed: apt-get install wrk (or build it from github.com/wg/wrk)")
        return 2
    if not 1 <= args.rounds <= 20 or not 1 <= args.duration <= 60:
        parser.error("--rounds must be 1-20 and --duration 1-60 s")

    path = last_path(args.scale)
    origin = f"Origin: {allowed_origin(args.scale)}"
    scenarios = {"GET, allowed Origin": ("GET", [origin])}
    if args.preflight:
        scenarios["preflight OPTIONS"] = (
            "OPTIONS",
            [
                origin,
                "Access-Control-Request-Method: POST",
                "Access-Control-Request-Headers: content-type",
            ],
        )
    runs = len(scenarios) * args.rounds * len(KINDS)
    lifetime = 60 + runs * (args.duration + 5)
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
    rps: dict[tuple[str, str], list[float]] = {}
    ratios: dict[tuple[str, str], list[float]] = {}
    started = time.monotonic()
    try:
        for kind in KINDS:
            port = free_port()
            servers[kind] = (port, start_server(kind, port, args.workers, args.scale, lifetime))
        for port, process in servers.values():
            wait_ready(port, process, path)
        for round_index in range(args.rounds):
            shift = round_index % len(KINDS)
            for title, (method, headers) in scenarios.items():
                measured = {}
                for kind in KINDS[shift:] + KINDS[:shift]:
                    port, _process = servers[kind]
                    measured[kind] = run_wrk(port, path, headers, method, args)
                    rps.setdefault((title, kind), []).append(measured[kind])
                    print(
                        f"round {round_index + 1}: {kind:10} {title}: {measured[kind]:,.0f} req/s",
                        file=sys.stderr,
                        flush=True,
                    )
                for kind in KINDS:
                    ratios.setdefault((title, kind), []).append(measured[kind] / measured["bare"])
    finally:
        for _port, process in servers.values():
            stop(process)

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "python benchmarks/load.py" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
    print(f"command: {command}")
    print(
        f"date: {when}; gunicorn {args.workers} sync workers, wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration:g}s on loopback, {os.cpu_count()} cores, "
        f"{args.scale} routes x {args.scale} origins, {args.rounds} rounds, "
        f"{time.monotonic() - started:.0f} s"
    )
    print("requests/s: median over rounds; x bare: median of per-round ratios\n")
    head = ("request", *(f"{k} req/s" for k in KINDS), "flask-cors x bare", "ours x bare")
    rows = [
        (
            title,
            *(f"{statistics.median(rps[(title, k)]):,.0f}" for k in KINDS),
            *(f"{statistics.median(ratios[(title, k)]):.3f}" for k in KINDS[1:]),
        )
        for title in scenarios
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    border = "  ".join("=" * w for w in widths)
    print(border)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print(border)
    for row in rows:
        print(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print(border)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
