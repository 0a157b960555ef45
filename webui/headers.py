"""Security headers on every answer, pages, CSV, files and the JSON API alike.

- ``Content-Security-Policy``: scripts, styles, images and forms from this site only, and
  nothing inline (no inline script, no ``style`` attribute or element: the report's SVG
  charts use presentation attributes and classes from ``alur.css``), never framed.
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: same-origin`` (links out, a meeting's join link, do not carry our
  URLs, which hold request and task ids).
- ``Cache-Control: no-store`` on everything but the static files: pages, CSV exports,
  letters and API answers hold personal data that a shared computer must not keep.
- ``Strict-Transport-Security`` when the request came over HTTPS (behind a reverse proxy
  that is only known with ``ALUR_TRUSTED_PROXIES``, which makes ``X-Forwarded-Proto``
  believed).
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"


def _secure(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register(app: Flask) -> None:
    app.after_request(_secure)
