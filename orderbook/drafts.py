"""Unsigned orders the pages prepare for a wallet to sign, with the EIP-712 typed data to sign.

Called by marketplace.web.views_orders and views_quote. The salt is random, so every draft is a
new order; the signed result goes through orderbook.services.order_publish like any other.
"""

import secrets

from marketplace.chain.orders import order_typed_data
from marketplace.chain.parse import InputInvalid
from marketplace.chain.protocol import ZERO_ADDRESS
from orderbook import facts
from orderbook.parsing import order_parse
from orderbook.quote import Quote

PLACEHOLDER_SIGN = "0x" + "00" * 65


def _salt() -> str:
    return "0x" + secrets.token_hex(32)


def _checked(kind: str, order: dict) -> dict:
    """The draft through the same parser as published orders: a bad value fails here."""
    parsed = order_parse(kind=kind, data={**order, "sign": PLACEHOLDER_SIGN})
    del parsed["sign"]
    return parsed


def sell_order_draft(
    *,
    kind: str,
    asset: str,
    price: int,
    volume: int,
    tag: str,
    restrictions: dict[str, str],
    category: int | None = None,
    trust: int | None = None,
) -> dict:
    """An app, dataset or workerpool order; `restrictions` maps e.g. requesterrestrict → address."""
    if kind == "apporder":
        order = {"app": asset, "appprice": price, "volume": volume, "tag": tag}
        allowed = ("datasetrestrict", "workerpoolrestrict", "requesterrestrict")
    elif kind == "datasetorder":
        order = {"dataset": asset, "datasetprice": price, "volume": volume, "tag": tag}
        allowed = ("apprestrict", "workerpoolrestrict", "requesterrestrict")
    elif kind == "workerpoolorder":
        if category is None or trust is None:
            raise InputInvalid("a workerpool order needs a category and a trust")
        order = {
            "workerpool": asset,
            "workerpoolprice": price,
            "volume": volume,
            "tag": tag,
            "category": category,
            "trust": trust,
        }
        allowed = ("apprestrict", "datasetrestrict", "requesterrestrict")
    else:
        raise InputInvalid(f"{kind} is not an order kind that sells something")
    for field in allowed:
        order[field] = restrictions.get(field) or ZERO_ADDRESS
    order["salt"] = _salt()
    return _checked(kind, order)


def request_order_draft(*, quote: Quote, requester: str, params: str) -> dict:
    """A request order that the quote's orders match, priced at exactly their prices."""
    dataset = quote.datasetorder
    order = {
        "app": quote.apporder.app,
        "appmaxprice": quote.apporder.price,
        "dataset": dataset.dataset if dataset else ZERO_ADDRESS,
        "datasetmaxprice": dataset.price if dataset else 0,
        "workerpool": ZERO_ADDRESS,
        "workerpoolmaxprice": quote.workerpoolorder.price,
        "requester": requester,
        "volume": quote.volume,
        "tag": quote.tag,
        "category": quote.workerpoolorder.category,
        "trust": quote.trust,
        "beneficiary": requester,
        "callback": ZERO_ADDRESS,
        "params": params,
        "salt": _salt(),
    }
    return _checked("requestorder", order)


def typed_data_for_wallet(*, kind: str, order: dict) -> dict:
    """eth_signTypedData_v4 input. uint256 values go as decimal strings: a JavaScript number
    would round them above 2^53."""
    typed = order_typed_data(kind=kind, order=order, domain=facts.chain_domain())
    message = {k: str(v) if isinstance(v, int) else v for k, v in typed["message"].items()}
    return {**typed, "message": message}
