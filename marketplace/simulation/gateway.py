"""A market-API client for the simulated market's actors, speaking HTTP as the iExec SDK does.

Called by marketplace.simulation.market when it runs against a server (`simulate --gateway`) and
by the tests. Each POST or PUT carries a fresh single-use challenge signed by the actor's key.
"""

import time

import requests
from eth_account import Account

from marketplace.chain.orders import signable_hash, typed_data_signable
from marketplace.chain.protocol import RESOURCE_OF_KIND

TIMEOUT = 30
# Answers 429 (rate limited) are retried after the Retry-After the server gives, at most this long.
RATE_LIMITED_RETRIES = 5
RATE_LIMITED_WAIT = 60.0
# Restriction filters default to public orders only; an actor managing its own book sees all.
ANY_RESTRICTION = {
    "apporder": ("dataset", "workerpool", "requester"),
    "datasetorder": ("app", "workerpool", "requester"),
    "workerpoolorder": ("app", "dataset", "requester"),
    "requestorder": ("workerpool",),
}


class GatewayError(RuntimeError):
    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def typed_data_sign(typed: dict, key: bytes) -> tuple[str, str]:
    """(EIP-712 hash, 65-byte signature) of typed data whose chainId may be a decimal string,
    as the market API's /challenge serves it."""
    signable = typed_data_signable(typed=typed)
    signature = "0x" + bytes(Account.sign_message(signable, key).signature).hex()
    return signable_hash(signable=signable), signature


class Gateway:
    def __init__(self, *, url: str, chain_id: int):
        self.url = url.rstrip("/")
        self.chain_id = chain_id
        self.session = requests.Session()

    def _call(self, method: str, path: str, *, params=None, body=None, key: bytes | None = None):
        for _attempt in range(RATE_LIMITED_RETRIES):
            # A fresh authorization each time: the server burns a challenge once it is used.
            headers = {"authorization": self.authorization(key)} if key else {}
            answer = self.session.request(
                method,
                f"{self.url}{path}",
                params={"chainId": self.chain_id, **(params or {})},
                json=body,
                headers=headers,
                timeout=TIMEOUT,
            )
            if answer.status_code != 429:
                break
            # Every actor shares one address here: wait as the server asks, like a polite client.
            time.sleep(min(float(answer.headers.get("Retry-After", 1)), RATE_LIMITED_WAIT))
        try:
            data = answer.json()
        except ValueError:
            raise GatewayError(answer.status_code, answer.text[:200]) from None
        if not data.get("ok"):
            raise GatewayError(answer.status_code, data.get("error", "no error message"))
        return data

    def wait_ready(self, *, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._call("GET", "/version")
                return
            except (requests.ConnectionError, GatewayError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def authorization(self, key: bytes) -> str:
        address = Account.from_key(key).address
        typed = self._call("GET", "/challenge", params={"address": address})["data"]
        digest, signature = typed_data_sign(typed, key)
        return f"{digest}_{signature}_{address}"

    def publish(self, *, kind: str, order: dict, key: bytes) -> dict:
        """The published order JSON (orderHash, remaining, status, order…)."""
        return self._call("POST", f"/{kind}s", body={"order": order}, key=key)["published"]

    def unpublish(self, *, kind: str, order_hash: str, key: bytes) -> list[str]:
        body = {"target": "unpublish_orderHash", "orderHash": order_hash}
        return self._call("PUT", f"/{kind}s", body=body, key=key)["unpublished"]

    def book(self, *, kind: str, **filters) -> list[dict]:
        """The first page of a book, best first."""
        params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in filters.items()}
        return self._call("GET", f"/{kind}s", params=params)["orders"]

    def deals(self, **filters) -> list[dict]:
        """The first page of deals, newest first."""
        return self._call("GET", "/deals", params=filters)["deals"]

    def own_orders(self, *, kind: str, signer: str) -> list[dict]:
        """A signer's open orders of one kind, whatever their restrictions."""
        owner = f"{RESOURCE_OF_KIND[kind]}Owner" if kind != "requestorder" else "requester"
        anys = dict.fromkeys(ANY_RESTRICTION[kind], "any")
        return self.book(kind=kind, **{owner: signer}, **anys, pageSize=100)

    def index_wait(self, *, block: int, timeout: float = 60):
        """Until the server has indexed `block`: its books then reflect every event up to it."""
        deadline = time.monotonic() + timeout
        while self._call("GET", "/metrics")["lastBlock"] < block:
            if time.monotonic() > deadline:
                raise GatewayError(0, f"block {block} is not indexed after {timeout:g} s")
            time.sleep(0.2)

    def deal_wait(self, *, dealid: str, timeout: float = 60) -> dict:
        """The deal, once the server has indexed it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._call("GET", f"/deals/{dealid}")
            except GatewayError as exc:
                if exc.status != 404:
                    raise
            if time.monotonic() > deadline:
                raise GatewayError(
                    404,
                    f"deal {dealid} is not indexed after {timeout:g} s: "
                    "is the indexer (`manage.py index --follow`) running?",
                )
            time.sleep(0.2)
