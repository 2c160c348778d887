"""Signed-in page sessions for tests: Django's test client through the real EIP-4361 flow."""

import json

from django.test import Client
from eth_account import Account
from eth_account.messages import encode_defunct


def signed_in_client(key: bytes) -> Client:
    def sign(message: str) -> str:
        return "0x" + bytes(Account.sign_message(encode_defunct(text=message), key).signature).hex()

    return _signed_in(address=Account.from_key(key).address, sign=sign)


def contract_wallet_client(*, address: str, signature: str) -> Client:
    """Signed in as an ERC-1271 contract wallet that vouches for `signature` whatever the
    message (as ERC1271Mock does)."""
    return _signed_in(address=address, sign=lambda _message: signature)


def _signed_in(*, address: str, sign) -> Client:
    client = Client()
    message = client.get("/auth/message", {"address": address}).json()["message"]
    answer = client.post(
        "/auth/verify",
        json.dumps({"message": message, "signature": sign(message)}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return client
