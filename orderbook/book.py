"""Reads shaped as the market API answers them: books with every filter, deals, categories.

Called by orderbook.api.views (and the pages). Lists are one indexed query plus a count; a page
never loads more than its own rows.
"""

from django.db.models import Q, QuerySet

from marketplace.chain.parse import InputInvalid
from marketplace.chain.protocol import ORDER_KINDS, ZERO_ADDRESS
from marketplace.models import Category, Deal
from marketplace.refusal import Refusal
from marketplace.selectors.status import index_staleness
from orderbook.api.query import Query
from orderbook.models import Order
from orderbook.selectors import book_sorted, open_orders, restrict_filter, tag_filter
from orderbook.serialize import ORDER_JSON_FIELDS, deal_json, order_json, timestamp_json

__all__ = ["order_json"]


class NotFound(Refusal):
    status = 404


def _page(qs: QuerySet, query: Query, key: str, serialize) -> dict:
    page = query.page()
    rows = [serialize(row) for row in qs[page.offset : page.offset + page.limit]]
    result = {key: rows, "count": qs.count()}
    if len(rows) == page.limit:
        result["nextPage"] = page.offset + page.limit
    return result


def metrics(*, chain_id: int) -> dict:
    """The reference's fields, plus how current the index is (headBlock, lag, age, stale)."""
    status = index_staleness(chain_id=chain_id)
    counts = {f"{kind}s": open_orders(chain_id=chain_id, kind=kind).count() for kind in ORDER_KINDS}
    last = status.last_block or 0
    # Every stored block has passed the reorg checks: the checkpoint is the cursor itself.
    return {
        "lastBlock": last,
        "checkpointBlock": last,
        **counts,
        "headBlock": status.head or 0,
        "lag": status.lag_blocks or 0,
        "age": None if status.age_seconds is None else round(status.age_seconds, 1),
        "stale": status.stale,
    }


def _category_json(category: Category) -> dict:
    return {
        "catid": category.catid,
        "chainId": category.chain_id,
        "name": category.name,
        "description": category.description,
        "workClockTimeRef": category.work_clock_time_ref,
        "transactionHash": category.tx_hash,
        "blockNumber": category.block.number,
        "blockTimestamp": timestamp_json(category.block.timestamp),
    }


def categories_page(*, chain_id: int, query: Query) -> dict:
    qs = Category.objects.filter(chain_id=chain_id).select_related("block")
    low, high = query.uint("minWorkClockTimeRef"), query.uint("maxWorkClockTimeRef")
    if low is not None:
        qs = qs.filter(work_clock_time_ref__gte=low)
    if high is not None:
        qs = qs.filter(work_clock_time_ref__lte=high)
    return _page(qs.order_by("work_clock_time_ref", "catid"), query, "categories", _category_json)


def category_get(*, chain_id: int, catid: int) -> dict:
    category = (
        Category.objects.filter(chain_id=chain_id, catid=catid).select_related("block").first()
    )
    if category is None:
        raise NotFound("category not found")
    return _category_json(category)


DEAL_FILTERS = {
    "requester": "requester",
    "beneficiary": "beneficiary",
    "app": "app_pointer",
    "dataset": "dataset_pointer",
    "workerpool": "workerpool_pointer",
    "appOwner": "app_owner",
    "datasetOwner": "dataset_owner",
    "workerpoolOwner": "workerpool_owner",
}
DEAL_HASHES = {
    "apporderHash": "app_hash",
    "datasetorderHash": "dataset_hash",
    "workerpoolorderHash": "workerpool_hash",
    "requestorderHash": "request_hash",
}


def deals_page(*, chain_id: int, query: Query) -> dict:
    qs = Deal.objects.filter(chain_id=chain_id).select_related("block")
    category = query.uint("category")
    if category is not None:
        qs = qs.filter(category=category)
    for param, field in DEAL_FILTERS.items():
        value = query.address(param)
        if value is not None:
            qs = qs.filter(**{field: value})
    for param, field in DEAL_HASHES.items():
        value = query.bytes32(param)
        if value is not None:
            qs = qs.filter(**{field: value})
    return _page(qs.order_by("-block__number", "dealid"), query, "deals", deal_json)


def deal_get(*, chain_id: int, dealid: str) -> dict:
    deal = Deal.objects.filter(chain_id=chain_id, dealid=dealid).select_related("block").first()
    if deal is None:
        raise NotFound("deal not found")
    return deal_json(deal)


def ohlc(*, chain_id: int, category: int) -> list:
    deals = (
        Deal.objects.filter(chain_id=chain_id, category=category)
        .select_related("block")
        .order_by("-block__number", "workerpool_price", "dealid")[:100]
    )
    return [[timestamp_json(d.block.timestamp), d.workerpool_price, d.volume] for d in deals]


def order_lookup(*, chain_id: int, kind: str, order_hash: str) -> dict:
    order = Order.objects.filter(chain_id=chain_id, kind=kind, order_hash=order_hash).first()
    if order is None:
        raise NotFound(f"{kind} not found")
    found = order_json(order)
    found.pop("bulk", None)
    return found


def _owner_or_asset(query: Query, qs: QuerySet, asset: str) -> QuerySet:
    value = query.address(asset, allow_any=True)
    owner = query.address(f"{asset}Owner")
    if value is None and owner is None:
        raise InputInvalid(f"{asset} or {asset}Owner is required")
    if value not in (None, "any"):
        qs = qs.filter(**{asset: value})
    if owner is not None:
        qs = qs.filter(signer=owner)
    return qs


def _restrictions(query: Query, qs: QuerySet, names: list[str]) -> QuerySet:
    for name in names:
        strict = query.boolean(f"is{name.capitalize()}Strict")
        qs = restrict_filter(
            qs, field=f"{name}restrict", value=query.address(name, allow_any=True), strict=strict
        )
    return qs


def orders_page(*, chain_id: int, kind: str, query: Query) -> dict:
    qs = open_orders(chain_id=chain_id, kind=kind)
    if kind == "apporder":
        qs = _owner_or_asset(query, qs, "app")
        qs = _restrictions(query, qs, ["dataset", "workerpool", "requester"])
    elif kind == "datasetorder":
        qs = _owner_or_asset(query, qs, "dataset")
        qs = _restrictions(query, qs, ["app", "workerpool", "requester"])
        if query.boolean("bulkOnly"):
            qs = qs.filter(bulk=True)
    elif kind == "workerpoolorder":
        qs = _workerpool_filters(query, qs)
    else:
        qs = _request_filters(query, qs)
    qs = tag_filter(qs, min_tag=query.bytes32("minTag"), max_tag=query.bytes32("maxTag"))
    min_volume = query.uint("minVolume")
    if min_volume is not None:
        qs = qs.filter(remaining__gte=min_volume)
    qs = book_sorted(qs, kind=kind).only(*ORDER_JSON_FIELDS)
    return _page(qs, query, "orders", order_json)


def _workerpool_filters(query: Query, qs: QuerySet) -> QuerySet:
    workerpool = query.address("workerpool", allow_any=True)
    if workerpool not in (None, "any"):
        qs = qs.filter(workerpool=workerpool)
    owner = query.address("workerpoolOwner")
    if owner is not None:
        qs = qs.filter(signer=owner)
    category = query.uint("category")
    if category is not None:
        qs = qs.filter(category=category)
    min_trust = query.uint("minTrust")
    if min_trust is not None and min_trust > 1:
        qs = qs.filter(trust__gte=min_trust)
    return _restrictions(query, qs, ["app", "dataset", "requester"])


def _request_filters(query: Query, qs: QuerySet) -> QuerySet:
    for name in ("app", "dataset", "requester", "beneficiary"):
        value = query.address(name, allow_any=True)
        if value not in (None, "any"):
            qs = qs.filter(**{name: value})
    category = query.uint("category")
    if category is not None:
        qs = qs.filter(category=category)
    max_trust = query.uint("maxTrust")
    if max_trust is not None:
        qs = qs.filter(trust__lte=max_trust)
    workerpool = query.address("workerpool", allow_any=True)
    if workerpool == "any":
        return qs
    if workerpool is None:
        return qs.filter(workerpool=ZERO_ADDRESS)
    if query.boolean("isWorkerpoolStrict"):
        return qs.filter(workerpool=workerpool)
    return qs.filter(Q(workerpool=ZERO_ADDRESS) | Q(workerpool=workerpool))
