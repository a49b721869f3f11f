"""Work done in a thread after a request has answered: the patient never waits for it.

Each thread is kept on the app, so tests (and a careful shutdown) can wait for them.
Whatever a thread does not manage, the scheduled commands pick up later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

THREADS_KEY = "background_threads"


def start(app: Flask, name: str, target: Callable, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    threads = app.extensions.setdefault(THREADS_KEY, [])
    threads[:] = [t for t in threads if t.is_alive()]
    threads.append(thread)
    thread.start()
    return thread


def wait(app: Flask, timeout: float = 30) -> None:
    for thread in list(app.extensions.get(THREADS_KEY, [])):
        thread.join(timeout)
