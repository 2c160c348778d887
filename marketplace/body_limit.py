"""Refuses request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (MAX_UPLOAD_BYTES for multipart forms,
which carry files) with a JSON 413, before any view.

Django only enforces the limit when a view reads request.body or a form, and DRF's JSON parser
reads the stream without it; clients of the APIs also need JSON, not Django's HTML 400 page.
"""

from django.conf import settings
from django.http import JsonResponse


def too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "error": f"request body too large: at most {limit} bytes"}, status=413
    )


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        multipart = request.content_type == "multipart/form-data"
        limit = settings.MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            return JsonResponse({"ok": False, "error": "invalid Content-Length"}, status=400)
        if int(length) > limit:
            return too_large(limit)
        return self.get_response(request)
