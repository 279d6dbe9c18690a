"""Commands that a test only reads the result of, started when the session starts.

A Sphinx build or a mypy run takes seconds of one core and depends on nothing the tests
before it do. A test marked ``@pytest.mark.background(*command)`` gets its command
started (in a subprocess) as the session's first test begins, so that it runs beside
the other tests on another core; the test itself then asks the ``background`` fixture
for the result and waits only for what is left. ``{out}`` in the command is a fresh
directory of the test's own. Run alone, the test starts its command then.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

import pytest

#: Upper bound, in seconds, of a background command.
TIMEOUT = 300


class Command:
    """One command, running in a subprocess; its output goes to a temporary file."""

    def __init__(self, argv: tuple[str, ...], out: Path, cwd: Path) -> None:
        self.argv = [part.replace("{out}", str(out)) for part in argv]
        self.out = out
        # Closed by stop(), at the end of the session: the command outlives this call.
        self.output: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            self.argv, cwd=cwd, stdout=self.output, stderr=subprocess.STDOUT
        )

    def result(self) -> Finished:
        """Wait for the command (bounded), and what it printed."""
        try:
            status = self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self.output.seek(0)
        return Finished(status, self.output.read().decode(errors="replace"), self.out)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.output.close()


class Finished(NamedTuple):
    """A background command's exit status, its output (stdout and stderr), its ``{out}``."""

    status: int
    output: str
    out: Path


class Commands:
    """The session's background commands, by the node ID of the test that reads each."""

    def __init__(self, factory: pytest.TempPathFactory, cwd: Path) -> None:
        self.factory = factory
        self.cwd = cwd
        self.started: dict[str, Command] = {}

    def start(self, item: pytest.Item) -> Command:
        if item.nodeid not in self.started:
            marker = item.get_closest_marker("background")
            assert marker is not None, f"{item.nodeid} has no background command"
            out = self.factory.mktemp("background")
            self.started[item.nodeid] = Command(tuple(marker.args), out, self.cwd)
        return self.started[item.nodeid]


def commands(
    session: pytest.Session, factory: pytest.TempPathFactory, cwd: Path
) -> Iterator[Commands]:
    """Start the command of every selected test that has one; stop what is left at the end."""
    started = Commands(factory, cwd)
    for item in session.items:
        if item.get_closest_marker("background") is not None:
            started.start(item)
    try:
        yield started
    finally:
        for command in started.started.values():
            command.stop()
