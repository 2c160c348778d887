"""Transactions prepared for the visitor's wallet: deposit, withdraw, matchOrders of quoted
orders, claim of timed-out tasks, cancel (close) of one's own order on chain."""

from django.views.decorators.http import require_POST

from marketplace.chain import transactions
from marketplace.chain.orders import empty_dataset_order
from marketplace.chain.protocol import ORDER_KINDS
from marketplace.ratelimit import rate_limited
from marketplace.web.json import BadRequest, body_json, ok, refused, wallet_required
from marketplace.web.site import site_chain_id, site_hub, site_rlc
from marketplace.web.views_orders import rlc_to_nrlc
from orderbook.models import Order
from orderbook.parsing import OrderInvalid, bytes32_parse
from orderbook.selectors import order_get


def _prepared(request, build):
    try:
        data = body_json(request)
        tx = build(data, site_chain_id())
    except (BadRequest, OrderInvalid) as exc:
        return refused(str(exc))
    except PermissionError as exc:
        return refused(str(exc), 403)
    except LookupError as exc:
        return refused(str(exc), 404)
    return ok(tx=tx.as_dict())


@require_POST
@rate_limited(group="prepare")
@wallet_required
def deposit(request, *, wallet: str):
    return _prepared(
        request,
        lambda data, chain_id: transactions.tx_deposit_prepare(
            chain_id=chain_id,
            hub=site_hub(),
            rlc=site_rlc(),
            amount=rlc_to_nrlc("amount", data.get("amount")),
        ),
    )


@require_POST
@rate_limited(group="prepare")
@wallet_required
def withdraw(request, *, wallet: str):
    return _prepared(
        request,
        lambda data, chain_id: transactions.tx_withdraw_prepare(
            chain_id=chain_id,
            hub=site_hub(),
            amount=rlc_to_nrlc("amount", data.get("amount")),
        ),
    )


def _open_order(chain_id: int, kind: str, value) -> Order:
    digest = bytes32_parse(kind, value)
    order = order_get(chain_id=chain_id, kind=kind, order_hash=digest)
    if order is None or order.status != Order.OPEN:
        raise LookupError(f"{kind} {digest} is not open on the book any more")
    return order


@require_POST
@rate_limited(group="prepare")
@wallet_required
def match(request, *, wallet: str):
    def build(data, chain_id):
        orders = {
            kind: _open_order(chain_id, kind, data.get(kind)).order
            for kind in ("apporder", "workerpoolorder", "requestorder")
        }
        dataset = data.get("datasetorder")
        orders["datasetorder"] = (
            _open_order(chain_id, "datasetorder", dataset).order
            if dataset
            else empty_dataset_order()
        )
        return transactions.tx_match_prepare(chain_id=chain_id, hub=site_hub(), orders=orders)

    return _prepared(request, build)


def _indices(name: str, value) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) and i >= 0 for i in value):
        raise BadRequest(f"{name} must be a list of task indices")
    return value


@require_POST
@rate_limited(group="prepare")
@wallet_required
def claim(request, *, wallet: str):
    def build(data, chain_id):
        initialized = _indices("initialized", data.get("initialized", []))
        uninitialized = _indices("uninitialized", data.get("uninitialized", []))
        if bool(initialized) == bool(uninitialized):
            raise BadRequest("claim either initialized or uninitialized tasks, one list at a time")
        return transactions.tx_claim_prepare(
            chain_id=chain_id,
            hub=site_hub(),
            dealid=bytes32_parse("dealid", data.get("dealid")),
            indices=initialized or uninitialized,
            initialized=bool(initialized),
        )

    return _prepared(request, build)


@require_POST
@rate_limited(group="prepare")
@wallet_required
def cancel(request, *, wallet: str):
    def build(data, chain_id):
        kind = data.get("kind")
        if kind not in ORDER_KINDS:
            raise BadRequest("kind must be an order kind")
        order = order_get(
            chain_id=chain_id,
            kind=kind,
            order_hash=bytes32_parse("orderHash", data.get("orderHash")),
        )
        if order is None:
            raise LookupError("this order is not in the book")
        if order.signer != wallet:
            raise PermissionError(f"only the order's signer {order.signer} can cancel it")
        return transactions.tx_cancel_prepare(
            chain_id=chain_id, hub=site_hub(), kind=kind, order=order.order
        )

    return _prepared(request, build)
