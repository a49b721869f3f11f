"""Rendered template fragments kept in process, for parts of a page that depend on content only.

A questionnaire screen's question and its options are the same for every patient who
opens that screen in that language with that answer chosen: rendered once per
(kind, instrument, locale, content version, step, page language, answer state) key,
they are reused by every later request instead of running the form macros again. The
key and the markup hold questionnaire content only, never anything about a person: no
name, no token, no CSRF token, no free text (kinds with free text are never cached, see
``kinds.StepKind.fragment``), and a screen with errors is always rendered afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from flask import Flask, current_app
from markupsafe import Markup

LIMIT = 4096  # far above the screens x languages x answers a deployment has


class FragmentCache:
    """Markup by key, bounded: full, it starts over (content edits make new keys)."""

    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self._items: dict[Hashable, Markup] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], str]) -> Markup:
        found = self._items.get(key)
        if found is None:
            found = Markup(render())  # nosec B704: the template's own output, escaped there
            with self._lock:
                if len(self._items) >= self.limit:
                    self._items.clear()
                self._items[key] = found
        return found

    def __len__(self) -> int:
        return len(self._items)


def cached_fragment(key: Hashable, caller: Callable[[], str]) -> Markup:
    """``{% call cached_fragment(key) %}…{% endcall %}``: the body, rendered once per key."""
    return current_app.extensions["fragments"].get(key, caller)


def init_app(app: Flask) -> None:
    app.extensions["fragments"] = FragmentCache()
    app.add_template_global(cached_fragment, "cached_fragment")
