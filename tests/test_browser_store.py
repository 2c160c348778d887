"""The store in a real Chromium with test wallets: a developer deploys an app through the page,
writes its entry and publishes an order; a requester finds it by search and reaches the quote
with the app preselected."""

import pytest
from eth_utils import keccak
from playwright.sync_api import expect

from dappstore.models import Entry
from marketplace.models import App
from orderbook.models import Order
from tests.browser import TestWallet, page_with_wallet, screenshot
from tests.live_market import visitor_key

pytestmark = pytest.mark.django_db(transaction=True)
DEVELOPER = 46  # a fresh dev account: it owns nothing before the test
IMAGE = "docker.io/example/denoise:1.0.0"


def _wallet(live, key: bytes) -> TestWallet:
    rpc = live.market.chain.w3.provider.endpoint_uri
    return TestWallet(key=key, rpc_url=rpc, chain_id=live.chain_id)


def _sign_in(page, wallet: TestWallet, path: str):
    page.goto(path)
    page.get_by_role("button", name="Sign in with wallet").first.click()
    expect(page.locator(".wallet")).to_have_attribute("title", wallet.address, timeout=15_000)


def test_developer_deploys_describes_and_sells_then_a_requester_finds_it(browser, live_market):
    live = live_market
    developer = _wallet(live, visitor_key(DEVELOPER))
    live.fund(developer.address, 10)
    page = page_with_wallet(browser, wallet=developer, base_url=live.url)
    _sign_in(page, developer, "/store/publish")

    deploy = page.locator("[data-deploy-form]")
    deploy.get_by_label("Kind").select_option("app")
    deploy.get_by_label("Name").fill("night-denoiser")
    deploy.get_by_label("Multiaddr").fill(IMAGE)
    deploy.get_by_label("Checksum").fill("0x" + keccak(text=IMAGE).hex())
    deploy.get_by_role("button", name="Deploy with my wallet").click()
    page.wait_for_url("**/store/night-denoiser/edit", timeout=60_000)
    app = App.objects.get(name="night-denoiser")  # indexed from the page's own transaction
    assert app.owner == developer.address and app.multiaddr.endswith(IMAGE.encode().hex())
    assert developer.requests.count("personal_sign") == 2  # sign-in, then the claim

    page.get_by_label("Name", exact=True).fill("Night Denoiser")
    page.get_by_label("Summary").fill("Removes noise from photographs taken at night")
    page.get_by_label("Description (Markdown)").fill("## How\nA *median* filter, then magic.")
    page.get_by_label("Tags").fill("vision, photo")
    page.get_by_role("button", name="Save the entry").click()
    page.wait_for_url("**/store/night-denoiser")
    expect(page.locator(".description em")).to_have_text("median")

    page.get_by_label("Price per task (RLC)").fill("0.2")
    page.get_by_label("Volume (tasks)").fill("50")
    page.get_by_role("button", name="Sign and publish").click()
    expect(page.locator("#entry-orders tr", has_text="50/50")).to_have_count(1, timeout=15_000)
    screenshot(page, "store-entry-owner")
    order = Order.objects.get(kind="apporder", app=app.address)
    assert (order.price, order.signer, order.status) == (200_000_000, developer.address, "open")
    assert Entry.objects.get(slug="night-denoiser").owner == developer.address

    requester = _wallet(live, visitor_key())
    visitor = page_with_wallet(browser, wallet=requester, base_url=live.url)
    visitor.goto("/store")
    visitor.get_by_label("Search", exact=True).fill("denois")
    result = visitor.locator("#results .entry-card", has_text="Night Denoiser")
    expect(result).to_have_count(1, timeout=10_000)
    expect(visitor.locator("#results .entry-card")).to_have_count(1)
    screenshot(visitor, "store-search")
    result.get_by_role("link", name="Night Denoiser").click()
    expect(visitor.locator("#entry-price")).to_have_text("0.2 RLC")
    visitor.get_by_role("link", name="Run it").click()
    visitor.wait_for_url(f"**/quote?app={app.address}")
    expect(visitor.get_by_label("App")).to_have_value(app.address)
    screenshot(visitor, "store-run-it-quote")
    assert not page.errors and not visitor.errors
