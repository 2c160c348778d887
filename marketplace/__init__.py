"""PoCo Market: the project package (settings, urls, asgi, celery) and the protocol core."""

from .celery import app as celery_app

__all__ = ["celery_app"]
