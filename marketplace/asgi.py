"""ASGI entry point: HTTP through Django, websockets through Channels.

Every view and middleware of the project is synchronous, so an HTTP request runs Django's
synchronous handler chain in one hop to a sync thread, instead of Django's async chain, which
hops between the event loop and a thread at each middleware and gives each request a new
thread: a new database connection per request (CONN_MAX_AGE cannot keep it) and ~4x the cost
of a trivial request. The sync threads are a fixed few, each keeping its database connection
and running its requests' signals (close_old_connections) itself; a request waiting on the
database or the node leaves the others running.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup(set_prefix=False)  # as get_asgi_application does, before models are imported

from asgiref.sync import ThreadSensitiveContext, sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.base import BaseHandler  # noqa: E402

from marketplace.body_limit import BodyLimitMiddleware  # noqa: E402
from marketplace.client_address import ClientAddressMiddleware  # noqa: E402
from marketplace.routing import websocket_urlpatterns  # noqa: E402

# Enough to overlap the waits of a few requests; each thread holds a database connection.
SYNC_THREADS = 4


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler with the synchronous middleware chain, each request on one of a
    few long-lived sync threads."""

    def __init__(self, *, threads: int):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._free: asyncio.Queue[ThreadPoolExecutor] = asyncio.Queue()
        for _ in range(threads):
            self._free.put_nowait(ThreadPoolExecutor(1, thread_name_prefix="django-sync"))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle HTTP connections, not {scope['type']}")
        executor = await self._free.get()
        try:
            # Every thread-sensitive call of the request (signals, the chain, closing the
            # response) goes to this executor's one thread.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._free.put_nowait(executor)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


application = ClientAddressMiddleware(
    ProtocolTypeRouter(
        {
            "http": BodyLimitMiddleware(SyncChainASGIHandler(threads=SYNC_THREADS)),
            # A page of another site must not open sockets with its visitors' cookies.
            "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
        }
    ),
    hops=settings.TRUSTED_PROXY_HOPS,
    proxies=settings.TRUSTED_PROXIES,
)
