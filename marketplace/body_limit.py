"""Request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (MAX_UPLOAD_BYTES for multipart forms, which
carry the store's logos) are refused with a JSON 413 before Django reads them.

An ASGI middleware in front of Django: a Content-Length above the limit is answered at once,
without reading the body; a body without one (chunked) is counted as it arrives and cut at the
limit. Django alone would spool the whole body first, and take a missing length for 0. (The
ASGI server may still buffer what the client sends before the application sees it: daphne
does, so in production the reverse proxy caps the upload too, see README.)
"""

import json

from django.conf import settings


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """ASGI middleware for http scopes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = settings.MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = headers.get(b"content-length")
        if length is not None and not length.isdigit():
            return await _refuse(send, status=400, error="invalid Content-Length")
        if length is not None and int(length) > limit:
            return await _refuse(send, status=413, error=too_large(limit))
        received = 0

        async def receive_counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, receive_counted, send)
        except BodyTooLarge:
            # Django reads the whole body before it answers: nothing has been sent yet.
            await _refuse(send, status=413, error=too_large(limit))


def too_large(limit: int) -> str:
    return f"request body too large: at most {limit} bytes"


async def _refuse(send, *, status: int, error: str):
    body = json.dumps({"ok": False, "error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
