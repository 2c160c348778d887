"""The pages, and the JSON calls their wallet scripts make."""

from functools import partial

from django.urls import path, re_path

from marketplace.chain.parse import ADDRESS_PATTERN, BYTES32_PATTERN
from marketplace.web import (
    views_accounts,
    views_assets,
    views_deals,
    views_market,
    views_orders,
    views_pools,
    views_quote,
    views_search,
    views_signin,
    views_tx,
)

ADDRESS = rf"(?P<address>{ADDRESS_PATTERN})"

urlpatterns = [
    path("", views_market.market_page, name="market"),
    path("quote", views_quote.quote_page, name="quote"),
    path("quote/request", views_quote.quote_request_prepare, name="quote-request"),
    path("pools", views_pools.pools_page, name="pools"),
    re_path(rf"^pools/{ADDRESS}$", views_pools.pool_page, name="pool"),
    re_path(rf"^workers/{ADDRESS}$", views_accounts.worker_page, name="worker"),
    re_path(rf"^accounts/{ADDRESS}$", views_accounts.account_page, name="account"),
    re_path(rf"^apps/{ADDRESS}$", partial(views_assets.asset_page, kind="app"), name="app"),
    re_path(
        rf"^datasets/{ADDRESS}$", partial(views_assets.asset_page, kind="dataset"), name="dataset"
    ),
    path("deals/all", views_deals.deals_page, name="deals"),
    path("deals/mine", partial(views_deals.deals_page, mine=True), name="my-deals"),
    re_path(rf"^deal/(?P<dealid>{BYTES32_PATTERN})$", views_deals.deal_page, name="deal"),
    re_path(rf"^task/(?P<taskid>{BYTES32_PATTERN})$", views_deals.task_page, name="task"),
    path("search", views_search.search_page, name="search"),
    path("auth/message", views_signin.message, name="signin-message"),
    path("auth/verify", views_signin.verify, name="signin-verify"),
    path("auth/signout", views_signin.signout, name="signout"),
    path("orders/prepare", views_orders.order_prepare, name="order-prepare"),
    path("orders/publish", views_orders.order_publish_view, name="order-publish"),
    path("orders/unpublish", views_orders.order_unpublish_view, name="order-unpublish"),
    path("tx/deposit", views_tx.deposit, name="tx-deposit"),
    path("tx/withdraw", views_tx.withdraw, name="tx-withdraw"),
    path("tx/match", views_tx.match, name="tx-match"),
    path("tx/claim", views_tx.claim, name="tx-claim"),
    path("tx/cancel", views_tx.cancel, name="tx-cancel"),
]
