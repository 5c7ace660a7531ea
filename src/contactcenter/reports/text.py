"""Text safe for a terminal (no imports beyond the standard library, so that the
command line can use it before anything heavy is loaded)."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (escape sequences that clear the
    screen or set the title, bells, carriage returns) shown as ``\\xNN`` escapes."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
