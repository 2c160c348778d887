"""The store's pages and the JSON calls of its publish flow, under /store."""

from django.urls import path, re_path

from dappstore import views
from marketplace.chain.parse import ADDRESS_PATTERN

urlpatterns = [
    path("store", views.catalog_page, name="store"),
    path("store/publish", views.publish_page, name="store-publish"),
    path("store/deploy", views.deploy_prepare, name="store-deploy"),
    path("store/claim/message", views.claim_message_view, name="store-claim-message"),
    path("store/claim", views.claim, name="store-claim"),
    re_path(
        rf"^store/asset/(?P<address>{ADDRESS_PATTERN})$", views.asset_entry, name="store-asset"
    ),
    path("store/<slug:slug>", views.entry_page, name="store-entry"),
    path("store/<slug:slug>/edit", views.entry_edit, name="store-edit"),
    path("store/<slug:slug>/logo", views.entry_logo, name="store-logo"),
]
