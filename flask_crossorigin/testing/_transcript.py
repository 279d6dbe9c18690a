"""What came back from acting out a ``fetch()``: the exchanges, the verdict, the transcript.

:class:`FetchResult` is both the data a test asserts on and the step-by-step text
``flask cors check`` prints. Every line goes through ``FetchResult._say``, which
escapes control characters, so a path or header value cannot drive the terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import _browser as browser
from .._cookies import CookieNote
from .._http import REQUEST_METHOD
from .._signals import Kind, refusal_line
from ._request import FetchRequest

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from .._policy import Refusal

#: C0 controls, DEL and C1 controls: shown escaped, never written to a terminal raw.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: Refusal kinds that mean the server refused before the view ran (API.md, write gate).
BEFORE_THE_VIEW = ("write", "websocket")


def escape_controls(text: str) -> str:
    r"""``text`` with every control character shown as ``\xNN`` (ESC, BEL, backspace, ...)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True)
class Refused:
    """One ``cors_refused`` signal the app sent while answering a request."""

    endpoint: str | None
    kind: str
    refusal: Refusal
    #: False when the app only reported the refusal (``"report"`` mode).
    enforced: bool = True
    #: The request's method, as the signal gave it.
    method: str = "GET"

    @property
    def before_the_view(self) -> bool:
        """The server refused a cross-origin write (or WebSocket) before its view ran."""
        return self.enforced and self.kind in BEFORE_THE_VIEW

    def __str__(self) -> str:
        """The server's log line for it."""
        kind = Kind(self.kind) if self.kind in Kind._value2member_map_ else Kind.ACTUAL
        return refusal_line(self.endpoint, kind, self.method, self.refusal, enforced=self.enforced)


@dataclass(frozen=True)
class Exchange:
    """One request the browser sent, the app's response, and the refusals it signalled."""

    #: The method sent, as the browser spelled it.
    method: str
    #: The path sent (dot segments resolved, as a browser resolves them).
    path: str
    #: The request's headers, in the order sent (``Origin`` and the preflight's included).
    request_headers: tuple[tuple[str, str], ...]
    #: The app's answer (a test client's response, or the 500 a server sends on a crash).
    response: Response
    #: The refusals the app signalled while answering it (``cors_refused``), each with
    #: its ``kind``, ``endpoint``, ``refusal`` and ``enforced``.
    refused: tuple[Refused, ...]
    #: The error that escaped the app, so a server answered 500 instead, else None.
    server_error: str | None = None

    @property
    def is_preflight(self) -> bool:
        """It is a CORS preflight: an ``OPTIONS`` with ``Access-Control-Request-Method``."""
        return self.method == "OPTIONS" and any(
            name == REQUEST_METHOD for name, _ in self.request_headers
        )


@dataclass
class FetchResult:
    """What a browser would make of one ``fetch()``; ``str()`` is the step-by-step transcript.

    ``allowed`` is the CORS verdict: the page can read the response, whatever its
    status. A 5xx the view answered with the right headers is allowed (the page reads
    the error); a 5xx caused by a broken CORS configuration is in ``config_error``, and
    :meth:`assert_allowed` fails on it.
    """

    request: FetchRequest
    #: The page can read the response (and every ``expose`` header).
    allowed: bool = False
    #: A preflight was sent (on any hop).
    preflighted: bool = False
    #: Every request sent, in order, with its response.
    exchanges: list[Exchange] = field(default_factory=list)
    #: Why the browser blocked it, in Chromium's words and with the option that decides it.
    blocked: browser.Blocked | None = None
    #: The server's own refusal (from ``cors_refused``), when it refused one of the requests.
    refusal: Refusal | None = None
    #: The server refused a cross-origin write before its view ran (the view did not run).
    refused_before_view: bool = False
    #: What the engine's console prints for a block (its lines), else None.
    console: str | None = None
    #: What the page's script sees: ``"TypeError: Failed to fetch"`` and the like, else None.
    js_error: str | None = None
    #: The engine acted out: ``"chromium"``, ``"firefox"`` or ``"safari"``.
    engine: str = "chromium"
    #: The last response's status, as the page's script would see it when allowed.
    status: int | None = None
    #: The app's CORS configuration is broken, so it answered 500 (what to fix), else None.
    config_error: str | None = None
    #: Why Chromium 142+ asks the user before this fetch reaches the server (Local
    #: Network Access: a public page fetching a local or loopback address), else None.
    #: Not a CORS verdict: ``allowed`` is what happens once the user allows it.
    local_network: str | None = None
    #: Cookies that would not be stored or sent on this credentialed request, and why.
    cookies: list[CookieNote] = field(default_factory=list)
    _lines: list[str] = field(default_factory=list, repr=False)

    @property
    def transcript(self) -> str:
        """Every step as ``flask cors check`` prints it: the requests, the responses, the
        browser's checks on each, the verdict and the option to change."""
        return "\n".join(self._lines)

    def __str__(self) -> str:
        return self.transcript

    def _say(self, line: str = "") -> None:
        self._lines.append(escape_controls(line))

    def assert_allowed(self) -> None:
        """Fail, with the transcript, unless a browser would let the page read the response.

        It also fails when the answer is the 500 of a broken CORS configuration
        (``config_error``), even if a browser could read it.
        """
        if self.config_error is not None:
            raise AssertionError(
                f"the app's CORS configuration is broken: {self.config_error}\n{self.transcript}"
            )
        if not self.allowed:
            raise AssertionError(f"a browser would block this fetch():\n{self.transcript}")

    def assert_blocked(self, reason: str | None = None) -> None:
        """Fail, with the transcript, unless a browser would block it (for ``reason``).

        :param reason: text that the console message, the block's reason or the
            server's refusal line must contain, e.g. ``"origin is not allowed"``.
        """
        if self.allowed:
            raise AssertionError(f"a browser would allow this fetch():\n{self.transcript}")
        if reason is None:
            return
        said = [self.console or "", self.blocked.message if self.blocked else ""]
        said += [str(refused) for exchange in self.exchanges for refused in exchange.refused]
        if not any(reason in text for text in said):
            raise AssertionError(f"blocked, but not for {reason!r}:\n{self.transcript}")

    def assert_cookies_travel(self) -> None:
        """Fail, with each cookie's reason and fix, unless every cookie would be stored and sent.

        .. versionadded:: 0.2.0
        """
        if self.cookies:
            notes = "\n".join(f"  {note}" for note in self.cookies)
            raise AssertionError(
                f"{browser.ENGINE_NAMES[self.engine]} would not send these cookies:\n{notes}\n"
                f"{self.transcript}"
            )
