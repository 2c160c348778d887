"""Transactions prepared for the visitor's wallet: deposit, withdraw, matchOrders of quoted
orders, claim of timed-out tasks, cancel (close) of one's own order on chain."""

from django.views.decorators.http import require_POST

from marketplace.chain import transactions
from marketplace.chain.orders import empty_dataset_order
from marketplace.chain.parse import (
    InputInvalid,
    bytes32_parse,
    choice_parse,
    rlc_parse,
    uint_parse,
)
from marketplace.chain.protocol import ORDER_KINDS
from marketplace.ratelimit import rate_limited
from marketplace.refusal import Refusal
from marketplace.web.json import body_json, ok, wallet_required
from marketplace.web.site import site_chain_id, site_hub, site_rlc
from orderbook.models import Order
from orderbook.selectors import order_get

# Tasks claimed in one transaction: each claim costs ~100k gas, so a few hundred fill a block;
# a longer list is refused before it is encoded.
MAX_CLAIM_TASKS = 200


def _prepared(tx: transactions.PreparedTx):
    return ok(tx=tx.as_dict())


@require_POST
@rate_limited(group="prepare")
@wallet_required
def deposit(request, *, wallet: str):
    data = body_json(request)
    return _prepared(
        transactions.tx_deposit_prepare(
            chain_id=site_chain_id(),
            hub=site_hub(),
            rlc=site_rlc(),
            amount=rlc_parse("amount", data.get("amount")),
        )
    )


@require_POST
@rate_limited(group="prepare")
@wallet_required
def withdraw(request, *, wallet: str):
    data = body_json(request)
    return _prepared(
        transactions.tx_withdraw_prepare(
            chain_id=site_chain_id(),
            hub=site_hub(),
            amount=rlc_parse("amount", data.get("amount")),
        )
    )


def _open_order(chain_id: int, kind: str, value) -> Order:
    digest = bytes32_parse(kind, value)
    order = order_get(chain_id=chain_id, kind=kind, order_hash=digest)
    if order is None or order.status != Order.OPEN:
        raise Refusal(f"{kind} {digest} is not open on the book any more", status=404)
    return order


@require_POST
@rate_limited(group="prepare")
@wallet_required
def match(request, *, wallet: str):
    data = body_json(request)
    chain_id = site_chain_id()
    orders = {
        kind: _open_order(chain_id, kind, data.get(kind)).order
        for kind in ("apporder", "workerpoolorder", "requestorder")
    }
    dataset = data.get("datasetorder")
    orders["datasetorder"] = (
        _open_order(chain_id, "datasetorder", dataset).order if dataset else empty_dataset_order()
    )
    return _prepared(
        transactions.tx_match_prepare(chain_id=chain_id, hub=site_hub(), orders=orders)
    )


def _indices(name: str, value) -> list[int]:
    if not isinstance(value, list):
        raise InputInvalid(f"{name} must be a list of task indices")
    if len(value) > MAX_CLAIM_TASKS:
        raise InputInvalid(f"{name}: at most {MAX_CLAIM_TASKS} tasks per claim transaction")
    return [uint_parse(f"{name}[{i}]", index) for i, index in enumerate(value)]


@require_POST
@rate_limited(group="prepare")
@wallet_required
def claim(request, *, wallet: str):
    data = body_json(request)
    initialized = _indices("initialized", data.get("initialized", []))
    uninitialized = _indices("uninitialized", data.get("uninitialized", []))
    if bool(initialized) == bool(uninitialized):
        raise InputInvalid("claim either initialized or uninitialized tasks, one list at a time")
    return _prepared(
        transactions.tx_claim_prepare(
            chain_id=site_chain_id(),
            hub=site_hub(),
            dealid=bytes32_parse("dealid", data.get("dealid")),
            indices=initialized or uninitialized,
            initialized=bool(initialized),
        )
    )


@require_POST
@rate_limited(group="prepare")
@wallet_required
def cancel(request, *, wallet: str):
    data = body_json(request)
    kind = choice_parse("kind", data.get("kind"), choices=ORDER_KINDS)
    order = order_get(
        chain_id=site_chain_id(),
        kind=kind,
        order_hash=bytes32_parse("orderHash", data.get("orderHash")),
    )
    if order is None:
        raise Refusal("this order is not in the book", status=404)
    if order.signer != wallet:
        raise Refusal(f"only the order's signer {order.signer} can cancel it", status=403)
    return _prepared(
        transactions.tx_cancel_prepare(
            chain_id=site_chain_id(), hub=site_hub(), kind=kind, order=order.order
        )
    )
