"""OriginSource under real gunicorn: two worker processes, one SQLite file as the source of truth.

Each worker keeps its own cache; the only thing they share is the user's database. A
tenant inserted or deleted there reaches every worker within ``ttl`` plus a margin while
requests keep arriving, and a database that fails leaves each worker on its last good set
with one ERROR each. Workers are told apart by the PID the app puts in ``X-Worker-Pid``.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import sqlite3
import time
from pathlib import Path

import pytest

from .servers import gunicorn

pytestmark = pytest.mark.slow

TTL = 0.25
#: ttl, plus one load, plus the gap between two requests reaching the same worker.
WINDOW = TTL + 3.0
TENANT = "https://shop.tenant.test"
LATER = "https://later.tenant.test"
FIRST = "https://first.tenant.test"


def ask(port: int, origin: str) -> tuple[str, bool]:
    """One GET on a new connection (so either worker may take it): (worker PID, allowed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/items", headers={"Origin": origin})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 200
    return str(response.getheader("X-Worker-Pid")), (
        response.getheader("Access-Control-Allow-Origin") == origin
    )


def worker_pids(port: int, workers: int) -> set[str]:
    """Poll until ``workers`` distinct PIDs have answered (bounded)."""
    pids: set[str] = set()
    deadline = time.monotonic() + 20
    while len(pids) < workers:
        assert time.monotonic() < deadline, f"only workers {pids} answered in 20 s"
        pids.add(ask(port, FIRST)[0])
    return pids


def until_every_worker(port: int, pids: set[str], origin: str, allowed: bool) -> float:
    """Seconds until the latest answer of every worker is ``allowed``; fails after WINDOW."""
    started = time.monotonic()
    agreed: set[str] = set()
    while agreed != pids:
        elapsed = time.monotonic() - started
        assert elapsed < WINDOW, f"after {elapsed:.1f}s only workers {agreed} of {pids} agree"
        pid, got = ask(port, origin)
        assert pid in pids, f"an unknown worker {pid} answered"
        (agreed.add if got == allowed else agreed.discard)(pid)
        time.sleep(0.01)
    return time.monotonic() - started


#: A worker's line for a failed load of the source: its PID comes first.
FAILED = r"^(\d+) ERROR .*OriginSource load_tenants failed.*$"


def logged_failures(log_path: Path) -> set[str]:
    """The workers that have logged a failed load."""
    return set(re.findall(FAILED, log_path.read_text(errors="replace"), re.M))


def write(db_path: Path, *statements: str) -> None:
    with contextlib.closing(sqlite3.connect(db_path, timeout=5)) as db, db:
        for statement in statements:
            db.execute(statement)


def test_every_worker_follows_the_database_within_ttl_and_survives_its_failure(
    tmp_path: Path,
) -> None:
    """Insert, delete and a failing database reach both gunicorn workers within the window."""
    db_path = tmp_path / "tenants.sqlite"
    write(
        db_path,
        "CREATE TABLE tenants (origin TEXT NOT NULL)",
        f"INSERT INTO tenants VALUES ('{FIRST}')",
    )
    log_path = tmp_path / "gunicorn.log"
    app = f"create_tenants_app({str(db_path)!r}, ttl={TTL})"
    with gunicorn(app=app, workers=2, threads=4, log_path=log_path, wait_path=None) as port:
        pids = worker_pids(port, 2)
        assert until_every_worker(port, pids, TENANT, allowed=False) < WINDOW

        write(db_path, f"INSERT INTO tenants VALUES ('{TENANT}')")
        assert until_every_worker(port, pids, TENANT, allowed=True) < WINDOW

        write(db_path, f"DELETE FROM tenants WHERE origin = '{TENANT}'")
        assert until_every_worker(port, pids, TENANT, allowed=False) < WINDOW

        # The database breaks: each worker says so, and keeps answering from its last
        # good set, also through the loads that fail after its first (2 ttl more).
        write(db_path, "ALTER TABLE tenants RENAME TO tenants_moved")
        deadline = time.monotonic() + WINDOW
        failed: set[str] = set()
        while not pids <= failed:
            assert time.monotonic() < deadline, f"only workers {failed} logged the failure"
            pid, allowed = ask(port, FIRST)
            assert allowed, f"worker {pid} dropped its last good set while the database failed"
            failed = logged_failures(log_path)
            time.sleep(0.01)
        failing_until = time.monotonic() + 2 * TTL
        answered: set[str] = set()
        while time.monotonic() < failing_until or answered != pids:
            assert time.monotonic() < deadline + WINDOW, f"only workers {answered} answered"
            pid, allowed = ask(port, FIRST)
            assert allowed, f"worker {pid} dropped its last good set while the database failed"
            answered.add(pid)
            time.sleep(0.01)

        write(
            db_path,
            "ALTER TABLE tenants_moved RENAME TO tenants",
            f"INSERT INTO tenants VALUES ('{LATER}')",
        )
        assert until_every_worker(port, pids, LATER, allowed=True) < WINDOW

    log = log_path.read_text(errors="replace")
    errors = re.findall(FAILED, log, re.M)
    assert sorted(errors) == sorted(pids), log[-3000:]
    assert "no such table: tenants" in log
    recovered = re.findall(r"^(\d+) WARNING .*loaded again after", log, re.M)
    assert sorted(recovered) == sorted(pids), log[-3000:]
