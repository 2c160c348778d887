"""The market API's routes: at the root of the site, without trailing slashes (the SDK builds
`new URL('/apporders', gateway)`)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace.chain.parse import BYTES32_PATTERN
from marketplace.chain.protocol import ORDER_KINDS
from orderbook.api import views

MARKET_SCHEMA = {
    "TITLE": "PoCo Market market API",
    "DESCRIPTION": "A drop-in for iExec's market API: the four orderbooks, their publication "
    "(EIP-712 orders, challenge authorization), deals, categories and prices. Amounts are nRLC.",
}

urlpatterns = [
    path("version", views.VersionView.as_view()),
    path("metrics", views.MetricsView.as_view()),
    path("challenge", views.ChallengeView.as_view()),
    path("categories", views.CategoriesView.as_view()),
    path("categories/<int:catid>", views.CategoryView.as_view()),
    path("deals", views.DealsView.as_view()),
    re_path(rf"^deals/(?P<dealid>{BYTES32_PATTERN})$", views.DealView.as_view()),
    path("ohlc", views.OhlcView.as_view()),
    path(
        "docs/schema",
        SpectacularAPIView.as_view(urlconf="orderbook.urls", custom_settings=MARKET_SCHEMA),
        name="market-schema",
    ),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="market-schema"), name="market-docs"),
]
for kind in ORDER_KINDS:
    book, lookup = views.orders_views(kind)
    urlpatterns += [
        path(f"{kind}s", book.as_view()),
        re_path(rf"^{kind}s/(?P<order_hash>{BYTES32_PATTERN})$", lookup.as_view()),
    ]

# Anything else under the market API's routes still answers JSON (see views.lookup_not_found).
# Included after every other app's routes: the pages' /deals/all and /deals/mine come first.
not_found_urlpatterns = [
    re_path(
        r"^(?P<resource>categories|deals|(?:app|dataset|workerpool|request)orders)/[^/]*$",
        views.lookup_not_found,
    ),
    re_path(
        r"^(?P<route>version|metrics|challenge|categories|deals|ohlc"
        r"|(?:app|dataset|workerpool|request)orders)(?:/.*)?$",
        views.route_not_found,
    ),
]
