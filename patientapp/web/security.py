"""Patient link tokens and HTTP security headers.

A token is 256 random bits, shown once (in the link) and stored only as its
SHA-256 hash, so a copy of the database cannot be turned into working links.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask.ctx import _AppCtxGlobals

TOKEN_BYTES = 32
# Paths that hold no personal data and may be cached (stylesheet, script, drawings).
PUBLIC_ASSETS = ("/static/", "/exercise-images/")

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'none'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "manifest-src 'self'",
])


def new_token(nbytes: int = TOKEN_BYTES) -> tuple[str, str]:
    """A fresh URL-safe token and the hash to store."""
    token = secrets.token_urlsafe(nbytes)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # SHA-256 without salt is right here: the token has 256 bits of entropy, so there is
    # nothing to brute-force, and an unsalted hash allows an indexed lookup.
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")  # tokens live in URLs
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # request.is_secure already follows PATIENTAPP_PROXY_COUNT: ProxyFix trusts
    # X-Forwarded-Proto only from that many proxies, and with 0 nobody's word is taken.
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not request.path.startswith(PUBLIC_ASSETS):
        # Health data must not linger in shared or browser caches.
        headers["Cache-Control"] = "no-store"
    return response


# Signed CSRF tokens by the raw token in the session they sign, per app (each app has its
# own secret key), so a visit's token is minted once rather than on every page.
SIGNED_LIMIT = 20_000  # about 4 MB; full, it starts over (tokens are then signed anew)


def _csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _signed_tokens() -> dict[str, str]:
    return current_app.extensions.setdefault("csrf_signed", {})


class Globals(_AppCtxGlobals):
    """``g``, which finds this visit's signed CSRF token at the moment Flask-WTF looks.

    Flask-WTF signs the session's raw CSRF token afresh on every request that shows a form
    (``generate_csrf`` keeps it in ``g`` for that request only): about 50 µs of HMAC, JSON
    and base64 a page. It first asks whether ``g`` has the token; this answers with the one
    signed earlier for the session's raw token as it is at that moment, so a session
    cleared earlier in the request (sign-in, sign-out, idle time-out) gets a new one. A
    posted token is still checked by Flask-WTF alone, against the raw token in the signed
    session cookie, exactly as before. The signed tokens are kept in process memory, not in
    the cookie: there they would make every request's cookie larger and slower to open.
    """

    def __contains__(self, item: str) -> bool:
        if super().__contains__(item):
            return True
        if not has_request_context() or item != _csrf_field():
            return False
        raw = session.get(item)
        signed = _signed_tokens().get(raw) if raw else None
        if signed:
            setattr(self, item, signed)
        return signed is not None


def keep_csrf_token(response: Response) -> Response:
    field = _csrf_field()
    signed = g.get(field)  # only where a form was made (which read the session)
    raw = session.get(field) if signed else None
    if raw and signed:
        tokens = _signed_tokens()
        if raw not in tokens:
            if len(tokens) >= SIGNED_LIMIT:
                tokens.clear()
            tokens[raw] = signed
    return response


def init_app(app: Flask) -> None:
    app.app_ctx_globals_class = Globals
    app.after_request(keep_csrf_token)
    app.after_request(set_security_headers)
