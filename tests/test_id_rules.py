"""One rule for ids in every family — pages, the read API (/api/v1) and the market API: `0x`
optional, letters in one case or EIP-55 checksummed. A mixed-case address whose checksum is
wrong is refused everywhere with the same reason: a 404 for an id in a path, a 400 for a field."""

import pytest

from marketplace.models import Deal, Workerpool

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=5, indexed=True)]
EIP55 = "fail the EIP-55 checksum"


def _spellings(hex_id: str) -> list[str]:
    digits = hex_id[2:]
    return [hex_id, hex_id.lower(), "0x" + digits.upper(), "0X" + digits.lower(), digits]


def _wrong_checksum(address: str) -> str:
    """The address with the case of its first letter flipped: still mixed-case, checksum wrong."""
    at = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    return address[:at] + address[at].swapcase() + address[at + 1 :]


@pytest.fixture
def ids(market):
    deal = Deal.objects.order_by("id").first()
    pool = Workerpool.objects.get(address=deal.workerpool_pointer)
    return {"chainId": deal.chain_id, "pool": pool.address, "deal": deal.dealid}


def test_every_spelling_of_an_address_opens_the_same_everywhere(client, ids):
    pool, chain = ids["pool"], {"chainId": ids["chainId"]}
    book = client.get("/workerpoolorders", {**chain, "workerpool": pool}).json()
    deals = client.get("/api/v1/deals", {"workerpool": pool}).json()
    assert book["ok"] and deals["count"] > 0
    for spelling in _spellings(pool):
        page = client.get(f"/pools/{spelling}")
        assert page.status_code == 200 and pool in page.content.decode(), spelling
        read = client.get(f"/api/v1/workerpools/{spelling}")
        assert read.status_code == 200 and read.json()["address"] == pool, spelling
        assert client.get("/api/v1/deals", {"workerpool": spelling}).json() == deals
        answer = client.get("/workerpoolorders", {**chain, "workerpool": spelling})
        assert answer.json() == book, spelling


def test_every_spelling_of_a_deal_id_opens_the_same_everywhere(client, ids):
    deal, chain = ids["deal"], {"chainId": ids["chainId"]}
    for spelling in _spellings(deal):
        page = client.get(f"/deal/{spelling}")
        assert page.status_code == 200 and deal in page.content.decode(), spelling
        read = client.get(f"/api/v1/deals/{spelling}")
        assert read.status_code == 200 and read.json()["dealid"] == deal, spelling
        market = client.get(f"/deals/{spelling}", chain)
        assert market.status_code == 200 and market.json()["dealid"] == deal, spelling


def test_a_wrong_mixed_case_checksum_is_refused_everywhere_saying_why(client, ids):
    bad, chain = _wrong_checksum(ids["pool"]), {"chainId": ids["chainId"]}
    for path in (f"/pools/{bad}", f"/accounts/{bad}", f"/store/asset/{bad}"):
        page = client.get(path, headers={"accept": "text/html"})
        assert page.status_code == 404 and EIP55 in page.content.decode(), path
        assert EIP55 in client.get(path).json()["error"]  # a script's fetch gets JSON
    for path in (f"/api/v1/workerpools/{bad}", f"/api/v1/accounts/{bad}"):
        read = client.get(path)
        assert read.status_code == 404 and EIP55 in read.json()["detail"], path
    read = client.get("/api/v1/deals", {"workerpool": bad})
    assert read.status_code == 400 and EIP55 in read.json()["workerpool"][0]
    for path, query in [
        ("/workerpoolorders", {"workerpool": bad}),
        ("/deals", {"workerpool": bad}),
        ("/challenge", {"address": bad}),
    ]:
        market = client.get(path, {**chain, **query})
        assert market.status_code == 400, (path, market.content)
        assert market.json()["error"].startswith(f"{next(iter(query))} is not a valid ethereum")
        assert EIP55 in market.json()["error"]
    signin = client.get("/auth/message", {"address": bad})
    assert signin.status_code == 400 and EIP55 in signin.json()["error"]
