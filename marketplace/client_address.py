"""The client's address behind our reverse proxies, for everything that keys on it.

Rate limits, logs and websockets read the connection's peer (scope["client"], Django's
REMOTE_ADDR). Behind a proxy the peer is the proxy; the client is in X-Forwarded-For, where
each proxy *appends* the address it received the request from. Only the entries our own
proxies wrote can be believed: anything to their left was sent by the client and may be
made up. So the client is read from the right:

- TRUSTED_PROXY_HOPS = n (n proxies of ours in a row): the n-th entry from the right;
- TRUSTED_PROXIES = addresses or networks of our proxies: when the peer is one of them, the
  rightmost entry that is not.

With neither (the default) the header is ignored: a server reached directly cannot be told
another address. This replaces daphne's --proxy-headers, which takes the leftmost entry.
"""

from ipaddress import ip_address, ip_network


class ClientAddressMiddleware:
    """ASGI middleware for http and websocket scopes, in front of everything else."""

    def __init__(self, app, *, hops: int, proxies: list[str]):
        self.app = app
        self.hops = hops
        self.proxies = [ip_network(proxy, strict=False) for proxy in proxies]

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and (self.hops or self.proxies):
            forwarded = _forwarded_for(scope)
            peer = (scope.get("client") or (None, 0))[0]
            client = self._client(forwarded, peer=peer)
            if client is not None:
                scope = {**scope, "client": (client, 0)}
        await self.app(scope, receive, send)

    def _client(self, forwarded: list[str], *, peer: str | None) -> str | None:
        if not forwarded:
            return None
        if self.proxies:
            # A peer on a unix socket (None) is a local proxy.
            if peer is not None and not self._trusted(peer):
                return None
            for entry in reversed(forwarded):
                if not self._trusted(entry):
                    return _valid(entry)
            return _valid(forwarded[0])
        # Fewer entries than hops: the request came in past our outer proxies, and the
        # leftmost entry was still written by one of ours.
        return _valid(forwarded[max(0, len(forwarded) - self.hops)])

    def _trusted(self, address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self.proxies)


def _forwarded_for(scope) -> list[str]:
    # Several X-Forwarded-For headers make one list, in order.
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"]
    return [entry.strip() for value in values for entry in value.split(",") if entry.strip()]


def _valid(entry: str) -> str | None:
    try:
        return str(ip_address(entry))
    except ValueError:
        return None
