"""ASGI entry point: HTTP through Django, websockets through Channels.

Every view and middleware of the project is synchronous, so HTTP requests run Django's
synchronous handler chain in one hop to the sync thread, instead of Django's async chain, which
hops between the event loop and a thread at each middleware and gives each request a thread of
its own: a new database connection per request (CONN_MAX_AGE cannot keep it) and ~4x the cost
of a trivial request. All sync code of a process runs on that one thread, as the GIL would
serialise it anyway: a busier server runs more processes.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup(set_prefix=False)  # as get_asgi_application does, before models are imported

from asgiref.sync import sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.base import BaseHandler  # noqa: E402

from marketplace.routing import websocket_urlpatterns  # noqa: E402


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler with the synchronous middleware chain, run on the sync thread."""

    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle HTTP connections, not {scope['type']}")
        # No ThreadSensitiveContext: sync code goes to the one sync thread, where the request
        # signals (close_old_connections) run too, so connections persist and are recycled.
        await self.handle(scope, receive, send)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


application = ProtocolTypeRouter(
    {"http": SyncChainASGIHandler(), "websocket": URLRouter(websocket_urlpatterns)}
)
