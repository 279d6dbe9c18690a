"""Typed options: mypy --strict flags a misspelled option name and a wrongly typed value."""

from __future__ import annotations

import re
from pathlib import Path

import mypy.api as mypy_api
import pytest

CHECKED = Path(__file__).parent / "typing" / "options_checked.py"


@pytest.mark.slow  # a whole mypy run
def test_mypy_reports_each_option_mistake_on_its_line_and_nothing_else() -> None:
    stdout, _stderr, status = mypy_api.run(
        ["--strict", "--no-incremental", "--cache-dir=/dev/null", str(CHECKED)]
    )
    lines = CHECKED.read_text().splitlines()
    mistakes = {number for number, line in enumerate(lines, 1) if "# MISTAKE" in line}
    reported = {int(number) for number in re.findall(r"options_checked\.py:(\d+): error:", stdout)}
    assert status == 1, stdout
    assert reported == mistakes, stdout
    assert 'Unexpected keyword argument "origin"' in stdout
    assert 'Argument "max_age" to "cross_origin" has incompatible type "str"' in stdout
