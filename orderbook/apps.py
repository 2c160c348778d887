from django.apps import AppConfig


class OrderbookConfig(AppConfig):
    """Orders of the four kinds, their publication and their state on chain."""

    name = "orderbook"
