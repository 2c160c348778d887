"""Sign-in with Ethereum for the pages: the message to sign, its verification, sign-out."""

from django.http import HttpResponseRedirect
from django.views.decorators.http import require_GET, require_POST

from marketplace.chain.parse import InputInvalid
from marketplace.ratelimit import rate_limited
from marketplace.web.json import body_json, json_endpoint, ok
from marketplace.web.signin import NONCE_TTL, signin_message_prepare, signin_verify
from marketplace.web.site import site_chain_id


def _session_key(request) -> str:
    if not request.session.session_key:
        # A session made only to hold a nonce expires with it, unless its visitor signs in.
        request.session.set_expiry(NONCE_TTL)
        request.session.save()
    return request.session.session_key


@require_GET
@rate_limited(group="signin")
@json_endpoint
def message(request):
    text = signin_message_prepare(
        session_key=_session_key(request),
        address=request.GET.get("address", ""),
        domain=request.get_host(),
        uri=request.build_absolute_uri("/"),
        chain_id=site_chain_id(),
    )
    return ok(message=text)


@require_POST
@rate_limited(group="signin")
@json_endpoint
def verify(request):
    data = body_json(request)
    if not isinstance(data.get("message"), str) or not isinstance(data.get("signature"), str):
        raise InputInvalid("message and signature must be strings")
    address = signin_verify(
        session_key=_session_key(request),
        message=data["message"],
        signature=data["signature"],
        domain=request.get_host(),
        chain_id=site_chain_id(),
    )
    # A new session key on sign-in: a session id seen before cannot ride on the signature.
    request.session.cycle_key()
    request.session.set_expiry(None)  # the site's usual session age from now on
    request.session["wallet"] = address
    return ok(address=address)


@require_POST
def signout(request):
    request.session.flush()
    return HttpResponseRedirect("/")
