from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    """Chain-derived state: what the indexer reads from the PoCo contracts."""

    name = "marketplace"
    verbose_name = "Chain index"
