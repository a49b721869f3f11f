"""Logging: one line per event on standard error, as plain text (the default) or JSON.

Everything the app logs goes through the ``patientapp`` logger (Flask's ``app.logger``
and every ``patientapp.*`` module logger). Messages name rows by id and count things;
they never hold names, contact details, answers or tokens.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask

LOGGER = "patientapp"
PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _handler(app: Flask) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(PLAIN))
    handler.patientapp = True  # ours: replaced, not added again, by the next create_app
    return handler


def init_app(app: Flask) -> None:
    """Set up the ``patientapp`` logger before Flask adds its own default handler."""
    logger = logging.getLogger(LOGGER)
    for old in [h for h in logger.handlers if getattr(h, "patientapp", False)]:
        logger.removeHandler(old)
    logger.addHandler(_handler(app))
    logger.setLevel(app.config["LOG_LEVEL"])
