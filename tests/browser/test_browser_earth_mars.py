"""The earth/mars example, end to end: open Earth, press the button, read what the page shows."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .engines import Engine

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "earth_mars.py"

#: What the page shows, as {title: {"sent": ..., "answered": ..., "note": ...}}.
READ_EXCHANGES = """
const shown = {};
for (const h2 of document.querySelectorAll("#exchanges h2")) {
  const next = h2.nextElementSibling;
  const side = (i) => ({
    heading: next.querySelectorAll("h3")[i].textContent,
    headers: Object.fromEntries([...next.querySelectorAll("table")[i].rows]
      .map((row) => [row.cells[0].textContent.toLowerCase(), row.cells[1].textContent])),
  });
  shown[h2.textContent] = next.tagName === "SECTION"
    ? {sent: side(0), answered: side(1)} : {note: next.textContent};
}
return shown;
"""


@pytest.fixture(scope="module")
def earth_url() -> Iterator[str]:
    spec = importlib.util.spec_from_file_location("earth_mars", EXAMPLE)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    earth_url, _mars_url, stop = example.serve("127.0.0.1", 0, 0)
    yield earth_url
    stop()


#: The result line's state and its rendered text.
READ_RESULT = """
const result = document.querySelector("#result");
return [result.getAttribute("data-state"), result.innerText];
"""


def press_send(browser: Engine) -> tuple[str | None, str, dict[str, Any]]:
    """Press the button; wait (bounded) until both exchanges are shown; read the page."""
    browser.click("#send")
    browser.wait_until('document.querySelectorAll("#exchanges h2").length === 2')
    state, text = browser.evaluate(READ_RESULT)
    return state, text, browser.evaluate(READ_EXCHANGES)


def test_earth_sends_weather_to_mars_and_shows_both_exchanges(
    browser: Engine, earth_url: str, artifacts: Path
) -> None:
    browser.set_viewport(1280, 1100)
    browser.open(earth_url + "/")

    state, text, shown = press_send(browser)
    browser.screenshot(artifacts / f"earth_mars-{browser.name}.png")

    assert state == "ok", text
    assert text.startswith("Allowed: Mars answered 200")
    assert '"oxygen_percent":0.13' in text
    preflight, post = shown["1. Preflight"], shown["2. POST"]
    assert preflight["sent"]["heading"] == "Browser sent: OPTIONS /oxygen-data"
    assert preflight["sent"]["headers"]["origin"] == earth_url
    assert preflight["sent"]["headers"]["access-control-request-method"] == "POST"
    assert preflight["sent"]["headers"]["access-control-request-headers"] == "content-type"
    assert preflight["answered"]["heading"] == "Mars answered: 204 NO CONTENT"
    answered = preflight["answered"]["headers"]
    assert answered["access-control-allow-origin"] == earth_url
    assert "POST" in answered["access-control-allow-methods"].split(", ")
    assert answered["access-control-max-age"] == "600"
    assert post["sent"]["heading"] == "Browser sent: POST /oxygen-data"
    assert post["sent"]["headers"]["origin"] == earth_url
    assert post["answered"]["heading"] == "Mars answered: 200 OK"
    assert post["answered"]["headers"]["access-control-allow-origin"] == earth_url

    # Within max_age the browser reuses the preflight's answer: only the POST goes out.
    state, text, shown = press_send(browser)

    assert state == "ok", text
    assert shown["1. Preflight"]["note"].startswith("No preflight this time")
    assert shown["2. POST"]["answered"]["heading"] == "Mars answered: 200 OK"


def test_earth_opened_as_localhost_says_which_address_to_use_without_an_uncaught_error(
    browser: Engine, earth_url: str
) -> None:
    """At http://localhost:port the page is another origin; it says to open 127.0.0.1 instead."""
    browser.open(earth_url.replace("127.0.0.1", "localhost") + "/")
    browser.evaluate(
        "window.uncaught = [];"
        "window.addEventListener('unhandledrejection', (e) => uncaught.push(String(e.reason)));"
    )
    browser.click("#send")
    browser.wait_until(
        'document.querySelector("#result").textContent.startsWith("Mars allows one page origin")'
    )

    state, text = browser.evaluate(READ_RESULT)
    assert state == "blocked"
    assert "http://127.0.0.1" in text
    assert browser.evaluate("return window.uncaught") == []
