"""The one way the site's processes make a client of the node: with the provider's limits.

Every caller (indexer, publication checks, Celery jobs, pages) gets its client here, so none
escapes CHAIN_RPC_MAX_BATCH or CHAIN_RPC_MAX_RPS.
"""

import json
from typing import Any

from django.conf import settings
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from marketplace.chain.rpc import RpcClient, RpcError


def node_client(*, url: str | None = None, timeout: float | None = None) -> RpcClient:
    """A client of `url` (the configured node by default) within the configured limits."""
    return RpcClient(
        url or settings.CHAIN_RPC_URL,
        timeout=settings.CHAIN_RPC_TIMEOUT if timeout is None else timeout,
        max_batch=settings.CHAIN_RPC_MAX_BATCH,
        max_rps=settings.CHAIN_RPC_MAX_RPS,
    )


class NodeProvider(JSONBaseProvider):
    """web3's provider over node_client, for the libraries that want one (siwe's check of a
    contract wallet's signature), so that they too keep within the provider's limits."""

    def __init__(self):
        super().__init__()
        self.client = node_client()

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        # web3's encoder turns its HexBytes and addresses into JSON, as its own providers do.
        request = json.loads(self.encode_rpc_request(method, params))
        try:
            result = self.client.call(method, request["params"])
        except RpcError as exc:
            return {"jsonrpc": "2.0", "id": request["id"],
                    "error": {"code": exc.code or -32000, "message": exc.message}}  # fmt: skip
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}
