"""Security headers on every response, cookies marked Secure behind TLS, and the reverse proxy's forwarded headers.

The pages load scripts and styles only from this site (the bpmn-js and ECharts bundles come from
/vendor, our own from /static), so the policy allows no inline script or style and no other origin.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # bpmn-js's stylesheet draws an icon as a data: image.
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Secure cookies when BASE_URL is https, trust PROXIES reverse proxies, add the headers to every response."""
    secure = str(app.config.get("BASE_URL") or "").lower().startswith("https://")
    app.config.update(SESSION_COOKIE_SECURE=secure, REMEMBER_COOKIE_SECURE=secure, REMEMBER_COOKIE_HTTPONLY=True,
                      REMEMBER_COOKIE_SAMESITE="Lax", PREFERRED_URL_SCHEME="https" if secure else "http")
    proxies = int(app.config.get("PROXIES") or 0)
    if proxies:
        # Only as many X-Forwarded-* hops as there are proxies we run are believed; a client cannot add more.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies, x_prefix=proxies)

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
