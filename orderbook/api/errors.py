"""The market API's one error shape, {"ok": false, "error": message}, for every exception a view
raises: a Refusal with its status and message, node and database failures as the reference's
500, and DRF's own (unparsable body, wrong method…) with their status."""

import logging

from django.db import DatabaseError
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.chain.rpc import RpcError, RpcUnavailable
from marketplace.refusal import Refusal

log = logging.getLogger(__name__)
RETRY = "Something went wrong, you should retry later."


def error(message: str, status: int) -> Response:
    return Response({"ok": False, "error": message}, status=status)


def market_exception_handler(exc, context):
    if isinstance(exc, Refusal):
        return error(exc.message, exc.status)
    if isinstance(exc, ParseError):
        return error("the request body is not valid JSON", 400)
    if isinstance(exc, RpcUnavailable | RpcError | DatabaseError):
        log.warning("market API: %s: %s", type(exc).__name__, exc)
        return error(RETRY, 500)
    response = drf_exception_handler(exc, context)
    if response is not None:
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        response.data = {"ok": False, "error": str(detail or "error")}
    return response
