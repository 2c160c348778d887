"""Ids in page URLs through the one parser core (marketplace.chain.parse): a malformed id names
no page, so its refusal is a 404 that says why."""

from django.http import Http404

from marketplace.chain.parse import InputInvalid, address_parse, bytes32_parse


def address_or_404(value: str, *, name: str = "address") -> str:
    try:
        return address_parse(name, value)
    except InputInvalid as refusal:
        raise Http404(refusal.message) from None


def bytes32_or_404(value: str, *, name: str) -> str:
    try:
        return bytes32_parse(name, value)
    except InputInvalid as refusal:
        raise Http404(refusal.message) from None
