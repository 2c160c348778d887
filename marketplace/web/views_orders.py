"""The pages' order calls for a signed-in wallet: prepare an order to sign, publish the signed
order, unpublish one. Publication runs every rule of the market API (orderbook.services), with
the session's wallet as the authorized address instead of a challenge."""

from decimal import Decimal, InvalidOperation

from django.views.decorators.http import require_POST

from marketplace.chain.protocol import ORDER_KINDS, SELL_KINDS, TAG_BITS, tag_hex, tag_value
from marketplace.ratelimit import rate_limited
from marketplace.web.forms import NRLC
from marketplace.web.json import BadRequest, body_json, ok, refused, wallet_required
from marketplace.web.site import site_chain_id
from orderbook import drafts
from orderbook.parsing import OrderInvalid, address_parse, uint_parse
from orderbook.serialize import order_json
from orderbook.services import Refused, order_publish, order_unpublish


def _kind(data: dict, allowed) -> str:
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in allowed:
        raise BadRequest(f"kind must be one of {', '.join(sorted(allowed))}")
    return kind


def tag_of(names) -> str:
    if not isinstance(names, list) or any(n not in TAG_BITS for n in names):
        raise BadRequest(f"tags must be a list of {', '.join(TAG_BITS)}")
    return tag_hex(tag_value(names))


def rlc_to_nrlc(name: str, value) -> int:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadRequest(f"{name} must be an amount in RLC") from None
    nrlc = amount * NRLC
    if not amount.is_finite() or amount < 0 or nrlc != nrlc.to_integral_value():
        raise BadRequest(f"{name} must be a non-negative amount with at most 9 decimals")
    return uint_parse(name, int(nrlc))


def _answer(action):
    try:
        return action()
    except (BadRequest, OrderInvalid) as exc:
        return refused(str(exc), 400)
    except Refused as exc:
        return refused(exc.message, 403)


@require_POST
@rate_limited(group="prepare")
@wallet_required
def order_prepare(request, *, wallet: str):
    def action():
        data = body_json(request)
        kind = _kind(data, SELL_KINDS)
        restrictions = {}
        for field in ("apprestrict", "datasetrestrict", "workerpoolrestrict", "requesterrestrict"):
            if data.get(field):
                restrictions[field] = address_parse(field, data[field])
        order = drafts.sell_order_draft(
            kind=kind,
            asset=address_parse("asset", data.get("asset")),
            price=rlc_to_nrlc("price", data.get("price", "0")),
            volume=uint_parse("volume", data.get("volume"), minimum=1),
            tag=tag_of(data.get("tags", [])),
            restrictions=restrictions,
            category=uint_parse("category", data["category"]) if "category" in data else None,
            trust=uint_parse("trust", data["trust"]) if "trust" in data else None,
        )
        return ok(order=order, typedData=drafts.typed_data_for_wallet(kind=kind, order=order))

    return _answer(action)


@require_POST
@rate_limited(group="publish")
@wallet_required
def order_publish_view(request, *, wallet: str):
    def action():
        data = body_json(request)
        kind = _kind(data, ORDER_KINDS)
        published = order_publish(
            chain_id=site_chain_id(), kind=kind, data=data.get("order"), authorized=wallet
        )
        return ok(published=order_json(published))

    return _answer(action)


@require_POST
@rate_limited(group="publish")
@wallet_required
def order_unpublish_view(request, *, wallet: str):
    def action():
        data = body_json(request)
        kind = _kind(data, ORDER_KINDS)
        hashes = order_unpublish(
            chain_id=site_chain_id(),
            kind=kind,
            data={"target": "unpublish_orderHash", "orderHash": data.get("orderHash")},
            authorized=wallet,
        )
        return ok(unpublished=hashes)

    return _answer(action)
