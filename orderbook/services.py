"""Writes to the orderbook: publication with every rule of the market API, and unpublication.

Called by the market API views and the simulated market. Each rule refuses with the message the
iExec SDK shows its user; nothing is written unless every rule passes.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.chain.orders import order_hash, order_signable
from marketplace.chain.parse import InputInvalid, address_parse, bytes32_parse
from marketplace.chain.protocol import (
    ASSET_OF_KIND,
    RESOURCE_OF_KIND,
    TEE_MASK,
    TEE_TAG,
    ZERO_ADDRESS,
)
from marketplace.live.events import live_event_add
from marketplace.refusal import Refusal
from orderbook import facts
from orderbook.models import Order
from orderbook.parsing import order_parse
from orderbook.selectors import matchable_orders, open_count, open_orders, tag_filter, tag_split
from orderbook.serialize import order_json

PRICE = {
    "apporder": "appprice",
    "datasetorder": "datasetprice",
    "workerpoolorder": "workerpoolprice",
    "requestorder": "workerpoolmaxprice",
}
WORKERPOOL_LOCK_PERCENT = 30
BULK_VOLUME = 2**53 - 2


class Refused(Refusal):
    """A business rule said no, with the message the SDK shows its user."""

    status = 403


def _owner_check(*, chain_id: int, kind: str, order: dict, authorized: str) -> str:
    if kind == "requestorder":
        signer = order["requester"]
    else:
        asset_kind = ASSET_OF_KIND[kind]
        asset = order[asset_kind]
        owned = facts.assets_owner(chain=chain_id, kind=asset_kind, addresses=[asset])[asset]
        if not owned.registered:
            raise Refused(f"{asset_kind} {asset} is not registered: Resource not deployed")
        signer = owned.owner
    if signer != authorized:
        raise Refused(f"only order signer {signer} can publish an order")
    return signer


def _best_matchable(*, chain_id: int, kind: str, request: dict, maxprice: int):
    asset = ASSET_OF_KIND[kind]
    address = request[asset]
    candidates = matchable_orders(chain_id=chain_id, kind=kind, request=request)
    if not candidates.exists():
        raise Refused(f"No {kind} published for {asset} {address}")
    if tag_split(request["tag"])[0] & TEE_MASK:
        candidates = tag_filter(candidates, min_tag=TEE_TAG)
    best = candidates.first()
    if best is None:
        raise Refused(f"No tee enabled {kind} published for {asset} {address}")
    if best.price > maxprice:
        raise Refused(
            f"{asset}maxprice for {asset} {address} is too low, "
            f"actual best price is {best.price} nRLC"
        )


def request_matchability(*, chain_id: int, request: dict):
    """Refused when no open app (or dataset) order could be matched with this request."""
    _best_matchable(
        chain_id=chain_id, kind="apporder", request=request, maxprice=request["appmaxprice"]
    )
    if request["dataset"] != ZERO_ADDRESS:
        _best_matchable(
            chain_id=chain_id,
            kind="datasetorder",
            request=request,
            maxprice=request["datasetmaxprice"],
        )


def requests_recheck(*, chain_id: int, apps: set[str], datasets: set[str]) -> list[Order]:
    """Open request orders on these apps or datasets that lost every matchable order: dead."""
    if not apps and not datasets:
        return []
    from django.db.models import Q

    candidates = open_orders(chain_id=chain_id, kind="requestorder").filter(
        Q(app__in=apps) | Q(dataset__in=datasets)
    )
    dead = []
    for request in candidates.iterator():
        try:
            request_matchability(chain_id=chain_id, request=request.order)
        except Refused as refusal:
            request.status, request.dead_reason = Order.DEAD, refusal.message
            request.save(update_fields=["status", "dead_reason", "updated_at"])
            live_order_event(order=request, name="unpublished")
            dead.append(request)
    return dead


def stake_needed(*, kind: str, order: dict, remaining: int) -> int:
    if kind == "workerpoolorder":
        return order["workerpoolprice"] * WORKERPOOL_LOCK_PERCENT // 100 * remaining
    if kind == "requestorder":
        prices = order["appmaxprice"] + order["datasetmaxprice"] + order["workerpoolmaxprice"]
        return prices * remaining
    return 0


def _stake_check(*, chain_id: int, kind: str, order: dict, signer: str, remaining: int):
    need = stake_needed(kind=kind, order=order, remaining=remaining)
    if not need:
        return
    stake = facts.stakes(chain=chain_id, addresses=[signer])[signer]
    if stake < need:
        # The index may lag a deposit made a block ago: only the node may refuse.
        stake = facts.stakes(chain=chain_id, addresses=[signer], from_chain=True)[signer]
    if stake >= need:
        return
    if kind == "workerpoolorder":
        raise Refused("workerpool owner's stake is too low to cover required workerpool lock")
    raise Refused(
        "requester stake is too low to cover requestorder payment, "
        f"minimum stake required is {need} nRLC"
    )


def order_columns(*, kind: str, order: dict) -> dict:
    tag_bits, tag_high = tag_split(order["tag"])
    columns = {
        "price": order[PRICE[kind]],
        "volume": order["volume"],
        "tag": order["tag"],
        "tag_bits": tag_bits,
        "tag_high": tag_high,
        "bulk": kind == "datasetorder"
        and order["volume"] >= BULK_VOLUME
        and order["datasetprice"] == 0,
    }
    for field in (
        "app",
        "dataset",
        "workerpool",
        "requester",
        "beneficiary",
        "apprestrict",
        "datasetrestrict",
        "workerpoolrestrict",
        "requesterrestrict",
        "category",
        "trust",
    ):
        if field in order:
            columns[field] = order[field]
    return columns


def live_order_event(*, order: Order, name: str):
    payload = {"orderHash": order.order_hash} if name == "unpublished" else order_json(order)
    live_event_add(
        chain_id=order.chain_id,
        topic="orders",
        name=f"{order.kind}_{name}",
        key=order.order_hash,
        payload=payload,
    )


def order_publish(*, chain_id: int, kind: str, data, authorized: str) -> Order:
    """Publish a signed order for `authorized` (the address the challenge proved)."""
    order = order_parse(kind=kind, data=data)
    digest = order_hash(kind=kind, order=order, domain=facts.chain_domain())
    existing = Order.objects.filter(chain_id=chain_id, order_hash=digest).first()
    if existing and existing.status != Order.DEAD:
        raise Refused("order already published")
    signer = _owner_check(chain_id=chain_id, kind=kind, order=order, authorized=authorized)
    signable = order_signable(kind=kind, order=order, domain=facts.chain_domain())
    if not facts.signature_valid(
        signer=signer, signable=signable, sign=bytes.fromhex(order["sign"][2:])
    ):
        raise Refused("invalid sign")
    limit = settings.ORDERBOOK_MAX_OPEN_PER_SIGNER
    if open_count(chain_id=chain_id, kind=kind, signer=signer) >= limit:
        raise Refused(
            f"maximum of {limit} published open {kind} has been reached for wallet {signer}"
        )
    remaining = order["volume"] - facts.consumed(hashes=[digest])[digest]
    if remaining <= 0:
        raise Refused("order already consumed")
    _stake_check(chain_id=chain_id, kind=kind, order=order, signer=signer, remaining=remaining)
    if kind == "requestorder":
        request_matchability(chain_id=chain_id, request=order)
    fields = {
        **order_columns(kind=kind, order=order),
        "signer": signer,
        "order": order,
        "remaining": remaining,
        "status": Order.OPEN,
        "dead_reason": "",
        "source": Order.API,
        "publication_timestamp": timezone.now(),
    }
    try:
        with transaction.atomic():
            if existing:
                Order.objects.filter(pk=existing.pk, status=Order.DEAD).update(**fields)
                published = Order.objects.get(pk=existing.pk)
            else:
                published = Order.objects.create(
                    chain_id=chain_id, kind=kind, order_hash=digest, **fields
                )
            live_order_event(order=published, name="published")
    except IntegrityError:  # the same order published concurrently
        raise Refused("order already published") from None
    return published


def order_unpublish(*, chain_id: int, kind: str, data, authorized: str) -> list[str]:
    """Unpublish the caller's open orders by hash, the last one, or all for a resource."""
    if not isinstance(data, dict):
        raise InputInvalid("body must be a JSON object")
    target = data.get("target") or "unpublish_orderHash"
    mine = open_orders(chain_id=chain_id, kind=kind)
    if target == "unpublish_orderHash":
        if data.get("orderHash") is None:
            raise InputInvalid("orderHash is a required field")
        digest = bytes32_parse("orderHash", data["orderHash"])
        order = mine.filter(order_hash=digest).first()
        if order is None:
            raise Refused(f"{kind} with orderHash {digest} is not published")
        if order.signer != authorized:
            raise Refused(f"only order signer {order.signer} can unpublish an order")
        orders = [order]
    elif target in ("unpublish_last", "unpublish_all"):
        field = RESOURCE_OF_KIND[kind]
        if data.get(field) is None:
            raise InputInvalid(f"{field} is a required field")
        value = address_parse(field, data[field])
        candidates = mine.filter(signer=authorized, **{field: value}).order_by(
            "-publication_timestamp", "-id"
        )
        orders = list(candidates[:1] if target == "unpublish_last" else candidates)
        if not orders:
            raise Refused(
                f"no open {kind} published by signer {authorized} for {field} {value}",
            )
    else:
        raise InputInvalid(
            "target must be one of the following values: "
            "unpublish_orderHash, unpublish_last, unpublish_all"
        )
    with transaction.atomic():
        for order in orders:
            live_order_event(order=order, name="unpublished")
        Order.objects.filter(pk__in=[o.pk for o in orders]).delete()
        requests_recheck(
            chain_id=chain_id,
            apps={o.app for o in orders if kind == "apporder"},
            datasets={o.dataset for o in orders if kind == "datasetorder"},
        )
    return [o.order_hash for o in orders]
