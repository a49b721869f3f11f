"""Error pages: every failure gets a clear page in the user's language, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .logs import endpoint_name
from .params import BadParameter

log = logging.getLogger("patientapp.errors")

MESSAGES = {
    400: (_l("Something went wrong with that form"),
          _l("Your answers so far are saved. Go back, reload the page and try again.")),
    404: (_l("Page not found"),
          _l("Check that the address is exactly as you received it.")),
    405: (_l("That did not work"), _l("Go back and use the buttons on the page.")),
    410: (_l("This page is no longer available"), _l("Contact your clinic for help.")),
    413: (_l("That was too much text"),
          _l("Shorten what you wrote and try again. Your earlier answers are saved.")),
    429: (_l("Too many attempts"), _l("Please wait a minute and try again.")),
    500: (_l("Sorry, something went wrong on our side"),
          _l("Your earlier answers are saved. Please try again in a few minutes.")),
}
BAD_PARAMETER_TITLE = _l("The address is not right")
CSRF_MESSAGE = (_l("This page had expired"),
                _l("For your safety, forms expire. Your earlier answers are saved. "
                   "Go back, reload the page and try again."))


def too_many_requests(retry_after: int):
    """The "try again later" page, with the wait in Retry-After."""
    body, code = render_error(429, *MESSAGES[429])
    return body, code, {"Retry-After": str(retry_after)}


def render_error(code: int, title, message):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http(error: HTTPException):
    if request.path.startswith("/api/"):
        # Routing errors (404, 405) never reach the API blueprint's own handlers.
        from ..api.problems import from_http_error

        return from_http_error(error)
    if isinstance(error, BadParameter):
        return render_error(400, BAD_PARAMETER_TITLE, _(error.error.message, **error.error.params))
    code = error.code or 500
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return render_error(code, title, message)


def handle_csrf(_error: CSRFError):
    return render_error(400, *CSRF_MESSAGE)


def handle_unexpected(error: Exception):
    # The traceback and the request id (logs.py adds it, and the response carries it in
    # X-Request-ID) let a fault a user reports be found; never the URL, which may hold a
    # patient's link, nor the form data.
    endpoint = endpoint_name()
    log.error("unexpected error in %s %s: %s", request.method, endpoint, type(error).__name__,
              exc_info=error, extra={"method": request.method, "endpoint": endpoint,
                                     "event": "unexpected-error"})
    return render_error(500, *MESSAGES[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
