"""The one rule for "is this an HTML page (or other markup) where data was expected".

A download that returned an error or login page, saved under a data file's name, is the most
common bad input. Every check — the downloader's content sniffing, the io readers' file checks,
the vector reader — asks :func:`markup_kind` of the file's first bytes.
"""

from __future__ import annotations

__all__ = ["HTML_MARKERS", "is_html", "markup_kind"]

#: How an HTML document starts (lower case, after a BOM and white space).
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
_LEADING = b"\xef\xbb\xbf \t\r\n"


def markup_kind(head: bytes | str) -> str | None:
    """What markup the first bytes of a file are, if any.

    Parameters
    ----------
    head
        The file's first bytes (a few kB; text is encoded as UTF-8).

    Returns
    -------
    str or None
        ``"html"`` for an HTML page (it starts with a doctype, ``<html>``, ``<head>`` or
        ``<body>``, or starts with a tag and has ``<html`` in its first kB), ``"xml"`` for other
        markup (it starts with ``<``), None otherwise.
    """
    raw = head.encode("utf-8", "replace") if isinstance(head, str) else head
    probe = raw.lstrip(_LEADING).lower()
    if not probe.startswith(b"<"):
        return None
    if probe.startswith(HTML_MARKERS) or b"<html" in probe[:1024]:
        return "html"
    return "xml"


def is_html(head: bytes | str) -> bool:
    """True when ``head`` (a file's first bytes) is an HTML page (see :func:`markup_kind`)."""
    return markup_kind(head) == "html"
