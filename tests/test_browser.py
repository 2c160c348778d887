"""The marketplace in a real Chromium with a test wallet: a requester signs in, deposits, gets a
quote, buys and watches the task complete without reloading; an app owner publishes, unpublishes
and cancels orders; a pool owner edits the pool's attributes. Screenshots go to
test-artifacts/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.models import Account, Deal, Task, WorkerpoolProfile
from orderbook.models import Order
from tests.browser import TestWallet, page_with_wallet, screenshot
from tests.live_market import visitor_key

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 60_000  # ms: a deal is matched, indexed, initialized, computed and indexed again


def _wallet(live, key: bytes) -> TestWallet:
    return TestWallet(
        key=key, rpc_url=live.market.chain.w3.provider.endpoint_uri, chain_id=live.chain_id
    )


def _sign_in(page, wallet: TestWallet):
    page.goto("/")
    page.get_by_role("button", name="Sign in with wallet").click()
    expect(page.locator(".wallet")).to_have_attribute("title", wallet.address, timeout=15_000)


def test_requester_signs_in_buys_and_watches_the_task_complete(browser, live_market):
    live = live_market
    wallet = _wallet(live, visitor_key())
    live.fund(wallet.address, 100)
    page = page_with_wallet(browser, wallet=wallet, base_url=live.url)
    _sign_in(page, wallet)
    assert "personal_sign" in wallet.requests

    page.goto(f"/accounts/{wallet.address}")
    page.get_by_label("Amount (RLC)").fill("20")
    page.get_by_role("button", name="Deposit").click()
    # The stake shown updates by itself once the deposit's block is indexed.
    expect(page.locator("[data-balance=stake]")).to_have_text("20", timeout=TIMEOUT)
    screenshot(page, "requester-account")

    ask = (
        Order.objects.filter(
            kind="workerpoolorder", status="open", requesterrestrict="0x" + "0" * 40
        )
        .order_by("price")
        .first()
    )
    app = Order.objects.filter(kind="apporder", status="open").order_by("price").first()
    page.goto(f"/quote?app={app.app}")
    page.get_by_label("Category").select_option(str(ask.category))
    page.get_by_label("Trust").fill("1")
    page.get_by_role("button", name="Get a quote").click()
    expect(page.locator("#quote-total")).to_be_visible(timeout=15_000)
    screenshot(page, "requester-quote")
    page.get_by_role("button", name="Buy with my wallet").click()

    page.wait_for_url(re.compile(r"/deal/0x[0-9a-f]{64}$"), timeout=TIMEOUT)
    page.evaluate("window.__sameDocument = true")
    status = page.locator("#progress [data-task-status]")
    expect(status).to_have_text("UNSET")  # no pool has picked the deal up yet
    live.pools_start()
    expect(status).to_have_text("COMPLETED", timeout=TIMEOUT)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    screenshot(page, "requester-deal-completed")
    assert wallet.requests.count("eth_signTypedData_v4") == 1
    assert wallet.requests.count("eth_sendTransaction") == 2  # deposit, matchOrders

    dealid = page.url.rsplit("/", 1)[1]
    deal = Deal.objects.get(dealid=dealid)
    assert deal.requester == wallet.address
    assert deal.app_pointer == app.app and deal.category == ask.category
    assert Task.objects.get(deal=deal).status == Task.COMPLETED
    assert Account.objects.get(address=wallet.address).stake < 20 * 10**9  # paid
    assert not page.errors, page.errors


def test_app_owner_publishes_unpublishes_and_cancels_orders(browser, live_market):
    live = live_market
    developer = live.market.developers[0]
    app = live.market.apps["docker"]
    wallet = _wallet(live, developer.key)
    page = page_with_wallet(browser, wallet=wallet, base_url=live.url)
    _sign_in(page, wallet)
    page.goto(f"/apps/{app}")
    before = Order.objects.filter(kind="apporder", app=app, status="open").count()

    page.get_by_label("Price per task (RLC)").fill("0.3")
    page.get_by_label("Volume (tasks)").fill("7")
    page.get_by_role("button", name="Sign and publish").click()
    row = page.locator("#orders tr", has_text="0.3").filter(has_text="7/7")
    expect(row).to_have_count(1, timeout=15_000)
    screenshot(page, "app-owner-published")
    order = Order.objects.get(kind="apporder", app=app, price=300_000_000, volume=7)
    assert (order.signer, order.status, order.source) == (developer.address, "open", "api")
    assert Order.objects.filter(kind="apporder", app=app, status="open").count() == before + 1

    row.get_by_role("button", name="Unpublish").click()
    expect(row).to_have_count(0, timeout=15_000)
    assert not Order.objects.filter(pk=order.pk).exists()

    # Another order, canceled on chain: the book follows once the block is indexed.
    page.get_by_label("Price per task (RLC)").fill("0.4")
    page.get_by_label("Volume (tasks)").fill("3")
    page.get_by_role("button", name="Sign and publish").click()
    row = page.locator("#orders tr", has_text="0.4").filter(has_text="3/3")
    expect(row).to_have_count(1, timeout=15_000)
    row.get_by_role("button", name="Cancel on chain").click()
    expect(row).to_have_count(0, timeout=TIMEOUT)
    assert Order.objects.get(kind="apporder", app=app, price=400_000_000).status == "canceled"
    screenshot(page, "app-owner-canceled")
    assert not page.errors, page.errors


def test_pool_owner_edits_attributes_and_requesters_filter_by_them(browser, live_market):
    live = live_market
    pool = live.market.pools["alpha"]
    wallet = _wallet(live, pool.scheduler.key)
    page = page_with_wallet(browser, wallet=wallet, base_url=live.url)
    _sign_in(page, wallet)
    page.goto(f"/pools/{pool.address}")
    page.get_by_label("Location").fill("Lyon, France")
    page.get_by_label("Energy source").select_option("renewable")
    page.get_by_label("TEE hardware").select_option("sgx")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#profile")).to_contain_text("Saved.", timeout=15_000)
    screenshot(page, "pool-owner-saved")
    profile = WorkerpoolProfile.objects.get(address=pool.address)
    assert (profile.location, profile.energy_source, profile.tee_hardware) == (
        "Lyon, France",
        "renewable",
        "sgx",
    )
    assert profile.updated_by == wallet.address

    # Someone else sees the attributes, not the form, and finds the pool by them.
    other = _wallet(live, visitor_key())
    visitor = page_with_wallet(browser, wallet=other, base_url=live.url)
    visitor.goto(f"/pools/{pool.address}")
    expect(visitor.locator("#profile")).to_contain_text("Lyon, France")
    expect(visitor.get_by_role("button", name="Save")).to_have_count(0)
    ask = Order.objects.filter(
        kind="workerpoolorder", status="open", workerpool=pool.address
    ).first()
    visitor.goto(f"/?category={ask.category}&tee_hardware=sgx")
    pools_listed = visitor.locator("#book table").first.locator("tbody a")
    expect(pools_listed.first).to_be_visible()
    assert set(pools_listed.evaluate_all("els => els.map(e => e.title)")) == {pool.address}
    assert not page.errors and not visitor.errors
