"""The pytest plugin (``pytest11`` entry point): a ``cors`` fixture for a suite's own tests.

::

    def test_earth_can_post_json(cors):
        cors.fetch("/oxygen-data", origin="https://earth.com", method="POST",
                   headers={"Content-Type": "application/json"}).assert_allowed()

The fixture is bound to pytest-flask's ``app`` fixture when the suite has one;
``cors(app)`` binds any other app.
"""

from __future__ import annotations

import pytest

from .testing import CorsTester


@pytest.fixture
def cors(request: pytest.FixtureRequest) -> CorsTester:
    """:class:`~flask_crossorigin.testing.CorsTester` bound to the ``app`` fixture, if any."""
    try:
        app = request.getfixturevalue("app")
    except pytest.FixtureLookupError:
        app = None
    return CorsTester(app)
