"""Websocket routes (live feeds arrive with the orderbook)."""

websocket_urlpatterns = []
