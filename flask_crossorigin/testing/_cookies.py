"""The cookies the app sets on the exchanges acted out, read as a browser's jar reads them.

The rules that decide whether a cookie travels live in :mod:`flask_crossorigin._cookies`,
which the server's own warning uses too; this module adds only the reading of a
``Set-Cookie`` line, which only the acting-out needs.
"""

from __future__ import annotations

from .._cookies import Cookie


def parse_set_cookie(line: str, source: str) -> Cookie | None:
    """The attributes of a ``Set-Cookie`` line (RFC 6265bis, 5.6), or None if it has no name."""
    pair, *attributes = line.split(";")
    name = pair.partition("=")[0].strip()
    if not name:
        return None
    samesite: str | None = None
    secure = partitioned = False
    domain: str | None = None
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        key, value = key.strip().lower(), value.strip()
        if key == "samesite":
            samesite = {"none": "None", "lax": "Lax", "strict": "Strict"}.get(value.lower())
        elif key == "secure":
            secure = True
        elif key == "partitioned":
            partitioned = True
        elif key == "domain" and value:
            domain = value.lstrip(".").lower()
    return Cookie(name, samesite, secure, partitioned, domain, source)
