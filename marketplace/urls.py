from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace.ratelimit import rate_limited
from orderbook.urls import not_found_urlpatterns

urlpatterns = [
    # Before the admin's own routes: password guesses are limited like the pages' sign-in.
    path("admin/login/", rate_limited(group="signin", methods={"POST"})(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("marketplace.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("orderbook.urls")),
    path("", include("dappstore.urls")),
    path("", include("marketplace.web.urls")),
    *not_found_urlpatterns,
]

handler404 = "marketplace.web.errors.not_found"
handler500 = "marketplace.web.errors.internal_error"
