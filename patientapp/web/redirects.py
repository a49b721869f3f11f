"""Which ``next=`` targets a redirect may follow: paths on this site only.

Browsers are lenient with a ``Location`` header: they drop tabs and newlines, read a
backslash as a slash and take ``//host`` (or ``/\\host``) as another site. So a target
is accepted only when it is a plain path: one ``/``, then printable ASCII without
whitespace, backslash or a second slash in a row – and the same still holds after
percent-decoding it (as often as it decodes), so that an encoded ``%2F`` or ``%09``
cannot reappear as a slash or a tab further along. Pure: no Flask import.
"""

from __future__ import annotations

from urllib.parse import unquote

# Enough for any encoding someone nested on purpose; deeper nesting is refused.
MAX_DECODING_ROUNDS = 4


def _plain_path(text: str) -> bool:
    if not text.startswith("/") or "//" in text:
        return False
    return all("!" <= ch <= "~" and ch != "\\" for ch in text)


def is_local_path(target: str, prefix: str = "/") -> bool:
    """True if ``target`` is a path on this site that starts with ``prefix``."""
    if not isinstance(target, str) or not target.startswith(prefix):
        return False
    text = target
    for _ in range(MAX_DECODING_ROUNDS):
        if not _plain_path(text):
            return False
        decoded = unquote(text, errors="replace") if "%" in text else text
        if decoded == text:
            return True
        text = decoded
    return False


def local_path_or(target: str | None, fallback: str, prefix: str = "/") -> str:
    """``target`` when it is a safe local path under ``prefix``, else ``fallback``."""
    return target if target and is_local_path(target, prefix) else fallback
