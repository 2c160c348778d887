"""Error pages: HTML for browsers, JSON for API clients (the SDK fails on anything but JSON)."""

from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error


def _wants_html(request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def not_found(request, exception=None):
    if _wants_html(request):
        return page_not_found(request, exception)
    return JsonResponse({"ok": False, "error": "Not Found"}, status=404)


def internal_error(request):
    if _wants_html(request):
        return server_error(request)
    return JsonResponse({"ok": False, "error": "Internal error"}, status=500)
