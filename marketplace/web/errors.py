"""Error pages: HTML for browsers, JSON for API clients (the SDK fails on anything but JSON)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.defaults import server_error


def _wants_html(request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _reason(exception) -> str:
    """A view's Http404 says why (a malformed id, an unknown deal…); an unmatched URL, whose
    Resolver404 carries a dict of the routes tried, says nothing."""
    message = exception.args[0] if exception is not None and exception.args else None
    return message if isinstance(message, str) else "Not Found"


def not_found(request, exception=None):
    reason = _reason(exception)
    if _wants_html(request):
        return render(request, "404.html", {"reason": reason}, status=404)
    return JsonResponse({"ok": False, "error": reason}, status=404)


def internal_error(request):
    if _wants_html(request):
        return server_error(request)
    return JsonResponse({"ok": False, "error": "Internal error"}, status=500)
