"""Session fixtures: the real PoCo contracts deployed once on anvil, saved with their history,
and loaded into a fresh anvil for every test that needs a chain."""

from dataclasses import dataclass

import pytest
from web3 import Web3

from marketplace.chain.anvil import Anvil
from marketplace.chain.deploy import deploy_poco
from tests.chain import HISTORY, devnet_start


@dataclass(frozen=True)
class MarketOptions:
    """What `pytest.mark.market(...)` may say of the `market` fixture's market."""

    seed: int = 0  # the simulation's random choices, salts and enclaves
    indexed: bool = False  # the chain indexed once the actors are set up
    headroom: int = 0  # blocks mined first: room above the loaded state for reorgs to undo


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="run the long resilience variants")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="long variant: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def deployed_state(tmp_path_factory):
    """(state file, deployment) of a chain with PoCo deployed and nothing else."""
    path = tmp_path_factory.mktemp("chain") / "deployed.json"
    anvil = Anvil(dump_state=path, extra_args=HISTORY).start()
    try:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        deployment = deploy_poco(w3, owner=w3.eth.accounts[0]).as_dict()
    finally:
        anvil.stop()  # anvil writes its state, history included, when it stops
    return path, deployment


@pytest.fixture(scope="session")
def market_state(deployed_state, tmp_path_factory):
    """(state file, deployment, deals) of a chain where every simulated scenario has run once."""
    from marketplace.simulation.market import SCENARIOS, Market

    state, deployment = deployed_state
    path = tmp_path_factory.mktemp("chain") / "market.json"
    devnet = devnet_start(state=state, deployment=deployment, dump=path)
    try:
        market = Market(rpc_url=devnet.url, deployment=deployment)
        market.setup()
        deals = market.run(deals=len(SCENARIOS))
    finally:
        devnet.anvil.stop()
    return path, deployment, deals


@pytest.fixture
def devnet(deployed_state):
    state, deployment = deployed_state
    net = devnet_start(state=state, deployment=deployment)
    yield net
    net.anvil.stop()


@pytest.fixture
def market_devnet(market_state):
    state, deployment, deals = market_state
    net = devnet_start(state=state, deployment=deployment)
    net.deals = deals
    yield net
    net.anvil.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright, for one test module. (Playwright's sync API keeps an
    event loop in this thread while it runs: it must be gone before tests that use asgiref.)"""
    import os

    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_or_skip

    executable = chromium_or_skip()
    # The tests' own ORM calls are synchronous, beside Playwright's loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def live_market(market_devnet, tmp_path):
    """The site as `make run` has it, on a test chain: server and indexer, books stocked by the
    simulated market's sellers, and pools serving the deals visitors make."""
    from tests.live_market import live_market_running

    with live_market_running(devnet=market_devnet, tmp_path=tmp_path) as running:
        yield running


@pytest.fixture
def market(request, market_devnet):
    """The simulated market's actors on a test chain, with settings pointing at it.

    A module (or test) says which market with `pytest.mark.market(...)` (see MarketOptions)."""
    from django.test import override_settings

    from marketplace.simulation.market import Market

    marker = request.node.get_closest_marker("market")
    options = MarketOptions(**(marker.kwargs if marker else {}))
    with override_settings(CHAIN_RPC_URL=market_devnet.url, HUB_ADDRESS=market_devnet.hub):
        market_devnet.mine(options.headroom)
        market = Market(
            rpc_url=market_devnet.url, deployment=market_devnet.deployment, seed=options.seed
        )
        market.setup()
        market.devnet = market_devnet
        if options.indexed:
            market_devnet.index()
        yield market


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Tests publish from one address far faster than any client would; the limiter's own
    tests set their rates. The staleness cache is per process: no test sees another's."""
    from marketplace.selectors import status as selectors_status

    settings.RATE_LIMITS = {group: "100000/m" for group in settings.RATE_LIMITS}
    selectors_status._cache.clear()
