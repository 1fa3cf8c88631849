"""Security headers on every response (issue #14 point 8).

Every page runs under a Content-Security-Policy without 'unsafe-inline' (pages are markup plus same-origin
modules and stylesheets: no inline script, no style attribute), so an injected tag runs nothing. Staff pages may
not be framed at all (frame-ancestors 'none' and X-Frame-Options DENY: no clickjacking of an agent's clicks);
the buyer widget sets its own policy, framed only by the shop's allowed embed origins (kefu.shops). Every
response says nosniff and keeps the URL to this origin in the Referer. Behind TLS (KEFU_PUBLIC_URL https://)
browsers are told to stay on HTTPS (HSTS) and cookies are Secure (Settings.secure_cookies)."""

from __future__ import annotations

BASE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")
STAFF_CSP = BASE_CSP + "; frame-ancestors 'none'"
HSTS = "max-age=31536000"


def widget_csp(origins: list[str]) -> str:
    """The widget's policy: framed by the shop's own pages here and the embed origins the admin allowed; any
    site while the shop has listed none (the embed snippet works out of the box)."""
    return BASE_CSP + "; frame-ancestors " + (" ".join(["'self'", *origins]) if origins else "*")


class SecurityHeaders:
    def __init__(self, app, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                have = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in have:
                    extra.append((b"content-security-policy", STAFF_CSP.encode()))
                    extra.append((b"x-frame-options", b"DENY"))
                if self.hsts:
                    extra.append((b"strict-transport-security", HSTS.encode()))
                headers += [(k, v) for k, v in extra if k not in have]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
