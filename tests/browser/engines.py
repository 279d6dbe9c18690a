"""One driver interface over three browser engines: Chromium, Firefox and WebKit.

Each engine opens pages, runs scripts in them (``evaluate`` for a synchronous body,
``run_async`` for a Selenium-style body that calls the last of its ``arguments``),
clicks, takes screenshots, and reports the console's CORS lines where it offers them:

* Chromium: Selenium and chromedriver; console lines from ``get_log("browser")``.
* Firefox: its built-in WebDriver BiDi agent over a WebSocket (Debian packages no
  geckodriver); console lines from ``log.entryAdded`` events. Its profile's ``user.js``
  keeps it on loopback.
* WebKit: MiniBrowser, driven by WebKitWebDriver through Selenium, on a private Xvfb
  display. WebKitWebDriver has no log endpoint, so there are no console lines.

Every wait is bounded by :data:`TIMEOUT` (or a stated start-up limit), and ``quit``
stops every process an engine started, falling back to killing it.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import re
import select
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from .harness import FETCH, TIMEOUT

#: Upper bound, in seconds, of a browser's start-up.
START_TIMEOUT = 30

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
WEBKITWEBDRIVER = os.environ.get("WEBKITWEBDRIVER", "/usr/bin/WebKitWebDriver")
MINIBROWSER = os.environ.get("MINIBROWSER", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
XVFB = os.environ.get("XVFB", "/usr/bin/Xvfb")
#: Xvfb's screen: room for the largest window a test asks for (1280x1100).
SCREEN = "1280x1200x24"

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)

FIREFOX_ARGS = (FIREFOX, "--headless", "--no-remote", "--remote-debugging-port=0")

#: Written to the profile's user.js before Firefox first starts, so that it contacts no
#: server but the test servers on loopback (the remote agent's own prefs come too late).
#: ``network.dns.disableIPv6``: otherwise the first reuse of a cached preflight for an
#: IP-literal host is preflighted again, as Firefox re-checks its DNS cache and misses.
FIREFOX_PREFS: dict[str, bool | int | str] = {
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "app.normandy.api_url": "",
    "app.update.disabledForTesting": True,
    "browser.region.network.url": "",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.server": "",
    "media.gmp-manager.updateEnabled": False,
    "media.gmp-manager.url": "",
    "media.gmp-gmpopenh264.enabled": False,
    "media.gmp-widevinecdm.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "network.http.speculative-parallel-limit": 0,
    "network.dns.disablePrefetch": True,
    "dom.security.https_first": False,
    "dom.security.https_first_schemeless": False,
    "network.dns.disableIPv6": True,
}

#: Wraps a Selenium-style async script for BiDi: the body gets ``arguments`` plus a
#: ``done`` callback, and what it passes to ``done`` comes back as JSON. The page's own
#: timer bounds the script, as Selenium's script timeout does.
BIDI_ASYNC = """function (...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(JSON.stringify({__timeout__: true})), TIMEOUT_MS);
    const done = (value) => {
      clearTimeout(timer);
      resolve(JSON.stringify(value === undefined ? null : value));
    };
    try { (function () { BODY }).apply(this, [...args, done]); }
    catch (error) { clearTimeout(timer); reject(error); }
  });
}"""
BIDI_SYNC = """function (...args) {
  const value = (function () { BODY }).apply(this, args);
  return JSON.stringify(value === undefined ? null : value);
}"""


class EngineUnavailable(Exception):
    """The engine is not installed here; the message says how to install it."""


class Engine:
    """A running browser, one page at a time."""

    #: ``chromium``, ``firefox`` or ``webkit``.
    name = ""
    #: What ``fetch()`` rejects with when the browser blocks a response (CORS failure).
    blocked_error = ""
    #: How the console line about a blocked ``fetch()`` of ``{url}`` from a page at
    #: ``{origin}`` begins (the reason follows); None: the engine shows no console.
    blocked_console: str | None = None
    #: The browser's version, as it reports it.
    version = ""

    def open(self, url: str) -> None:
        raise NotImplementedError

    @property
    def current_url(self) -> str:
        raise NotImplementedError

    def evaluate(self, body: str, *args: Any) -> Any:
        """Run a function body (which may ``return`` a JSON-able value) in the page."""
        raise NotImplementedError

    def run_async(self, body: str, *args: Any) -> Any:
        """Run a body that ends by calling its last argument with a JSON-able value."""
        raise NotImplementedError

    def fetch(self, url: str, init: dict[str, Any]) -> dict[str, Any]:
        """``fetch(url, init)`` in the page: what the script saw, as :data:`FETCH` says."""
        result: dict[str, Any] = self.run_async(FETCH, url, init)
        return result

    def console_since_last(self) -> list[str]:
        """The console's CORS lines since the last call (always empty without a console)."""
        return []

    def click(self, selector: str) -> None:
        raise NotImplementedError

    def set_viewport(self, width: int, height: int) -> None:
        raise NotImplementedError

    def screenshot(self, path: Path) -> None:
        raise NotImplementedError

    def add_cookie(self, name: str, value: str) -> None:
        """A host-only ``SameSite=Lax`` cookie for the open page's host, path ``/``."""
        self.evaluate(
            "document.cookie = `${arguments[0]}=${arguments[1]}; path=/; SameSite=Lax`;",
            name,
            value,
        )

    def wait_until(self, condition: str, timeout: float = TIMEOUT) -> None:
        """Poll a JS expression until it is true; TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"return Boolean({condition});"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: still false after {timeout} s: {condition}")
            time.sleep(0.05)

    def quit(self) -> None:
        raise NotImplementedError


def _stop_group(process: subprocess.Popen[Any]) -> None:
    """Stop a process started with its own session: SIGTERM, then SIGKILL, its group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # Children of a browser that outlived it (content processes) are in the same group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class SeleniumEngine(Engine):
    """Chromium and WebKit: both speak classic WebDriver through Selenium."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.version = str(driver.capabilities.get("browserVersion", ""))
        driver.set_page_load_timeout(TIMEOUT)
        driver.set_script_timeout(TIMEOUT)

    def open(self, url: str) -> None:
        self.driver.get(url)

    @property
    def current_url(self) -> str:
        return str(self.driver.current_url)

    def evaluate(self, body: str, *args: Any) -> Any:
        return self.driver.execute_script(body, *args)

    def run_async(self, body: str, *args: Any) -> Any:
        return self.driver.execute_async_script(body, *args)

    def click(self, selector: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, selector).click()

    def set_viewport(self, width: int, height: int) -> None:
        self.driver.set_window_size(width, height)

    def screenshot(self, path: Path) -> None:
        self.driver.save_screenshot(str(path))

    def quit(self) -> None:
        self.driver.quit()


class Chromium(SeleniumEngine):
    name = "chromium"
    blocked_error = "TypeError: Failed to fetch"
    blocked_console = (
        "Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: "
    )

    @staticmethod
    def missing() -> list[str]:
        missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
        if importlib.util.find_spec("selenium") is None:
            missing.append("the selenium package")
        return missing

    install = "apt-get install chromium chromium-driver"

    @classmethod
    def start(cls, workdir: Path, extra_flags: tuple[str, ...] = ()) -> Chromium:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*CHROMIUM_FLAGS, *extra_flags):
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={workdir / 'profile'}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(CHROMEDRIVER)
        driver = webdriver.Chrome(options=options, service=service)
        try:
            return cls(driver)
        except BaseException:
            driver.quit()
            raise

    def console_since_last(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if "CORS" in e["message"]]


class WebKit(SeleniumEngine):
    name = "webkit"
    blocked_error = "TypeError: Load failed"
    blocked_console = None  # WebKitWebDriver has no log endpoint

    install = "apt-get install webkit2gtk-driver xvfb"

    def __init__(self, driver: Any, xvfb: subprocess.Popen[bytes]) -> None:
        self.xvfb = xvfb
        super().__init__(driver)

    @staticmethod
    def missing() -> list[str]:
        paths = (WEBKITWEBDRIVER, MINIBROWSER, XVFB)
        missing = [path for path in paths if not os.access(path, os.X_OK)]
        if importlib.util.find_spec("selenium") is None:
            missing.append("the selenium package")
        return missing

    @classmethod
    def start(cls, workdir: Path) -> WebKit:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        xvfb, display = start_xvfb()
        try:
            env = dict(os.environ, DISPLAY=display)
            for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"):
                env[name] = str(workdir / name.lower())
                Path(env[name]).mkdir(mode=0o700)
            options = Options()
            options.binary_location = MINIBROWSER
            options.add_argument("--automation")  # without it the new session hangs
            service = Service(WEBKITWEBDRIVER, env=env)
            try:
                # Selenium warns that its own class passes remote_server_addr the old
                # way: pyproject.toml's filterwarnings ignores it.
                driver = webdriver.WebKitGTK(options=options, service=service)
            except BaseException:
                service.stop()
                raise
            try:
                return cls(driver, xvfb)
            except BaseException:
                driver.quit()
                raise
        except BaseException:
            _stop_group(xvfb)
            raise

    def screenshot(self, path: Path) -> None:
        # WebKit captures the last painted frame: let two animation frames paint the DOM.
        self.run_async(
            "const done = arguments[0];"
            " requestAnimationFrame(() => requestAnimationFrame(() => done(null)));"
        )
        super().screenshot(path)

    def quit(self) -> None:
        try:
            super().quit()
        finally:
            _stop_group(self.xvfb)


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """A private X display: Xvfb picks a free one and writes its number to a pipe."""
    read_end, write_end = os.pipe()
    try:
        xvfb = subprocess.Popen(
            [XVFB, "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
            pass_fds=(write_end,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        os.close(write_end)
    try:
        number = b""
        deadline = time.monotonic() + START_TIMEOUT
        while not number.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_end], [], [], left)[0]:
                raise RuntimeError(f"Xvfb gave no display number within {START_TIMEOUT} s")
            chunk = os.read(read_end, 16)
            if not chunk:
                raise RuntimeError(f"Xvfb exited with status {xvfb.wait(timeout=10)}")
            number += chunk
    except BaseException:
        _stop_group(xvfb)
        raise
    finally:
        os.close(read_end)
    return xvfb, f":{number.decode().strip()}"


class BiDiError(RuntimeError):
    pass


class Firefox(Engine):
    """Firefox over WebDriver BiDi, without geckodriver."""

    name = "firefox"
    blocked_error = "TypeError: NetworkError when attempting to fetch resource."
    blocked_console = (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
        "resource at {url}. (Reason: "
    )

    install = "apt-get install firefox-esr"

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        import websocket

        self.process = process
        # Firefox refuses a handshake that carries an Origin header.
        self.socket = websocket.create_connection(
            url + "/session", suppress_origin=True, timeout=TIMEOUT
        )
        self.lock = threading.Condition()
        self.replies: dict[int, dict[str, Any]] = {}
        self.console: list[str] = []
        self.closed = False
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        capabilities = self.command("session.new", capabilities={})["capabilities"]
        self.version = str(capabilities.get("browserVersion", ""))
        self.context = self.command("browsingContext.getTree")["contexts"][0]["context"]
        self.command("session.subscribe", events=["log.entryAdded"])

    @staticmethod
    def missing() -> list[str]:
        missing = [] if os.access(FIREFOX, os.X_OK) else [FIREFOX]
        if importlib.util.find_spec("websocket") is None:
            missing.append("the websocket-client package")
        return missing

    @classmethod
    def start(cls, workdir: Path) -> Firefox:
        profile = workdir / "profile"
        profile.mkdir()
        (profile / "user.js").write_text(
            "".join(
                f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in FIREFOX_PREFS.items()
            )
        )
        log = workdir / "firefox.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*FIREFOX_ARGS, "--profile", str(profile), "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                # Honour services.settings.server from user.js.
                env=dict(os.environ, MOZ_REMOTE_SETTINGS_DEVTOOLS="1"),
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                found = re.search(r"WebDriver BiDi listening on (ws://\S+)", log.read_text())
                if found:
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Firefox printed no BiDi address (status {process.poll()}):\n"
                        + log.read_text()[-2000:]
                    )
                time.sleep(0.05)
            return cls(process, found.group(1))
        except BaseException:
            _stop_group(process)
            raise

    def _read(self) -> None:
        import websocket

        try:
            while True:
                try:
                    message = json.loads(self.socket.recv())
                except websocket.WebSocketTimeoutException:
                    continue
                with self.lock:
                    if "id" in message:
                        self.replies[message["id"]] = message
                    elif message.get("method") == "log.entryAdded":
                        text = message["params"].get("text") or ""
                        if "CORS" in text:
                            self.console.append(text)
                    self.lock.notify_all()
        except (OSError, websocket.WebSocketException, ValueError):
            pass
        finally:
            with self.lock:
                self.closed = True
                self.lock.notify_all()

    def command(self, method: str, timeout: float = TIMEOUT, **params: Any) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            number = self.next_id
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        with self.lock:
            while number not in self.replies:
                left = deadline - time.monotonic()
                if self.closed or left <= 0:
                    raise BiDiError(f"{method}: no reply within {timeout} s")
                self.lock.wait(left)
            reply = self.replies.pop(number)
        if reply.get("type") == "error":
            raise BiDiError(f"{method}: {reply.get('error')}: {reply.get('message')}")
        result: dict[str, Any] = reply["result"]
        return result

    def _call(self, declaration: str, args: tuple[Any, ...]) -> Any:
        arguments = [{"type": "string", "value": json.dumps(arg)} for arg in args]
        # Arguments arrive as JSON strings and are parsed in the page.
        declaration = (
            f"function (...json) {{ return ({declaration}).apply(this, json.map(JSON.parse)); }}"
        )
        result = self.command(
            "script.callFunction",
            timeout=TIMEOUT + 5,
            functionDeclaration=declaration,
            arguments=arguments,
            target={"context": self.context},
            awaitPromise=True,
        )
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise BiDiError(f"script threw: {details.get('text')}")
        return json.loads(result["result"]["value"])

    def open(self, url: str) -> None:
        self.command("browsingContext.navigate", context=self.context, url=url, wait="complete")

    @property
    def current_url(self) -> str:
        contexts = self.command("browsingContext.getTree", root=self.context)["contexts"]
        return str(contexts[0]["url"])

    def evaluate(self, body: str, *args: Any) -> Any:
        return self._call(BIDI_SYNC.replace("BODY", body), args)

    def run_async(self, body: str, *args: Any) -> Any:
        script = BIDI_ASYNC.replace("TIMEOUT_MS", str(TIMEOUT * 1000)).replace("BODY", body)
        value = self._call(script, args)
        if isinstance(value, dict) and value.get("__timeout__") is True:
            raise TimeoutError(f"firefox: script did not finish within {TIMEOUT} s")
        return value

    def console_since_last(self) -> list[str]:
        with self.lock:
            lines, self.console = self.console, []
        return lines

    def click(self, selector: str) -> None:
        found = self.command(
            "script.callFunction",
            functionDeclaration="(selector) => document.querySelector(selector)",
            arguments=[{"type": "string", "value": selector}],
            target={"context": self.context},
            awaitPromise=False,
            resultOwnership="root",
        )
        if found["type"] != "success" or found["result"]["type"] != "node":
            raise BiDiError(f"no element matches {selector!r}")
        element = {"sharedId": found["result"]["sharedId"]}
        self.command(
            "input.performActions",
            context=self.context,
            actions=[
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [
                        {
                            "type": "pointerMove",
                            "x": 0,
                            "y": 0,
                            "origin": {"type": "element", "element": element},
                        },
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0},
                    ],
                }
            ],
        )
        self.command("input.releaseActions", context=self.context)

    def set_viewport(self, width: int, height: int) -> None:
        self.command(
            "browsingContext.setViewport",
            context=self.context,
            viewport={"width": width, "height": height},
        )

    def screenshot(self, path: Path) -> None:
        data = self.command("browsingContext.captureScreenshot", context=self.context)["data"]
        path.write_bytes(base64.b64decode(data))

    def quit(self) -> None:
        try:
            with contextlib.suppress(BiDiError, OSError):
                self.command("browser.close", timeout=5)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        finally:
            with contextlib.suppress(Exception):
                self.socket.close()
            # Once Firefox has sent its close frame, close() returns without closing the
            # socket: close the socket itself, in every state.
            raw = self.socket.sock
            if raw is not None:
                raw.close()
            _stop_group(self.process)
            self.reader.join(timeout=5)


ENGINES: dict[str, Any] = {"chromium": Chromium, "firefox": Firefox, "webkit": WebKit}


def start(name: str, workdir: Path) -> Engine:
    """Start engine ``name``; EngineUnavailable (with the install line) when not installed."""
    engine = ENGINES[name]
    missing = engine.missing()
    if missing:
        raise EngineUnavailable(
            f"the {name} browser tests need {', '.join(missing)}: install with "
            f'`{engine.install}` and `pip install -e ".[test]"`'
        )
    started: Engine = engine.start(workdir)
    return started
