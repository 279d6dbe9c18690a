import pytest
from flask import Flask
from quickstart import app as mars


@pytest.fixture
def app() -> Flask:
    return mars
