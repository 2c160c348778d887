"""JSON answers for the pages' wallet calls (the store's included): {"ok": true, …} or
{"ok": false, "error": …}; `json_endpoint` turns every Refusal a view raises into the latter."""

from functools import wraps

from django.http import JsonResponse

from marketplace.chain.parse import InputInvalid, json_parse
from marketplace.refusal import Refusal


def ok(**data) -> JsonResponse:
    return JsonResponse({"ok": True, **data})


def refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def json_endpoint(view):
    @wraps(view)
    def answered(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refusal as refusal:
            return refused(refusal.message, refusal.status)

    return answered


def body_json(request) -> dict:
    data = json_parse("the request body", request.body or b"{}")
    if not isinstance(data, dict):
        raise InputInvalid("the request body must be a JSON object")
    return data


def signed_in(request) -> str | None:
    """The wallet address this session proved with a signature, if any."""
    return request.session.get("wallet")


def wallet_required(view):
    """A JSON endpoint for a signed-in wallet only; it gets the address as `wallet`."""

    @json_endpoint
    @wraps(view)
    def guarded(request, *args, **kwargs):
        wallet = signed_in(request)
        if not wallet:
            raise Refusal("sign in with your wallet first", status=403)
        return view(request, *args, wallet=wallet, **kwargs)

    return guarded


def form_checked(form):
    """The form once valid; its errors as one refusal otherwise."""
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())
        raise InputInvalid(errors)
    return form
