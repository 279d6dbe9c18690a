"""Typed options: mypy --strict flags a misspelled option name and a wrongly typed value."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from .background import Finished

CHECKED = Path(__file__).parent / "typing" / "options_checked.py"
MYPY = (sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null")


@pytest.mark.slow  # a whole mypy run, which the session starts early
@pytest.mark.background(*MYPY, str(CHECKED))
def test_mypy_reports_each_option_mistake_on_its_line_and_nothing_else(
    background: Finished,
) -> None:
    stdout, status = background.output, background.status
    lines = CHECKED.read_text().splitlines()
    mistakes = {number for number, line in enumerate(lines, 1) if "# MISTAKE" in line}
    reported = {int(number) for number in re.findall(r"options_checked\.py:(\d+): error:", stdout)}
    assert status == 1, stdout
    assert reported == mistakes, stdout
    assert 'Unexpected keyword argument "origin"' in stdout
    assert 'Argument "max_age" to "cross_origin" has incompatible type "str"' in stdout
