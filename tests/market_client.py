"""A small market-API client for tests: the challenge flow as the SDK does it, over Django's
test client."""

import json

from eth_account import Account

from marketplace.simulation.gateway import typed_data_sign


class MarketClient:
    def __init__(self, client, chain_id: int):
        self.client = client
        self.chain_id = chain_id

    def get(self, path: str, **params):
        return self.client.get(path, {"chainId": self.chain_id, **params})

    def authorization(self, key: bytes) -> str:
        address = Account.from_key(key).address
        typed = self.get("/challenge", address=address).json()["data"]
        digest, signature = typed_data_sign(typed, key)
        return f"{digest}_{signature}_{address}"

    def send(
        self, method: str, path: str, body, *, key: bytes | None = None, auth: str | None = None
    ):
        headers = {}
        if auth or key:
            headers["authorization"] = auth or self.authorization(key)
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        call = getattr(self.client, method)
        return call(
            f"{path}?chainId={self.chain_id}", raw, content_type="application/json", headers=headers
        )

    def publish(self, kind: str, order: dict, key: bytes, **kw):
        return self.send("post", f"/{kind}s", {"order": order}, key=key, **kw)

    def unpublish(self, kind: str, body: dict, key: bytes):
        return self.send("put", f"/{kind}s", body, key=key)
