"""Session fixtures: the real PoCo contracts deployed once on anvil, saved with their history,
and loaded into a fresh anvil for every test that needs a chain."""

import pytest
from web3 import Web3

from marketplace.chain.anvil import Anvil
from marketplace.chain.deploy import deploy_poco
from tests.chain import HISTORY, devnet_start


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


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Tests publish from one address far faster than any client would; the limiter's own
    tests set their rates. The staleness cache is per process: no test sees another's."""
    from marketplace import selectors_status

    settings.RATE_LIMITS = {group: "100000/m" for group in settings.RATE_LIMITS}
    selectors_status._cache.clear()
