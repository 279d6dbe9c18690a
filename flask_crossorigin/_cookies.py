"""Would the browser store and send this cookie? The cookie jar's rules, per engine.

A correct credentialed CORS answer lets the page read the response; whether the
cookie it sets comes back on the next ``fetch(url, {credentials: "include"})`` is the
cookie jar's decision, and the engines differ (CORS-FACTS-cookies.md, measured with
Chromium 156, Firefox 153 ESR and WebKitGTK 2.50):

- Chromium (as built here, and Chrome's Incognito) blocks third-party cookies; only
  ``SameSite=None; Secure; Partitioned`` (CHIPS) crosses sites.
- Firefox keeps a cookie set by a cross-site fetch in the page site's jar, unless it is
  ``SameSite=Lax``/``Strict``.
- Safari blocks every third-party cookie; from 26.2 a partitioned one crosses. WebKit
  never keeps a ``Secure`` cookie from an ``http://`` origin, ``localhost`` included.

The scenario judged is the usual login: the API sets the cookie in answer to the
page's credentialed ``fetch()``, and the page's next credentialed ``fetch()`` needs it.

Two sides use these rules: :mod:`flask_crossorigin.testing` for each cookie it sees
set, and the hooks, through :func:`session_cookie_warning`, for the app's session
cookie when a credentialed policy answers a page of another site.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask.sessions import SessionInterface

from ._browser import ENGINE_NAMES, ENGINES

if TYPE_CHECKING:
    from flask import Flask

#: Hosts where Chromium and Firefox keep a ``Secure`` cookie over ``http://`` (measured).
SECURE_OVER_HTTP = frozenset({"localhost", "127.0.0.1"})
#: Public suffixes of two labels that the examples meet; a full Public Suffix List is
#: not bundled, so other multi-label suffixes are read as one label.
TWO_LABEL_SUFFIXES = frozenset({"co.uk", "org.uk", "com.au", "co.jp", "github.io", "pages.dev"})
ONE_SITE = (
    "serve the page and the API from one site (e.g. app.example.com and api.example.com), "
    "where every valid cookie travels in every engine"
)


@dataclass(frozen=True)
class Cookie:
    """The attributes of one cookie that decide whether it travels."""

    name: str
    #: ``"None"``, ``"Lax"``, ``"Strict"``, or None when the attribute is absent.
    samesite: str | None
    secure: bool
    partitioned: bool
    domain: str | None
    #: Where it comes from: ``"Set-Cookie on POST /login"`` or the session config.
    source: str
    #: It is the app's session cookie, so the fix is written as ``SESSION_COOKIE_*`` keys.
    is_session: bool = False


@dataclass(frozen=True)
class CookieNote:
    """A cookie that would not be stored or not be sent, why, and the change that fixes it."""

    cookie: str
    source: str
    engine: str
    reason: str
    fix: str

    def __str__(self) -> str:
        return f"cookie {self.cookie!r} ({self.source}): {self.reason}; fix: {self.fix}"


def session_cookie(app: Flask) -> Cookie | None:
    """The session cookie the app's config describes, if the app can have a session."""
    interface = app.session_interface
    if not app.secret_key or not hasattr(interface, "get_cookie_name"):
        return None
    partitioned = bool(getattr(interface, "get_cookie_partitioned", lambda _app: False)(app))
    samesite = interface.get_cookie_samesite(app)
    domain = interface.get_cookie_domain(app)
    return Cookie(
        name=interface.get_cookie_name(app),
        samesite=samesite.capitalize() if samesite else None,
        # Werkzeug's dump_cookie makes every partitioned cookie Secure.
        secure=interface.get_cookie_secure(app) or partitioned,
        partitioned=partitioned,
        domain=domain.lstrip(".").lower() if domain else None,
        source="the session cookie, from app.config",
        is_session=True,
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    """The host's registrable domain; ``localhost`` counts as a suffix (measured, 8.1)."""
    if _is_ip(host):
        return host
    labels = host.lower().rstrip(".").split(".")
    suffix = 2 if ".".join(labels[-2:]) in TWO_LABEL_SUFFIXES else 1
    return ".".join(labels[-(suffix + 1) :])


def same_site(page: str, api: str, engine: str) -> bool:
    """Whether ``page`` and ``api`` are one site for ``engine``: Chromium's site has the scheme."""
    if page in ("null", "file://"):
        return False
    page_url, api_url = urlsplit(page), urlsplit(api)
    if engine == "chromium" and page_url.scheme != api_url.scheme:
        return False
    return registrable_domain(page_url.hostname or "") == registrable_domain(api_url.hostname or "")


#: A host as a browser sends it (a DNS name or an IP literal), with an optional port.
_SERIALIZED_HOST = re.compile(
    r"(?:[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
)

#: Flask 3.1 added ``SESSION_COOKIE_PARTITIONED``; older Flask ignores the key.
FLASK_PARTITIONS = hasattr(SessionInterface, "get_cookie_partitioned")


def _setting(cookie: Cookie, **attributes: object) -> str:
    """The change, written as the app would make it: config keys or ``set_cookie`` keywords."""
    if cookie.is_session:
        keys = ", ".join(
            f"SESSION_COOKIE_{key.upper()}={value!r}" for key, value in attributes.items()
        )
        if attributes.get("partitioned") and not FLASK_PARTITIONS:
            keys += " (SESSION_COOKIE_PARTITIONED takes effect from Flask 3.1: upgrade Flask)"
        return keys
    keywords = ", ".join(f"{key}={value!r}" for key, value in attributes.items())
    return f"response.set_cookie({cookie.name!r}, ..., {keywords})"


def _refused_everywhere(cookie: Cookie, api: str, engine: str) -> tuple[str, str] | None:
    """Rules that hold whether or not the page is on the API's site."""
    api_url = urlsplit(api)
    host = api_url.hostname or ""
    webkit = engine == "safari"
    if cookie.domain is not None and not (
        host == cookie.domain or (not _is_ip(host) and host.endswith("." + cookie.domain))
    ):
        return (
            f"its Domain={cookie.domain} does not cover the API's host {host}; no browser keeps it",
            _setting(cookie, domain=None) + " (a host-only cookie)",
        )
    if cookie.samesite == "None" and not cookie.secure and not webkit:
        return (
            "SameSite=None without Secure is refused",
            _setting(cookie, secure=True) + " with SameSite=None",
        )
    if cookie.partitioned and not cookie.secure:
        return ("Partitioned without Secure is refused", _setting(cookie, secure=True))
    if cookie.secure and api_url.scheme == "http":
        if webkit:
            return (
                "WebKit never keeps a Secure cookie from an http:// origin, localhost included",
                "serve the API over https (in development over http, leave Secure off)",
            )
        if host not in SECURE_OVER_HTTP:
            return (
                f"a Secure cookie from http://{host} is refused (only localhost and "
                "127.0.0.1 are exempt)",
                "serve the API over https (in development, use localhost or 127.0.0.1)",
            )
    return None


def _cross_site_fix(cookie: Cookie, api: str, engine: str) -> str:
    """The one change that works in every engine that can send a cookie across sites at all."""
    crossing = _setting(cookie, samesite="None", secure=True, partitioned=True)
    api_url = urlsplit(api)
    if api_url.scheme == "http" and (
        engine == "safari" or api_url.hostname not in SECURE_OVER_HTTP
    ):
        return f"{ONE_SITE}; over http no Secure cookie crosses sites here"
    if cookie.samesite == "None" and cookie.secure and cookie.partitioned:
        return ONE_SITE
    safari = (
        "Safari 26.2+" if api_url.scheme == "https" else "Safari 26.2+ once the API is on https"
    )
    return (
        f"{crossing} (travels in Chromium, Firefox and {safari}, seen only by pages of the "
        f"page's site), or {ONE_SITE}"
    )


def _refused_across_sites(cookie: Cookie, engine: str) -> str | None:
    """Why ``engine`` does not send a cookie that the API set on a cross-site page's fetch."""
    if engine == "firefox":
        if cookie.samesite in ("Lax", "Strict"):
            return f"it is SameSite={cookie.samesite}, and a cross-site fetch does not carry it"
        return None
    chips = cookie.samesite == "None" and cookie.secure and cookie.partitioned
    if engine == "safari":
        if chips:
            return None  # Safari 26.2 and later (CHIPS); earlier ones block it too.
        return "Safari blocks every third-party cookie; only a partitioned one crosses (26.2+)"
    if chips:
        return None
    if cookie.samesite is None:
        return (
            "without SameSite, Chromium treats it as Lax, and a cross-site fetch does not carry it"
        )
    if cookie.samesite != "None":
        return f"it is SameSite={cookie.samesite}, and a cross-site fetch does not carry it"
    return (
        "Chromium blocks unpartitioned third-party cookies (as here, and in Chrome's Incognito; "
        "desktop Chrome still sends it for now)"
    )


def judge(cookie: Cookie, page: str, api: str, engine: str) -> CookieNote | None:
    """Why ``cookie`` would not travel from ``api`` to a fetch of ``page``; None if it travels."""
    one_site = same_site(page, api, engine)
    refused = _refused_everywhere(cookie, api, engine)
    if refused is not None:
        reason, fix = refused
        if not one_site and ("without Secure" in reason or "http:// origin" in reason):
            fix = _cross_site_fix(cookie, api, engine)
        elif cookie.samesite == "None" and "without Secure" in reason:
            fix = _setting(cookie, samesite="Lax") + " (page and API are one site)"
        return CookieNote(cookie.name, cookie.source, engine, reason, fix)
    if one_site:
        return None
    across = _refused_across_sites(cookie, engine)
    if across is None:
        return None
    return CookieNote(
        cookie.name, cookie.source, engine, across, _cross_site_fix(cookie, api, engine)
    )


def _site_host(origin: str) -> str | None:
    """The registrable domain of a serialized origin; None for an opaque one (``null``)."""
    if origin in ("null", "file://"):
        return None
    try:
        host = urlsplit(origin).hostname
    except ValueError:
        return None
    return registrable_domain(host) if host else None


def session_cookie_warning(app: Flask, origin: str, own_origin: str) -> str | None:
    """Why the session cookie would not reach ``own_origin`` from a page at ``origin``.

    For the warning a credentialed policy logs when it answers a page of another site
    (API.md, "Credentials across sites"): the engines that would not send the app's
    session cookie, each one's reason, and the change that makes it travel in every
    engine that can send a cookie across sites at all (or that only one site for page
    and API will do). None when the page is on the API's registrable domain, the app
    has no session, the API's host cannot be read, or the cookie travels in every engine.

    :param origin: the request's ``Origin``, allowed by a credentialed policy.
    :param own_origin: the API's origin as the app sees the request, ``scheme://host[:port]``.
    """
    if not _SERIALIZED_HOST.fullmatch(own_origin.partition("://")[2]):
        return None  # a Host no browser would send (Werkzeug 3.0 passes "a b" through)
    own_site = _site_host(own_origin)
    if own_site is None or own_site == _site_host(origin):
        return None  # no host to judge (werkzeug gives "" for an invalid one), or one site
    cookie = session_cookie(app)
    if cookie is None:
        return None
    notes = [
        note
        for engine in ENGINES
        if (note := judge(cookie, origin, own_origin, engine)) is not None
    ]
    if not notes:
        return None
    engines = ", ".join(ENGINE_NAMES[note.engine] for note in notes)
    reasons = "; ".join(f"{ENGINE_NAMES[note.engine]}: {note.reason}" for note in notes)
    fixes: dict[str, list[str]] = {}
    for note in notes:
        fixes.setdefault(note.fix, []).append(ENGINE_NAMES[note.engine])
    first, *others = fixes
    advice = "set " + first if first.startswith("SESSION_COOKIE_") else first
    for fix in others:
        where = " and ".join(fixes[fix])
        if fix.startswith(ONE_SITE) and ONE_SITE in first:
            tail = fix.removeprefix(ONE_SITE).lstrip("; ")
            advice += f"; in {where} only one site will do" + (f" ({tail})" if tail else "")
        else:
            advice += f"; in {where}: {fix}"
    return (
        f"the session cookie {cookie.name!r} will not reach {_quoted(own_origin)} on "
        f"credentialed requests from {_quoted(origin)}, another site, in {engines} ({reasons}). "
        f"To fix it: {advice}. (Logged once per app.)"
    )


def _quoted(value: str) -> str:
    """A request value for a log line: quoted, so no control character goes raw, and short."""
    return repr(value[:100] + "..." if len(value) > 100 else value)
