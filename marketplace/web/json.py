"""JSON answers for the pages' wallet calls: {"ok": true, …} or {"ok": false, "error": …}."""

import json
from functools import wraps

from django.http import JsonResponse


class BadRequest(Exception):
    pass


def ok(**data) -> JsonResponse:
    return JsonResponse({"ok": True, **data})


def refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def body_json(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object")
    return data


def signed_in(request) -> str | None:
    """The wallet address this session proved with a signature, if any."""
    return request.session.get("wallet")


def wallet_required(view):
    """A JSON view for a signed-in wallet only; it gets the address as `wallet`."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        wallet = signed_in(request)
        if not wallet:
            return refused("sign in with your wallet first", 403)
        return view(request, *args, wallet=wallet, **kwargs)

    return guarded


def form_errors_text(form) -> str:
    return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
