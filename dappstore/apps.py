from django.apps import AppConfig


class DappstoreConfig(AppConfig):
    """The catalog of apps and datasets that developers publish to."""

    name = "dappstore"
