"""Sections other features add to the clinician's course page, built by the view.

A feature registers a builder (course -> the section's context) in its ``init_app``;
the course page's view calls ``build(course)`` and passes the result to the template.
So the clinic side never imports the features that add to it, and no template runs a
query: a section the app does not have is simply absent from the dictionary.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

KEY = "course_sections"


def register(app: Flask, name: str, builder: Callable[[dict], dict]) -> None:
    app.extensions.setdefault(KEY, {})[name] = builder


def build(course: dict) -> dict[str, dict]:
    """Every registered section's context for ``course``, by name."""
    return {name: builder(course)
            for name, builder in current_app.extensions.get(KEY, {}).items()}
