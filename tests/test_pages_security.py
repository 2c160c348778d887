"""Who may do what in the pages: sessions only from a verified EIP-4361 signature (single-use
nonce, expiry, domain and chain bound), CSRF on every form and wallet call, and changes to a
pool or an order only by its owner."""

import json
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from marketplace.chain.protocol import NO_TAG
from marketplace.models import SignInNonce, Workerpool, WorkerpoolProfile
from marketplace.simulation.actors import dev_key
from orderbook.models import Order
from tests.sessions import signed_in_client

pytestmark = pytest.mark.django_db(transaction=True)
OWNER, STRANGER = dev_key(4), dev_key(9)  # alpha's scheduler owns the pool; a worker does not


@pytest.fixture
def site(market_devnet):
    with override_settings(CHAIN_RPC_URL=market_devnet.url, HUB_ADDRESS=market_devnet.hub):
        market_devnet.index()
        yield market_devnet


def _message(client: Client, key: bytes) -> str:
    address = Account.from_key(key).address
    answer = client.get("/auth/message", {"address": address})
    assert answer.status_code == 200, answer.content
    return answer.json()["message"]


def _verify(client: Client, message: str, signature: str):
    return client.post(
        "/auth/verify",
        json.dumps({"message": message, "signature": signature}),
        content_type="application/json",
    )


def _sign(key: bytes, message: str) -> str:
    return "0x" + bytes(Account.sign_message(encode_defunct(text=message), key).signature).hex()


def test_a_signature_signs_in_once(site):
    client = Client()
    message = _message(client, OWNER)
    assert "wants you to sign in with your Ethereum account" in message
    assert "Chain ID: 31337" in message and message.startswith("testserver ")
    signature = _sign(OWNER, message)
    first = _verify(client, message, signature)
    assert first.status_code == 200 and first.json()["address"] == Account.from_key(OWNER).address
    assert client.session["wallet"] == Account.from_key(OWNER).address

    again = _verify(client, message, signature)
    assert again.status_code == 403
    assert "already used" in again.json()["error"]


@pytest.mark.parametrize(
    "tamper, reason",
    [
        (lambda m: m.replace("testserver", "evil.example", 1), "written for another site"),
        (lambda m: m, "the signature is not the address's"),
    ],
)
def test_a_message_signed_by_someone_else_or_rewritten_fails(site, tamper, reason):
    client = Client()
    message = _message(client, OWNER)
    signer = STRANGER if "not the address" in reason else OWNER
    answer = _verify(client, tamper(message), _sign(signer, tamper(message)))
    assert answer.status_code == 403
    assert reason in answer.json()["error"]
    assert "wallet" not in client.session


def test_a_nonce_is_bound_to_its_session_and_expires(site):
    mine, theirs = Client(), Client()
    message = _message(mine, OWNER)
    theirs.get("/")  # a session of its own
    answer = _verify(theirs, message, _sign(OWNER, message))
    assert answer.status_code == 403 and "wallet" not in theirs.session

    stale = _message(mine, OWNER)
    SignInNonce.objects.update(created_at=timezone.now() - timedelta(hours=1))
    answer = _verify(mine, stale, _sign(OWNER, stale))
    assert answer.status_code == 403 and "wallet" not in mine.session


def test_garbage_gets_a_clear_error(site):
    client = Client()
    assert client.get("/auth/message", {"address": "0x12"}).status_code == 400
    _message(client, OWNER)
    bad = client.post("/auth/verify", "{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"] == "the request body is not valid JSON"
    answer = _verify(client, "hello", "0x00")
    assert answer.status_code == 403
    assert answer.json()["error"] == "the message is not an EIP-4361 sign-in message"


def test_posts_without_a_csrf_token_are_refused(site):
    client = signed_in_client(OWNER)
    guarded = Client(enforce_csrf_checks=True)
    guarded.cookies = client.cookies
    pool = _alpha(site)
    for path, body in [
        (f"/pools/{pool}", {"location": "Nowhere"}),
        ("/orders/unpublish", {"kind": "apporder", "orderHash": "0x" + "11" * 32}),
        ("/tx/deposit", {"amount": "1"}),
        ("/auth/signout", {}),
    ]:
        answer = guarded.post(path, json.dumps(body), content_type="application/json")
        assert answer.status_code == 403, path
    assert not WorkerpoolProfile.objects.exists()


def _alpha(devnet) -> str:
    return Workerpool.objects.get(description="poco-market alpha").address


def test_only_the_pool_owner_edits_it(site):
    pool = _alpha(site)
    stranger = signed_in_client(STRANGER)
    page = stranger.get(f"/pools/{pool}")
    assert b'name="location"' not in page.content
    refused = stranger.post(f"/pools/{pool}", {"location": "Mars"})
    assert refused.status_code == 403 and not WorkerpoolProfile.objects.exists()
    anonymous = Client().post(f"/pools/{pool}", {"location": "Mars"})
    assert anonymous.status_code == 403

    owner = signed_in_client(OWNER)
    assert b'name="location"' in owner.get(f"/pools/{pool}").content
    saved = owner.post(
        f"/pools/{pool}", {"location": "Lyon", "energy_source": "mixed", "website": "not a url"}
    )
    assert saved.status_code == 200 and b"Enter a valid URL" in saved.content
    assert not WorkerpoolProfile.objects.exists()  # nothing half-saved
    owner.post(f"/pools/{pool}", {"location": "Lyon", "energy_source": "mixed"})
    assert WorkerpoolProfile.objects.get(address=pool).location == "Lyon"


def test_only_an_order_s_signer_unpublishes_or_cancels_it(site, client):
    from marketplace.simulation.market import Market
    from tests.market_client import MarketClient

    market = Market(rpc_url=site.url, deployment=site.deployment, seed=3)
    market.setup()
    site.index()
    developer = market.developers[0]
    order = developer.app_order(
        app=market.apps["docker"], price=1, volume=2, tag=NO_TAG, salt="0x" + "42" * 32
    )
    api = MarketClient(client, 31337)
    assert api.publish("apporder", order, developer.key).status_code == 200
    digest = Order.objects.get(source="api").order_hash

    stranger = signed_in_client(STRANGER)
    body = json.dumps({"kind": "apporder", "orderHash": digest})
    refused = stranger.post("/orders/unpublish", body, content_type="application/json")
    assert refused.status_code == 403 and "only order signer" in refused.json()["error"]
    cancel = stranger.post("/tx/cancel", body, content_type="application/json")
    assert cancel.status_code == 403 and "only the order's signer" in cancel.json()["error"]
    assert Order.objects.get(order_hash=digest).status == "open"

    owner = signed_in_client(developer.key)
    tx = owner.post("/tx/cancel", body, content_type="application/json").json()["tx"]
    assert tx["to"] == site.hub and tx["data"].startswith("0x")
    assert owner.post("/orders/unpublish", body, content_type="application/json").json() == {
        "ok": True,
        "unpublished": [digest],
    }
    assert not Order.objects.filter(order_hash=digest).exists()
