"""Reads of the store: the catalog with search, filters and sorts; an entry with its versions,
live price, usage and the pools that ran it.

Called by dappstore.views. On PostgreSQL the search runs on a GIN-indexed tsvector (prefix
matches, ranked); on other databases on the same text with LIKE. The free/paid and has-orders
filters and the price sort use the cached cheapest price (dappstore.tasks keeps it current); the
price shown beside each entry is read live from the books.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Min, QuerySet
from django.db.models.expressions import OrderBy, RawSQL

from dappstore.models import Entry, Version
from marketplace.chain.protocol import APP_REGISTRY, DATASET_REGISTRY
from marketplace.chain.reader import Call
from marketplace.models import Deal
from orderbook import facts
from orderbook.models import Order

TERM = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8
SORTS = {"usage", "newest", "price", "relevance"}


@dataclass(frozen=True)
class CatalogQuery:
    text: str = ""
    kind: str = ""
    tag: str = ""
    tee: bool = False
    price: str = ""  # "free", "paid" or ""
    has_orders: bool = False
    sort: str = "usage"


def _search(qs: QuerySet, text: str) -> tuple[QuerySet, bool]:
    terms = TERM.findall(text.lower())[:MAX_TERMS]
    if not terms:
        return qs, False
    if connection.vendor == "postgresql":
        # Terms are \w only: nothing in them can be tsquery syntax.
        tsquery = " & ".join(f"{t}:*" for t in terms)
        qs = qs.extra(where=["search_tsv @@ to_tsquery('english', %s)"], params=[tsquery])
        rank = RawSQL("ts_rank(search_tsv, to_tsquery('english', %s))", (tsquery,))
        return qs.annotate(rank=rank), True
    for term in terms:
        qs = qs.filter(search_document__icontains=term)
    return qs, False


def catalog(*, chain_id: int, query: CatalogQuery) -> QuerySet[Entry]:
    qs = Entry.objects.filter(chain_id=chain_id, hidden=False)
    qs, ranked = _search(qs, query.text)
    if query.kind in (Entry.APP, Entry.DATASET):
        qs = qs.filter(kind=query.kind)
    if query.tag:
        qs = qs.filter(tags__name=query.tag)
    if query.tee:
        qs = qs.filter(tee=True)
    if query.price == "free":
        qs = qs.filter(min_price=0)
    elif query.price == "paid":
        qs = qs.filter(min_price__gt=0)
    if query.has_orders:
        qs = qs.filter(min_price__isnull=False)
    if query.sort == "relevance" and ranked:
        order: list[str | OrderBy] = ["-rank", "-deals_30d"]
    elif query.sort == "newest":
        order = ["-created_at"]
    elif query.sort == "price":
        order = [F("min_price").asc(nulls_last=True), "-deals_30d"]
    else:
        order = ["-deals_30d", "-tasks_30d", "-created_at"]
    return qs.order_by(*order, "id").prefetch_related("tags")


def featured(*, chain_id: int) -> list[Entry]:
    return list(
        Entry.objects.filter(chain_id=chain_id, hidden=False, featured=True)
        .order_by("-deals_30d", "id")
        .prefetch_related("tags")[:6]
    )


def live_prices(entries: list[Entry]) -> dict[int, int]:
    """The cheapest open order of each entry's versions, read from the books now."""
    versions = Version.objects.filter(entry__in=entries).values_list("entry_id", "address")
    entry_of = {address: entry_id for entry_id, address in versions}
    prices: dict[int, int] = {}
    for field, kind in (("app", "apporder"), ("dataset", "datasetorder")):
        rows = (
            Order.objects.filter(kind=kind, status=Order.OPEN, **{f"{field}__in": list(entry_of)})
            .values(field)
            .annotate(best=Min("price"))
        )
        for row in rows:
            entry_id = entry_of[row[field]]
            prices[entry_id] = min(prices.get(entry_id, row["best"]), row["best"])
    return prices


def entry_get(*, chain_id: int, slug: str, include_hidden: bool = False) -> Entry:
    qs = Entry.objects.filter(chain_id=chain_id, slug=slug)
    if not include_hidden:
        qs = qs.filter(hidden=False)
    return qs.prefetch_related("tags", "versions").get()


def entry_pools(entry: Entry) -> list[Mapping[str, Any]]:
    """The pools that ran the entry's versions, busiest first."""
    pointer = "app_pointer" if entry.kind == Entry.APP else "dataset_pointer"
    addresses = [v.address for v in entry.versions.all()]
    return list(
        Deal.objects.filter(chain_id=entry.chain_id, **{f"{pointer}__in": addresses})
        .values("workerpool_pointer")
        .annotate(deals=Count("id"))
        .order_by("-deals")[:10]
    )


def entry_of_asset(*, chain_id: int, address: str) -> Entry | None:
    version = Version.objects.filter(chain_id=chain_id, address=address).select_related("entry")
    found = version.first()
    return found.entry if found and not found.entry.hidden else None


_PREDICT = {
    Entry.APP: APP_REGISTRY["predictApp"],
    Entry.DATASET: DATASET_REGISTRY["predictDataset"],
}


def asset_address_predicted(*, registry: str, kind: str, args: tuple) -> str:
    """The address createApp / createDataset with these arguments gives (CREATE2), from the
    registry's own predict view."""
    (address,) = facts.chain_reader().many([Call(registry, _PREDICT[kind], args)])
    return address
