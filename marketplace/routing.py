"""Websocket routes."""

from django.urls import re_path

from marketplace.live.consumers import LiveConsumer

websocket_urlpatterns = [
    re_path(r"^ws/live/(?P<chain_id>\d+)/(?P<topic>[a-z]+)$", LiveConsumer.as_asgi()),
]
