"""Reads of the orderbook: the four books with the market API's filters and sort orders.

Every list is one indexed query over open orders; the API and the pages page through it.
"""

from django.db.models import F, QuerySet

from marketplace.chain.protocol import ASSET_OF_KIND, ZERO_ADDRESS
from orderbook.models import Order

TAG_LOW_BITS = 62
TAG_MASK = (1 << TAG_LOW_BITS) - 1
ANY = "any"
SORT = {
    "apporder": ["price", "publication_timestamp", "order_hash"],
    "datasetorder": ["price", "publication_timestamp", "order_hash"],
    "workerpoolorder": ["price", "publication_timestamp", "order_hash"],
    "requestorder": ["-price", "publication_timestamp", "order_hash"],
}


def tag_split(tag: str) -> tuple[int, bool]:
    value = int(tag, 16)
    return value & TAG_MASK, value >> TAG_LOW_BITS != 0


def open_orders(*, chain_id: int, kind: str) -> QuerySet:
    return Order.objects.filter(chain_id=chain_id, kind=kind, status=Order.OPEN)


def restrict_filter(qs: QuerySet, *, field: str, value: str | None, strict: bool = False):
    """The reference's restriction semantics: absent → public orders only; `any` → all;
    an address → public or restricted to it; with strict → restricted to it only."""
    if value == ANY:
        return qs
    if value is None:
        return qs.filter(**{field: ZERO_ADDRESS})
    if strict:
        return qs.filter(**{field: value})
    return qs.filter(**{f"{field}__in": [ZERO_ADDRESS, value]})


def tag_filter(qs: QuerySet, *, min_tag: str | None = None, max_tag: str | None = None):
    if min_tag:
        bits, high = tag_split(min_tag)
        if bits:
            qs = qs.alias(_min=F("tag_bits").bitand(bits)).filter(_min=bits)
        if high:
            qs = qs.filter(tag_high=True)
    if max_tag:
        bits, high = tag_split(max_tag)
        outside = TAG_MASK & ~bits
        if outside:
            qs = qs.alias(_max=F("tag_bits").bitand(outside)).filter(_max=0)
        if not high:
            qs = qs.filter(tag_high=False)
    return qs


def book_sorted(qs: QuerySet, *, kind: str) -> QuerySet:
    return qs.order_by(*SORT[kind])


def order_get(*, chain_id: int, kind: str, order_hash: str) -> Order | None:
    return Order.objects.filter(chain_id=chain_id, kind=kind, order_hash=order_hash).first()


def open_count(*, chain_id: int, kind: str, signer: str) -> int:
    return open_orders(chain_id=chain_id, kind=kind).filter(signer=signer).count()


def matchable_orders(*, chain_id: int, kind: str, request: dict) -> QuerySet:
    """Open app or dataset orders a request order could be matched with, cheapest first."""
    asset = ASSET_OF_KIND[kind]
    qs = open_orders(chain_id=chain_id, kind=kind).filter(
        **{asset: request[asset]}, remaining__gt=0
    )
    for field, value in (
        (
            "datasetrestrict" if asset == "app" else "apprestrict",
            request["dataset" if asset == "app" else "app"],
        ),
        ("workerpoolrestrict", request["workerpool"]),
        ("requesterrestrict", request["requester"]),
    ):
        qs = qs.filter(**{f"{field}__in": [ZERO_ADDRESS, value]})
    return book_sorted(qs, kind=kind)
