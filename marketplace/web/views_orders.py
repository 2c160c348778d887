"""The pages' order calls for a signed-in wallet: prepare an order to sign, publish the signed
order, unpublish one. Publication runs every rule of the market API (orderbook.services), with
the session's wallet as the authorized address instead of a challenge."""

from django.views.decorators.http import require_POST

from marketplace.chain.parse import (
    address_parse,
    choice_parse,
    rlc_parse,
    tag_parse,
    uint_parse,
)
from marketplace.chain.protocol import ORDER_KINDS, SELL_KINDS
from marketplace.ratelimit import rate_limited
from marketplace.web.json import body_json, ok, wallet_required
from marketplace.web.site import site_chain_id
from orderbook import drafts
from orderbook.serialize import order_json
from orderbook.services import order_publish, order_unpublish


@require_POST
@rate_limited(group="prepare")
@wallet_required
def order_prepare(request, *, wallet: str):
    data = body_json(request)
    kind = choice_parse("kind", data.get("kind"), choices=SELL_KINDS)
    restrictions = {}
    for field in ("apprestrict", "datasetrestrict", "workerpoolrestrict", "requesterrestrict"):
        if data.get(field):
            restrictions[field] = address_parse(field, data[field])
    order = drafts.sell_order_draft(
        kind=kind,
        asset=address_parse("asset", data.get("asset")),
        price=rlc_parse("price", data.get("price", "0")),
        volume=uint_parse("volume", data.get("volume"), minimum=1),
        tag=tag_parse("tags", data.get("tags", [])),
        restrictions=restrictions,
        category=uint_parse("category", data["category"]) if "category" in data else None,
        trust=uint_parse("trust", data["trust"]) if "trust" in data else None,
    )
    return ok(order=order, typedData=drafts.typed_data_for_wallet(kind=kind, order=order))


@require_POST
@rate_limited(group="publish")
@wallet_required
def order_publish_view(request, *, wallet: str):
    data = body_json(request)
    kind = choice_parse("kind", data.get("kind"), choices=ORDER_KINDS)
    published = order_publish(
        chain_id=site_chain_id(), kind=kind, data=data.get("order"), authorized=wallet
    )
    return ok(published=order_json(published))


@require_POST
@rate_limited(group="publish")
@wallet_required
def order_unpublish_view(request, *, wallet: str):
    data = body_json(request)
    kind = choice_parse("kind", data.get("kind"), choices=ORDER_KINDS)
    hashes = order_unpublish(
        chain_id=site_chain_id(),
        kind=kind,
        data={"target": "unpublish_orderHash", "orderHash": data.get("orderHash")},
        authorized=wallet,
    )
    return ok(unpublished=hashes)
