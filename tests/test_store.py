"""The store: claims checked on chain and signed, owner-only edits, safe Markdown and uploads,
search, filters and sorts, moderation, owners followed across NFT transfers, usage stats."""

import io
import json
import struct
import zlib
from html.parser import HTMLParser

import pytest
from django.test import Client
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from PIL import Image

from dappstore.models import Entry, Version
from dappstore.services import claim_message, stats_recompute
from marketplace.chain.artifacts import artifact
from marketplace.chain.protocol import NO_TAG
from tests.sessions import contract_wallet_client, signed_in_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=5, indexed=True)]
# ERC1271Mock vouches for a signature whose first word is keccak("valid-signature") and for no
# other; a last byte of 5 is no ECDSA recovery id, so nothing takes these for ECDSA signatures.
SAFE_SIGNATURE = "0x" + keccak(text="valid-signature").hex() + "00" * 32 + "05"
NOT_SAFE_SIGNATURE = "0x" + keccak(text="invalid-signature").hex() + "00" * 32 + "05"


def _session(actor) -> Client:
    return signed_in_client(actor.key)


def _claim(client: Client, actor, *, kind: str, address: str, into: str = "", signer=None):
    message = claim_message(chain_id=31337, kind=kind, address=address, claimant=actor.address)
    signed = Account.sign_message(encode_defunct(text=message), (signer or actor).key)
    signature = "0x" + bytes(signed.signature).hex()
    return _claim_signed(client, kind=kind, address=address, into=into, signature=signature)


def _claim_signed(client: Client, *, kind: str, address: str, signature: str, into: str = ""):
    body = {"kind": kind, "address": address, "into": into, "signature": signature}
    return client.post("/store/claim", json.dumps(body), content_type="application/json")


def _entry(market) -> Entry:
    developer = market.developers[0]
    answer = _claim(_session(developer), developer, kind="app", address=market.apps["docker"])
    assert answer.status_code == 200, answer.content
    return Entry.objects.get(slug=answer.json()["slug"])


def test_only_the_owner_claims_and_only_with_a_signature(market):
    developer, stranger = market.developers[0], market.requesters[0]
    app = market.apps["docker"]
    refused = _claim(_session(stranger), stranger, kind="app", address=app)
    assert refused.status_code == 403 and "only the owner" in refused.json()["error"]
    forged = _claim(_session(developer), developer, kind="app", address=app, signer=stranger)
    assert forged.status_code == 403 and "not signed by" in forged.json()["error"]
    assert not Entry.objects.exists()

    entry = _entry(market)
    assert entry.owner == developer.address and entry.display_name == "poco-market-hello"
    assert [v.address for v in entry.versions.all()] == [app]
    again = _claim(_session(developer), developer, kind="app", address=app)
    assert again.status_code == 403 and "already in the store" in again.json()["error"]
    assert Entry.objects.count() == 1


def test_a_contract_wallet_claims_its_app(market):
    """A Safe (an ERC-1271 contract wallet) signs in and claims the app it owns with the
    signature the wallet vouches for, and only with that one."""
    developer = market.developers[0]
    wallet = market.chain.w3.eth
    deployed = wallet.send_transaction(
        {"from": developer.address, "data": artifact("ERC1271Mock")["bytecode"]}
    )
    safe = wallet.wait_for_transaction_receipt(deployed)["contractAddress"]
    app = market.apps["docker"]
    developer.send(market.chain.app_registry, "transferFrom", developer.address, safe, int(app, 16))
    market.devnet.index()
    client = contract_wallet_client(address=safe, signature=SAFE_SIGNATURE)

    refused = _claim_signed(client, kind="app", address=app, signature=NOT_SAFE_SIGNATURE)
    assert refused.status_code == 403 and "not signed by" in refused.json()["error"]
    claimed = _claim_signed(client, kind="app", address=app, signature=SAFE_SIGNATURE)
    assert claimed.status_code == 200, claimed.content
    entry = Entry.objects.get(slug=claimed.json()["slug"])
    assert entry.owner == safe and [v.address for v in entry.versions.all()] == [app]
    assert client.get(f"/store/{entry.slug}/edit").status_code == 200


def test_edits_are_the_owner_s_and_markup_renders_inert(market):
    entry = _entry(market)
    owner, stranger = _session(market.developers[0]), _session(market.requesters[0])
    hostile = (
        "# Hello\n\n<script>alert('x')</script>\n\n"
        '<img src=x onerror="alert(1)">\n\n'
        "[click me](javascript:alert(1)) [docs](https://docs.example/)\n\n"
        '<a href="javascript:alert(2)" onclick="alert(3)">raw link</a>'
    )
    form = {
        "display_name": "Hello <b>world</b>",
        "summary": 'Says hello" onmouseover="alert(4)',
        "description": hostile,
        "tags_text": "demo, hello",
        "source_url": "https://github.com/example/hello",
    }
    assert stranger.post(f"/store/{entry.slug}/edit", form).status_code == 403
    saved = owner.post(f"/store/{entry.slug}/edit", form)
    assert saved.status_code == 302
    entry.refresh_from_db()
    page = Client().get(f"/store/{entry.slug}").content.decode()
    assert _active_markup(page) == []
    assert "&lt;script&gt;" in entry.description_html  # shown as text, not run
    assert '<a href="https://docs.example/" rel="nofollow noopener noreferrer">docs</a>' in page
    assert "Hello &lt;b&gt;world&lt;/b&gt;" in page
    assert set(entry.tags.values_list("name", flat=True)) == {"demo", "hello"}


class _ActiveMarkup(HTMLParser):
    """Collects what a browser would run: inline scripts, event handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.found.append("<script> not from /static/")


def _active_markup(page: str) -> list[str]:
    parser = _ActiveMarkup()
    parser.feed(page)
    return parser.found


def _image(kind: str, side: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "teal").save(buffer, kind)
    return buffer.getvalue()


def _png_bomb(side: int) -> bytes:
    """A small PNG whose header claims side x side pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_logo_uploads_are_limited_in_size_and_type(market):
    entry = _entry(market)
    owner = _session(market.developers[0])
    base = {"display_name": "Hello", "summary": "s", "description": "", "tags_text": ""}

    def upload(name: str, raw: bytes):
        file = io.BytesIO(raw)
        file.name = name
        return owner.post(f"/store/{entry.slug}/edit", {**base, "logo_file": file})

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, raw, message in [
        ("logo.svg", svg, b"must be a PNG, JPEG or WebP image"),
        ("logo.gif", _image("GIF"), b"must be a PNG, JPEG or WebP image"),
        ("logo.png", b"\x89PNG" + b"0" * (300 * 1024), b"larger than 256 KB"),
        ("logo.png", _image("PNG", side=2000), b"at most 1024 pixels"),
    ]:
        answer = upload(name, raw)
        assert answer.status_code == 400 and message in answer.content, name
    entry.refresh_from_db()
    assert not entry.logo and entry.summary == ""  # a refused save changes nothing

    assert upload("logo.png", _image("PNG")).status_code == 302
    served = Client().get(f"/store/{entry.slug}/logo")
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert served.content == _image("PNG")


def test_a_decompression_bomb_logo_is_refused_with_a_message(market):
    """Pillow refuses to open it with an exception of its own, which is no OSError."""
    entry = _entry(market)
    bomb = io.BytesIO(_png_bomb(30_000))
    bomb.name = "bomb.png"
    form = {"display_name": "Hello", "summary": "s", "description": "", "logo_file": bomb}
    answer = _session(market.developers[0]).post(f"/store/{entry.slug}/edit", form)
    assert answer.status_code == 400 and b"at most 1024 pixels on a side" in answer.content


def test_search_filters_sorts_and_moderation(market):
    entry = _entry(market)
    owner = _session(market.developers[0])
    owner.post(
        f"/store/{entry.slug}/edit",
        {"display_name": "Image denoiser", "summary": "Cleans photographs",
         "description": "Removes **noise** from pictures taken at night.", "tags_text": "vision"},
    )  # fmt: skip
    tee_dev = market.developers[1]
    answer = _claim(_session(tee_dev), tee_dev, kind="app", address=market.apps["tee"])
    tee_entry = Entry.objects.get(slug=answer.json()["slug"])
    assert tee_entry.tee and not Entry.objects.get(pk=entry.pk).tee

    def found(**params) -> list[str]:
        page = Client().get("/store", params)
        assert page.status_code == 200
        return [e.slug for e in page.context["entries"]]

    assert found(q="night noise") == [entry.slug]  # words from the description
    assert found(q="photo") == [entry.slug]  # a prefix of a summary word
    assert found(q="vision") == [entry.slug]  # a tag
    assert found(q="nothing-like-it") == []
    assert found(tag="vision") == [entry.slug]
    assert found(tee="on") == [tee_entry.slug]
    assert set(found()) == {entry.slug, tee_entry.slug}

    Entry.objects.filter(pk=tee_entry.pk).update(hidden=True)
    assert found() == [entry.slug]
    assert Client().get(f"/store/{tee_entry.slug}").status_code == 404
    assert Version.objects.filter(entry=tee_entry).exists()  # the chain data is untouched


def test_usage_and_prices_follow_the_chain_and_the_books(market):
    entry = _entry(market)
    stats_recompute(chain_id=31337)
    entry.refresh_from_db()
    assert entry.deals_total > 0 and entry.deals_30d > 0  # the market state's deals
    assert entry.min_price is None  # nothing on the book yet

    from tests.market_client import MarketClient

    developer = market.developers[0]
    order = developer.app_order(
        app=market.apps["docker"], price=0, volume=3, tag=NO_TAG, salt="0x" + "07" * 32
    )
    assert (
        MarketClient(Client(), 31337).publish("apporder", order, developer.key).status_code == 200
    )
    stats_recompute(chain_id=31337)
    entry.refresh_from_db()
    assert entry.min_price == 0
    page = Client().get("/store", {"price": "free", "orders": "on"})
    assert [e.slug for e in page.context["entries"]] == [entry.slug]
    assert b"free" in Client().get(f"/store/{entry.slug}").content


def test_an_entry_follows_its_app_when_the_nft_moves(market):
    entry = _entry(market)
    developer, buyer = market.developers[0], market.requesters[1]
    developer.send(
        market.chain.app_registry,
        "transferFrom",
        developer.address,
        buyer.address,
        int(market.apps["docker"], 16),
    )
    market.devnet.index()
    entry.refresh_from_db()
    assert entry.owner == buyer.address
    edit = _session(developer).get(f"/store/{entry.slug}/edit")
    assert edit.status_code == 403
    assert _session(buyer).get(f"/store/{entry.slug}/edit").status_code == 200
