"""Browser tests' pieces: Debian's chromium driven by Playwright, and a test EIP-1193 wallet
injected into every page, which signs with a dev key of the local chain.

The wallet answers the page's `window.ethereum.request` calls in Python: accounts and chain id,
personal_sign and eth_signTypedData_v4 with eth_account, eth_sendTransaction signed locally and
sent raw; every other method goes to the node, as a real wallet's provider would.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from marketplace.chain.rpc import RpcClient, RpcError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
INJECTED = """
(() => {
  const listeners = {};
  window.ethereum = {
    isPocoTestWallet: true,
    request: async ({ method, params }) => {
      const answer = JSON.parse(await window.__testWallet(method, JSON.stringify(params || [])));
      if (answer.error) {
        const e = new Error(answer.error.message);
        e.code = answer.error.code;
        throw e;
      }
      return answer.result;
    },
    on: (name, fn) => { (listeners[name] = listeners[name] || []).push(fn); },
    removeListener: (name, fn) => {
      listeners[name] = (listeners[name] || []).filter((f) => f !== fn);
    },
  };
})();
"""


class TestWallet:
    """One dev key's wallet. `requests` records the methods the page called, in order."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, *, key: bytes, rpc_url: str, chain_id: int):
        self.account = Account.from_key(key)
        self.address = self.account.address
        self.rpc = RpcClient(rpc_url)
        self.chain_id = chain_id
        self.requests: list[str] = []

    def handle(self, method: str, params_json: str) -> str:
        self.requests.append(method)
        try:
            result = self._answer(method, json.loads(params_json))
        except RpcError as exc:
            return json.dumps({"error": {"code": exc.code or -32000, "message": exc.message}})
        except ValueError as exc:
            return json.dumps({"error": {"code": -32602, "message": str(exc)}})
        return json.dumps({"result": result})

    def _answer(self, method: str, params: list):
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.address]
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "wallet_switchEthereumChain":
            if int(params[0]["chainId"], 16) != self.chain_id:
                raise ValueError("this test wallet only knows the local chain")
            return None
        if method == "personal_sign":
            message, address = params
            self._mine(address)
            signed = self.account.sign_message(encode_defunct(hexstr=message))
            return "0x" + bytes(signed.signature).hex()
        if method == "eth_signTypedData_v4":
            address, typed = params
            self._mine(address)
            signed = self.account.sign_typed_data(full_message=json.loads(typed))
            return "0x" + bytes(signed.signature).hex()
        if method == "eth_sendTransaction":
            return self._send(params[0])
        return self.rpc.call(method, params)

    def _mine(self, address: str):
        if address.lower() != self.address.lower():
            raise ValueError(f"this wallet holds {self.address}, not {address}")

    def _send(self, tx: dict) -> str:
        self._mine(tx["from"])
        call = {"from": self.address, "to": tx["to"], "data": tx.get("data", "0x")}
        call["value"] = tx.get("value") or "0x0"
        signed = self.account.sign_transaction(
            {
                "to": tx["to"],
                "data": call["data"],
                "value": int(call["value"], 16),
                "nonce": int(
                    self.rpc.call("eth_getTransactionCount", [self.address, "pending"]), 16
                ),
                "gas": int(self.rpc.call("eth_estimateGas", [call]), 16) * 12 // 10,
                "gasPrice": int(self.rpc.call("eth_gasPrice"), 16),
                "chainId": self.chain_id,
            }
        )
        return self.rpc.call("eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex()])


def chromium_or_skip() -> str:
    """The chromium binary; a missing one fails the run where CI requires browsers."""
    if shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} is missing (Debian package chromium)"
    if os.environ.get("CI_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def page_with_wallet(browser, *, wallet: TestWallet, base_url: str):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.add_init_script(INJECTED)
    context.expose_function("__testWallet", wallet.handle)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def screenshot(page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
