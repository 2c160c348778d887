"""The market page: per category, the sell side (workerpool orders) and the buy side (request
orders), depth, price history and recent deals. One view serves the page and its live
fragments (`?partial=book|prices|deals`)."""

from django.shortcuts import render

from marketplace.models import Category, Workerpool
from marketplace.web.charts import candles, depth_chart
from marketplace.web.forms import MarketFilterForm
from marketplace.web.partials import page_or_fragment
from marketplace.web.site import site_chain_id
from orderbook import market

PARTIALS = {"book", "prices", "deals"}


def market_page(request):
    chain_id = site_chain_id()
    form = MarketFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    categories = list(Category.objects.filter(chain_id=chain_id).order_by("catid"))
    category = (form.cleaned_data.get("category") if valid and form.is_bound else None) or 0
    selected = next((c for c in categories if c.catid == category), None)
    book = form.book_filter() if form.is_bound else market.BookFilter()
    partial = request.GET.get("partial")
    context = {
        "nav": "market",
        "form": form,
        "categories": categories,
        "category": selected,
        "catid": category,
        "query": "",
        "filters_query": _without(request.GET, "partial"),
    }
    if partial in (None, "book"):
        asks = market.asks(chain_id=chain_id, category=category, book=book)
        bids = market.bids(chain_id=chain_id, category=category, book=book)
        best_asks = list(asks[: market.BOOK_ROWS])
        context.update(
            asks=best_asks,
            pool_names=dict(
                Workerpool.objects.filter(
                    chain_id=chain_id, address__in={o.workerpool for o in best_asks}
                ).values_list("address", "description")
            ),
            bids=list(bids[: market.BOOK_ROWS]),
            asks_count=asks.count(),
            bids_count=bids.count(),
            depth=depth_chart(
                asks=market.depth(asks, descending=False), bids=market.depth(bids, descending=True)
            ),
        )
    if partial in (None, "prices"):
        history = market.price_history(chain_id=chain_id, category=category)
        context.update(
            last_deal=history[-1] if history else None,
            chart=candles(
                [
                    (int(d.block.timestamp.timestamp()), d.workerpool_price, d.volume)
                    for d in history
                ]
            ),
        )
    if partial in (None, "deals"):
        context["recent_deals"] = list(
            market.category_deals(chain_id=chain_id, category=category)[:10]
        )
    return render(request, page_or_fragment(request, "marketplace/market.html", *PARTIALS), context)


def _without(params, name: str) -> str:
    copy = params.copy()
    copy.pop(name, None)
    return copy.urlencode()
