"""The market API against a real chain: publication rules, lookups, filters, unpublication."""

import pytest

from marketplace.chain.orders import order_hash
from marketplace.chain.protocol import NO_TAG, TEE_TAG, tag_hex, tag_value
from orderbook.models import Order
from tests.market_client import MarketClient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=11)]


@pytest.fixture
def api(client, market):
    return MarketClient(client, market.chain.domain["chainId"])


def _salt(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


def app_order(market, *, price=5, volume=10, salt=1, tag=NO_TAG, app="docker"):
    developer = market.developers[0 if app == "docker" else 1]
    order = developer.app_order(
        app=market.apps[app], price=price, volume=volume, tag=tag, salt=_salt(salt)
    )
    return developer, order


def test_publish_list_lookup_app_order(api, market):
    developer, order = app_order(market)
    answer = api.publish("apporder", order, developer.key)
    assert answer.status_code == 200, answer.content
    published = answer.json()["published"]
    digest = order_hash(kind="apporder", order=order, domain=market.chain.domain)
    assert published["orderHash"] == digest
    assert published["remaining"] == 10 and published["status"] == "open"
    assert published["signer"] == developer.address
    assert published["publicationTimestamp"].endswith("Z")

    book = api.get("/apporders", app=market.apps["docker"]).json()
    assert book["ok"] and book["count"] == 1
    assert book["orders"][0]["orderHash"] == digest
    assert book["orders"][0]["order"]["appprice"] == 5

    lookup = api.get(f"/apporders/{digest}").json()
    assert lookup["orderHash"] == digest and lookup["status"] == "open"
    assert api.get(f"/apporders/{digest[:-1]}0").json()["error"] == "apporder not found"


def test_sdk_style_string_numbers_hash_the_same(api, market):
    developer, order = app_order(market, salt=2)
    as_strings = {k: str(v) if isinstance(v, int) else v for k, v in order.items()}
    answer = api.publish("apporder", as_strings, developer.key)
    assert answer.status_code == 200
    assert answer.json()["published"]["order"]["appprice"] == 5


def test_authorization_is_single_use_and_bound_to_its_address(api, market):
    developer, order = app_order(market, salt=3)
    auth = api.authorization(developer.key)
    assert api.publish("apporder", order, None, auth=auth).status_code == 200
    _, other = app_order(market, salt=4)
    replay = api.publish("apporder", other, None, auth=auth)
    assert replay.status_code == 403 and replay.json() == {
        "ok": False,
        "error": "invalid authorization",
    }
    missing = api.send("post", "/apporders", {"order": other})
    assert missing.status_code == 403
    # A challenge signed by someone else, sent under the developer's address.
    stranger = market.requesters[0]
    forged = api.authorization(stranger.key).rsplit("_", 1)[0] + "_" + developer.address
    assert api.publish("apporder", other, None, auth=forged).status_code == 403
    assert Order.objects.count() == 1


def test_order_for_an_asset_the_caller_does_not_own(api, market):
    developer, order = app_order(market, salt=5)
    intruder = market.requesters[0]
    answer = api.publish("apporder", order, intruder.key)
    assert answer.status_code == 403
    assert answer.json()["error"] == f"only order signer {developer.address} can publish an order"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "the request body is not valid JSON"),
        ({"order": "abc"}, "order must be a `object` type"),
        ({"order": {}}, "order.app is a required field"),
    ],
)
def test_malformed_bodies(api, market, body, message):
    developer, _order = app_order(market)
    answer = api.send("post", "/apporders", body, key=developer.key)
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"ok": False, "error": message}
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "appprice",
            "abc",
            "order.appprice must be a `number` type, but the final value was: `NaN`",
        ),
        ("appprice", -1, "order.appprice must be greater than or equal to 0"),
        ("appprice", 2**53, "order.appprice must be less than or equal to 9007199254740991"),
        ("appprice", 1.5, "order.appprice must be an integer"),
        ("volume", 0, "order.volume must be greater than or equal to 1"),
        ("app", "0x1234", "order.app is not a valid ethereum address"),
        ("tag", "0x01", "order.tag must be a bytes32 hexstring"),
        ("salt", 12, "order.salt must be a bytes32 hexstring"),
        ("sign", "0xzz", "order.sign must be a valid signature"),
        ("sign", "not hex at all", "order.sign must be a valid signature"),
    ],
)
def test_bad_fields_are_named(api, market, field, value, message):
    developer, order = app_order(market)
    answer = api.publish("apporder", {**order, field: value}, developer.key)
    assert answer.status_code == 400
    assert answer.json() == {"ok": False, "error": message}
    assert not Order.objects.exists()


def test_signatures_for_another_chain_or_hub_are_refused(api, market):
    from marketplace.chain.orders import order_sign

    developer, order = app_order(market, salt=6)
    for domain in (
        {**market.chain.domain, "chainId": 1},
        {**market.chain.domain, "verifyingContract": market.chain.rlc.address},
    ):
        foreign = {
            **order,
            "sign": order_sign(
                kind="apporder", order=order, domain=domain, private_key=developer.key
            ),
        }
        answer = api.publish("apporder", foreign, developer.key)
        assert answer.status_code == 403 and answer.json()["error"] == "invalid sign"
    assert not Order.objects.exists()


def test_unknown_chain_and_missing_chain(api, market, client):
    assert client.get("/apporders", {"chainId": 1, "app": market.apps["docker"]}).json() == {
        "ok": False,
        "error": "chainId 1 is not supported",
    }
    assert client.get("/apporders").json()["error"] == "chainId is a required field"


def test_duplicate_and_consumed(api, market):
    developer, order = app_order(market, salt=7)
    assert api.publish("apporder", order, developer.key).status_code == 200
    again = api.publish("apporder", order, developer.key)
    assert again.status_code == 403 and again.json()["error"] == "order already published"


def test_unpublish_by_hash_last_and_all(api, market):
    developer, first = app_order(market, salt=8)
    _, second = app_order(market, salt=9)
    _, third = app_order(market, salt=10)
    hashes = [
        api.publish("apporder", o, developer.key).json()["published"]["orderHash"]
        for o in (first, second, third)
    ]

    stranger = market.requesters[0]
    refused = api.unpublish("apporder", {"orderHash": hashes[0]}, stranger.key)
    assert refused.status_code == 403
    assert (
        refused.json()["error"] == f"only order signer {developer.address} can unpublish an order"
    )

    assert api.unpublish("apporder", {"orderHash": hashes[0]}, developer.key).json() == {
        "ok": True,
        "unpublished": [hashes[0]],
    }
    gone = api.unpublish("apporder", {"orderHash": hashes[0]}, developer.key)
    assert gone.json()["error"] == f"apporder with orderHash {hashes[0]} is not published"
    last = api.unpublish(
        "apporder", {"target": "unpublish_last", "app": market.apps["docker"]}, developer.key
    )
    assert last.json()["unpublished"] == [hashes[2]]
    everything = api.unpublish(
        "apporder", {"target": "unpublish_all", "app": market.apps["docker"]}, developer.key
    )
    assert everything.json()["unpublished"] == [hashes[1]]
    none_left = api.unpublish(
        "apporder", {"target": "unpublish_all", "app": market.apps["docker"]}, developer.key
    )
    assert none_left.json()["error"] == (
        f"no open apporder published by signer {developer.address} for app {market.apps['docker']}"
    )
    assert api.get(f"/apporders/{hashes[1]}").status_code == 404


def _request(
    market, *, salt, appmaxprice=5, workerpoolmaxprice=10, tag=NO_TAG, volume=1, requester=0
):
    buyer = market.requesters[requester]
    order = buyer.request_order(
        app=market.apps["docker"],
        appmaxprice=appmaxprice,
        workerpoolmaxprice=workerpoolmaxprice,
        volume=volume,
        tag=tag,
        category=0,
        trust=1,
        params='{"iexec_args":"hello"}',
        salt=_salt(salt),
    )
    return buyer, order


def test_request_order_needs_a_matchable_app_order(api, market):
    buyer, request = _request(market, salt=20)
    app = market.apps["docker"]
    assert (
        api.publish("requestorder", request, buyer.key).json()["error"]
        == f"No apporder published for app {app}"
    )
    developer, order = app_order(market, price=7, salt=21)
    api.publish("apporder", order, developer.key)
    assert api.publish("requestorder", request, buyer.key).json()["error"] == (
        f"appmaxprice for app {app} is too low, actual best price is 7 nRLC"
    )
    _, tee_request = _request(market, salt=22, appmaxprice=10, tag=TEE_TAG)
    assert api.publish("requestorder", tee_request, buyer.key).json()["error"] == (
        f"No tee enabled apporder published for app {app}"
    )
    _, good = _request(market, salt=23, appmaxprice=10)
    published = api.publish("requestorder", good, buyer.key)
    assert published.status_code == 200
    assert published.json()["published"]["order"]["params"] == '{"iexec_args":"hello"}'
    # Request orders with no workerpool are listed by default; strict filters narrow.
    assert api.get("/requestorders", app=app).json()["count"] == 1
    assert (
        api.get(
            "/requestorders", workerpool=market.pools["alpha"].address, isWorkerpoolStrict="true"
        ).json()["count"]
        == 0
    )


def test_request_order_stake_rule(api, market):
    developer, order = app_order(market, price=0, salt=30)
    api.publish("apporder", order, developer.key)
    buyer, request = _request(
        market, salt=31, appmaxprice=0, workerpoolmaxprice=10**15, volume=1000
    )
    answer = api.publish("requestorder", request, buyer.key)
    assert answer.status_code == 403
    assert answer.json()["error"] == (
        "requester stake is too low to cover requestorder payment, "
        f"minimum stake required is {10**15 * 1000} nRLC"
    )


def test_workerpool_order_stake_rule_and_filters(api, market):
    pool = market.pools["alpha"]
    scheduler = pool.scheduler
    cheap = scheduler.workerpool_order(
        workerpool=pool.address, price=3, volume=5, tag=NO_TAG, category=2, trust=1, salt=_salt(40)
    )
    assert api.publish("workerpoolorder", cheap, scheduler.key).status_code == 200
    huge = scheduler.workerpool_order(
        workerpool=pool.address,
        price=10**15,
        volume=1000,
        tag=NO_TAG,
        category=2,
        trust=1,
        salt=_salt(41),
    )
    refused = api.publish("workerpoolorder", huge, scheduler.key)
    assert (
        refused.json()["error"]
        == "workerpool owner's stake is too low to cover required workerpool lock"
    )
    assert api.get("/workerpoolorders", category=2).json()["count"] == 1
    assert api.get("/workerpoolorders", category=3).json()["count"] == 0
    assert api.get("/workerpoolorders", workerpoolOwner=scheduler.address).json()["count"] == 1
    assert api.get("/workerpoolorders", minTag=TEE_TAG).json()["count"] == 0
    assert api.get("/workerpoolorders", maxTag=NO_TAG).json()["count"] == 1


def test_the_market_page_offers_and_filters_by_tdx(api, market, client):
    pool = market.pools["alpha"]
    tdx = tag_hex(tag_value(["tee", "tdx"]))
    for price, tag in ((50, tdx), (51, TEE_TAG)):
        order = pool.scheduler.workerpool_order(
            workerpool=pool.address, price=price, volume=1, tag=tag, category=2, trust=1,
            salt=_salt(price),
        )  # fmt: skip
        assert api.publish("workerpoolorder", order, pool.scheduler.key).status_code == 200
    page = client.get("/", {"category": 2, "tags": "tdx"})
    assert page.status_code == 200
    assert '<input type="checkbox" name="tags" value="tdx"' in page.content.decode()
    assert [ask.price for ask in page.context["asks"]] == [50]


def test_paging(api, market):
    developer = market.developers[0]
    for salt in range(50, 62):
        _, order = app_order(market, salt=salt, price=salt)
        api.publish("apporder", order, developer.key)
    first = api.get("/apporders", app=market.apps["docker"], pageSize=10).json()
    assert first["count"] == 12 and len(first["orders"]) == 10 and first["nextPage"] == 10
    second = api.get("/apporders", app=market.apps["docker"], pageSize=10, pageIndex=1).json()
    assert len(second["orders"]) == 2 and "nextPage" not in second
    prices = [o["order"]["appprice"] for o in first["orders"] + second["orders"]]
    assert prices == sorted(prices)
    assert api.get("/apporders", app=market.apps["docker"], pageSize=5).json()["error"] == (
        "pageSize must be greater than or equal to 10"
    )
    assert api.get("/apporders").json()["error"] == "app or appOwner is required"


def test_version_metrics_categories(api, market):
    market.devnet.index()
    assert api.get("/version").json()["ok"]
    metrics = api.get("/metrics").json()
    assert metrics["lastBlock"] == market.devnet.head()
    categories = api.get("/categories").json()
    assert [c["name"] for c in categories["categories"]] == ["XS", "S", "M", "L", "XL"]
    assert api.get("/categories/4").json()["workClockTimeRef"] == 36000
    assert api.get("/categories/9").status_code == 404


def test_cors_and_json_errors(api, market, client, settings):
    answer = client.get(
        "/apporders",
        {"chainId": api.chain_id, "app": market.apps["docker"]},
        headers={"origin": "https://app.example"},
    )
    assert answer["Access-Control-Allow-Origin"] in ("*", "https://app.example")
    preflight = client.options(
        "/apporders",
        headers={
            "origin": "https://app.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert "authorization" in preflight["Access-Control-Allow-Headers"].lower()
    settings.DEBUG = False
    missing = client.get("/no-such-route")
    assert missing.status_code == 404 and missing.json() == {"ok": False, "error": "Not Found"}
    wrong = client.delete(f"/apporders?chainId={api.chain_id}")
    assert wrong.status_code == 405 and wrong.json()["ok"] is False


def test_market_docs_describe_every_route(client):
    schema = client.get("/docs/schema", headers={"accept": "application/json"})
    assert schema.status_code == 200
    paths = (
        schema.json()["paths"] if schema["Content-Type"].startswith("application/json") else None
    )
    text = schema.content.decode()
    for route in ("/apporders", "/workerpoolorders/{order_hash}", "/challenge", "/deals", "/ohlc"):
        assert route in (paths or text)
    assert client.get("/docs").status_code == 200
