"""An app's or a dataset's page: what the registry says of it, its order book, the deals that
used it, and, for its owner, publishing and withdrawing orders through the wallet."""

from django.http import Http404
from django.shortcuts import render

from marketplace.chain.protocol import KIND_OF_ASSET
from marketplace.models import App, Dataset
from marketplace.selectors import entities as selectors
from marketplace.web.json import signed_in
from marketplace.web.partials import page_or_fragment
from marketplace.web.site import site_chain_id
from marketplace.web.validators import address_or_404
from orderbook.selectors import open_orders

ASSETS = {"app": (selectors.app_get, App), "dataset": (selectors.dataset_get, Dataset)}


def asset_page(request, address, *, kind: str):
    chain_id = site_chain_id()
    address = address_or_404(address)
    getter, model = ASSETS[kind]
    order_kind = KIND_OF_ASSET[kind]
    try:
        asset = getter(chain_id=chain_id, address=address)
    except model.DoesNotExist:
        raise Http404(f"no {kind} {address} is indexed") from None
    orders = open_orders(chain_id=chain_id, kind=order_kind).filter(**{kind: address})
    deals = selectors.deals_list(chain_id=chain_id, **{kind: address})
    context = {
        "kind": kind,
        "order_kind": order_kind,
        "asset": asset,
        "is_owner": signed_in(request) == asset.owner,
        "orders": list(orders.order_by("price", "publication_timestamp", "order_hash")[:50]),
        "orders_count": orders.count(),
        "recent_deals": list(deals[:10]),
        "deals_count": deals.count(),
    }
    return render(request, page_or_fragment(request, "marketplace/asset.html", "orders"), context)
