"""The read API's errors: DRF's shape {"detail": message} for DRF's own, for a Refusal with its
status, and for a database outage as a 503 a client can retry."""

import logging

from django.db import DatabaseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.refusal import Refusal

log = logging.getLogger(__name__)
RETRY_SECONDS = 5


def exception_handler(exc, context):
    if isinstance(exc, Refusal):
        return Response({"detail": exc.message}, status=exc.status)
    if isinstance(exc, DatabaseError):
        log.warning("read API: database error: %s", exc)
        return Response(
            {"detail": "The database is unavailable; retry later."},
            status=503,
            headers={"Retry-After": str(RETRY_SECONDS)},
        )
    return drf_exception_handler(exc, context)
