from django.urls import path

from marketplace.web import views

urlpatterns = [path("", views.home, name="home")]
