"""Content-Security-Policy on every response: the site's own scripts, styles and images only.

Pages carry no inline script, style or event handler (the wallet code is in static/js, htmx
adds no <style>: see templates/base.html), so an injected tag cannot run or load anything from
elsewhere, and store descriptions cannot pull images from other sites (a tracking beacon). The
API docs' Swagger UI is served by the site too (drf-spectacular-sidecar). A response that sets
its own policy (the store's logos) keeps it.
"""

from django.core.exceptions import DisallowedHost


def policy(*, websocket: str) -> str:
    websocket = f" {websocket}" if websocket else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            # Live updates: the same host's websockets ('self' covers them only in CSP 3).
            f"connect-src 'self'{websocket}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy(websocket=_websocket_origin(request))
        return response


def _websocket_origin(request) -> str:
    try:
        host = request.get_host()
    except DisallowedHost:  # the answer is the 400 about that host: no page, no websocket
        return ""
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"
