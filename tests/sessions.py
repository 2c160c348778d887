"""Signed-in page sessions for tests: Django's test client through the real EIP-4361 flow."""

import json

from django.test import Client
from eth_account import Account
from eth_account.messages import encode_defunct


def signed_in_client(key: bytes) -> Client:
    client = Client()
    address = Account.from_key(key).address
    message = client.get("/auth/message", {"address": address}).json()["message"]
    signature = Account.sign_message(encode_defunct(text=message), key).signature
    answer = client.post(
        "/auth/verify",
        json.dumps({"message": message, "signature": "0x" + bytes(signature).hex()}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return client
