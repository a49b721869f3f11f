"""Patient link tokens and HTTP security headers.

A token is 256 random bits, shown once (in the link) and stored only as its
SHA-256 hash, so a copy of the database cannot be turned into working links.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Flask, Response, request

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


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
