from flask_crossorigin.testing import assert_cors_policy, fetch

JSON = {"Content-Type": "application/json"}


def test_every_route_has_a_valid_policy(app):
    assert_cors_policy(app)


def test_earth_may_post_json(cors):
    result = cors.fetch("/oxygen-data", origin="https://earth.com", method="POST", headers=JSON)
    result.assert_allowed()


def test_venus_may_not(app):
    result = fetch(app, "/oxygen-data", origin="https://venus.com", method="POST", headers=JSON)
    assert result.preflighted
    result.assert_blocked(reason="origin is not allowed")
