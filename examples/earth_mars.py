"""Earth and Mars: a page on one origin POSTs JSON to an API on another.

    python examples/earth_mars.py        # then open the URL it prints

Earth (http://127.0.0.1:5000) serves a page. Mars (http://127.0.0.1:5001) is an API
that allows Earth, and only Earth, to POST JSON to ``/oxygen-data``. A JSON body makes
the browser ask first with a preflight (``OPTIONS``); ``max_age=600`` lets it reuse
that answer for ten minutes. Mars records what it saw, so the page can show both
exchanges: what the browser sent and what Mars answered.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import threading
from collections.abc import Callable
from datetime import datetime, timezone

from flask import Flask, Response, request
from werkzeug.serving import make_server

from flask_crossorigin import CrossOrigin, cross_origin


def create_mars(earth_origin: str) -> Flask:
    """The API: Earth may POST weather to ``/oxygen-data`` and read ``/log``."""
    mars = Flask("mars")
    seen: dict[str, dict[str, object]] = {}

    @mars.after_request
    def record(response: Response) -> Response:
        # Flask runs after_request hooks last-registered first, so this one, registered
        # before CrossOrigin, sees the final headers (preflight answers included).
        if request.path == "/oxygen-data":
            kind = "preflight" if request.method == "OPTIONS" else "post"
            seen[kind] = {
                "request": f"{request.method} {request.path}",
                "request_headers": list(request.headers.items()),
                "status": response.status,
                "response_headers": list(response.headers.items()),
            }
        return response

    CrossOrigin(mars)

    @mars.post("/oxygen-data")
    @cross_origin(origins=earth_origin, max_age=600)
    def oxygen_data() -> dict[str, object]:
        return {"stored": request.get_json(), "oxygen_percent": 0.13}

    @mars.get("/log")
    @cross_origin(origins=earth_origin)
    def log() -> tuple[dict[str, dict[str, object] | None], dict[str, str]]:
        """What Mars saw since the last look: a preflight (if one was sent) and the POST."""
        latest = {"preflight": seen.pop("preflight", None), "post": seen.pop("post", None)}
        return latest, {"Cache-Control": "no-store"}

    return mars


def create_earth(mars_origin: str) -> Flask:
    """The page, and the weather it sends (same origin, so no CORS needed)."""
    earth = Flask("earth")

    @earth.get("/")
    def page() -> str:
        return PAGE.replace("{{MARS}}", mars_origin)

    @earth.get("/weather")
    def weather() -> dict[str, object]:
        return {
            "city": "Lisbon",
            "temperature_c": round(random.uniform(12, 28), 1),
            "observed": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    return earth


def serve(
    host: str = "127.0.0.1", earth_port: int = 5000, mars_port: int = 5001
) -> tuple[str, str, Callable[[], None]]:
    """Start both servers in background threads; return Earth's URL, Mars' URL and ``stop``.

    Port 0 picks a free port: each server binds first, then gets its app once the
    other's origin is known.
    """
    servers = [make_server(host, port, app=None, threaded=True) for port in (earth_port, mars_port)]
    earth, mars = servers
    earth_url, mars_url = (f"http://{host}:{server.server_port}" for server in servers)
    earth.app = create_earth(mars_url)
    mars.app = create_mars(earth_url)
    for server in servers:
        # Look for stop() every 50 ms rather than every 0.5 s: Ctrl-C returns at once.
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop() -> None:
        for server in servers:
            server.shutdown()
            server.server_close()

    return earth_url, mars_url, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--earth-port", type=int, default=int(os.environ.get("EARTH_PORT", 5000)))
    parser.add_argument("--mars-port", type=int, default=int(os.environ.get("MARS_PORT", 5001)))
    args = parser.parse_args()
    # Show the extension's refusal lines (why a preflight got 403) on the terminal.
    logging.basicConfig(format="%(name)s: %(message)s")
    logging.getLogger("flask_crossorigin").setLevel(logging.INFO)
    earth_url, mars_url, stop = serve("127.0.0.1", args.earth_port, args.mars_port)
    print(f"Earth: {earth_url}/  (open this, then press the button)")
    print(f"Mars:  {mars_url}/oxygen-data  (allows {earth_url} only)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop()


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Earth</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; }
  button { font: inherit; padding: .5rem 1rem; cursor: pointer; }
  #result { font-weight: 600; margin: 1rem 0; }
  #result[data-state=ok] { color: #16703a; } #result[data-state=blocked] { color: #b3261e; }
  section { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  h2 { font-size: 1.05rem; margin: 1.5rem 0 .25rem; }
  h3 { font-size: .95rem; margin: .5rem 0 .25rem; }
  table { border-collapse: collapse; font: 12px ui-monospace, monospace; width: 100%; }
  td { border-bottom: 1px solid #ddd; padding: 2px 6px; word-break: break-all; }
  td:first-child { white-space: nowrap; width: 1%; }
  tr.cors td { background: #fff4d6; font-weight: 600; }
</style></head>
<body>
<h1>Earth</h1>
<p>This page is <code id="earth"></code>. Mars is <code>{{MARS}}</code>, another origin,
so the browser only lets this page read Mars' answers if Mars says so in its CORS headers.</p>
<p><button id="send">Send weather to Mars</button> <code id="weather"></code></p>
<p id="result">Nothing sent yet.</p>
<div id="exchanges"></div>
<script>
const MARS = "{{MARS}}";
document.querySelector("#earth").textContent = location.origin;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function headerTable(pairs) {
  const table = el("table");
  for (const [name, value] of pairs) {
    const row = table.insertRow();
    if (/^(origin|access-control-|vary)/i.test(name)) row.className = "cors";
    row.append(el("td", name), el("td", value));
  }
  return table;
}

function showExchange(title, exchange, absent) {
  const box = document.querySelector("#exchanges");
  box.append(el("h2", title));
  if (!exchange) { box.append(el("p", absent)); return; }
  const section = el("section");
  const sent = el("div"), answered = el("div");
  sent.append(el("h3", `Browser sent: ${exchange.request}`), headerTable(exchange.request_headers));
  answered.append(el("h3", `Mars answered: ${exchange.status}`),
                  headerTable(exchange.response_headers));
  section.append(sent, answered);
  box.append(section);
}

document.querySelector("#send").addEventListener("click", async () => {
  const result = document.querySelector("#result");
  result.removeAttribute("data-state");
  result.textContent = "Sending...";
  document.querySelector("#exchanges").replaceChildren();
  const weather = await (await fetch("/weather")).json();
  document.querySelector("#weather").textContent = JSON.stringify(weather);
  try {
    const response = await fetch(MARS + "/oxygen-data", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(weather),
    });
    result.dataset.state = "ok";
    result.textContent = `Allowed: Mars answered ${response.status} ${await response.text()}`;
  } catch (error) {
    result.dataset.state = "blocked";
    result.textContent = `Blocked by the browser: ${error} (the console says why)`;
  }
  let log;
  try {
    log = await (await fetch(MARS + "/log")).json();
  } catch (error) {
    // Opened as localhost instead of 127.0.0.1: another origin, which Mars does not allow.
    result.dataset.state = "blocked";
    result.textContent = `Mars allows one page origin, and ${location.origin} is not it: ` +
      "open the page at the address the server printed (http://127.0.0.1:..., not localhost).";
    return;
  }
  showExchange("1. Preflight", log.preflight,
    "No preflight this time: the browser reused the answer it cached (Access-Control-Max-Age).");
  showExchange("2. POST", log.post, "The POST never reached Mars: the preflight refused it.");
});
</script>
</body></html>
"""


if __name__ == "__main__":
    main()
