"""Reads for the market page: one category's book (asks and bids), its depth, prices and deals.

Called by marketplace.web.views_market. Every read is bounded (best N orders, N price levels,
last N deals) and runs on the book and deal indexes, so the page costs the same with 100,000
open orders as with ten.
"""

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from marketplace.chain.protocol import tag_hex, tag_value
from marketplace.models import Deal, WorkerpoolProfile
from orderbook.selectors import open_orders, tag_filter

BOOK_ROWS = 20
DEPTH_LEVELS = 30
PRICE_DEALS = 200


@dataclass(frozen=True)
class BookFilter:
    """What a requester narrows the sell side by; every field optional."""

    tags: tuple[str, ...] = ()
    min_trust: int = 0
    max_price: int | None = None
    tee_hardware: str = ""
    energy_source: str = ""
    location: str = ""

    @property
    def min_tag(self) -> str | None:
        bits = tag_value(self.tags)
        return tag_hex(bits) if bits else None

    @property
    def pool_attributes(self) -> dict:
        wanted = {
            "tee_hardware": self.tee_hardware,
            "energy_source": self.energy_source,
            "location__icontains": self.location,
        }
        return {k: v for k, v in wanted.items() if v}


def asks(*, chain_id: int, category: int, book: BookFilter) -> QuerySet:
    """Open workerpool orders of a category that pass the filter, best (cheapest) first."""
    qs = open_orders(chain_id=chain_id, kind="workerpoolorder").filter(
        category=category, remaining__gt=0
    )
    qs = tag_filter(qs, min_tag=book.min_tag)
    if book.min_trust > 1:
        qs = qs.filter(trust__gte=book.min_trust)
    if book.max_price is not None:
        qs = qs.filter(price__lte=book.max_price)
    if book.pool_attributes:
        pools = WorkerpoolProfile.objects.filter(chain_id=chain_id, **book.pool_attributes)
        qs = qs.filter(workerpool__in=pools.values("address"))
    return qs.order_by("price", "publication_timestamp", "order_hash")


def bids(*, chain_id: int, category: int, book: BookFilter) -> QuerySet:
    """Open request orders of a category, best (highest workerpoolmaxprice) first."""
    qs = open_orders(chain_id=chain_id, kind="requestorder").filter(
        category=category, remaining__gt=0
    )
    qs = tag_filter(qs, min_tag=book.min_tag)
    return qs.order_by("-price", "publication_timestamp", "order_hash")


def depth(qs: QuerySet, *, descending: bool) -> list[dict]:
    """Volume per price level, best level first, with the running total."""
    order = "-price" if descending else "price"
    levels = (
        qs.order_by()
        .values("price")
        .annotate(volume=Sum("remaining"))
        .order_by(order)[:DEPTH_LEVELS]
    )
    total, result = 0, []
    for level in levels:
        total += level["volume"]
        result.append({"price": level["price"], "volume": level["volume"], "cumulative": total})
    return result


def category_deals(*, chain_id: int, category: int) -> QuerySet[Deal]:
    """Deals of a category, newest first (block ids grow with block numbers)."""
    return (
        Deal.objects.filter(chain_id=chain_id, category=category)
        .select_related("block")
        .order_by("-block_id", "-log_index")
    )


def price_history(*, chain_id: int, category: int) -> list[Deal]:
    """The last PRICE_DEALS deals of a category, oldest first, for the price chart (and the
    last price): only the columns those show, as 200 whole deals cost more to load than to
    chart."""
    deals = category_deals(chain_id=chain_id, category=category).only(
        "dealid", "workerpool_price", "volume", "block__timestamp"
    )
    return list(reversed(deals[:PRICE_DEALS]))
