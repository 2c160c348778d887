"""Routes of the read API, mounted at api/v1/. Ids come without a trailing slash."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from marketplace.api import views
from marketplace.api.status import StatusView

router = SimpleRouter(trailing_slash=False)
router.register("categories", views.CategoryViewSet, basename="category")
router.register("apps", views.AppViewSet, basename="app")
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("workerpools", views.WorkerpoolViewSet, basename="workerpool")
router.register("deals", views.DealViewSet, basename="deal")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("accounts", views.AccountViewSet, basename="account")

urlpatterns = [path("status", StatusView.as_view(), name="status"), *router.urls]
