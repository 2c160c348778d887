"""The unmodified iExec SDK (npm `iexec` 9.x) against our market API, our indexer and a local chain.

Runs tests/e2e/sdk_flow.mjs with the SDK configured by `hubAddress` and `iexecGatewayURL` only; it
deploys an app, a dataset and a workerpool, publishes, reads, matches and unpublishes orders, and
lists deals; this test checks every answer against the market API's contract
(shared/specs/market-api.md), the chain (hub views) and the API itself.

The SDK's node_modules are installed here (`npm ci --ignore-scripts` in tests/e2e) when missing:
CI starts from a fresh clone. The test skips only when they are missing and npm is not there.
"""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from eth_utils import keccak, to_checksum_address

from marketplace.chain.protocol import ZERO_ADDRESS, ZERO_BYTES32
from marketplace.simulation.actors import Chain, dev_key
from tests.processes import ROOT, log_tails, running_stack

pytestmark = pytest.mark.django_db(transaction=True)

E2E = ROOT / "tests" / "e2e"
SDK_VERSION = json.loads((E2E / "package.json").read_text())["dependencies"]["iexec"]
FUNDER, DEVELOPER, SCHEDULER, REQUESTER, REQUESTER2 = 0, 40, 41, 42, 43  # anvil dev accounts
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BULK_VOLUME = 2**53 - 1  # the SDK's DATASET_INFINITE_VOLUME


def _installed_version() -> str | None:
    manifest = E2E / "node_modules" / "iexec" / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


@pytest.fixture(scope="session")
def sdk_installed():
    """tests/e2e/node_modules with the pinned SDK, installed from the npm registry if absent."""
    if _installed_version() != SDK_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(f"iexec {SDK_VERSION} is not installed in tests/e2e and npm is missing")
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=E2E,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"npm ci in tests/e2e failed:\n{done.stdout}\n{done.stderr}"
        assert _installed_version() == SDK_VERSION
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is missing")
    return node


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture
def stack(market_devnet, tmp_path):
    """The market API server (daphne) and a following indexer, both on the test database."""
    with running_stack(devnet=market_devnet, logs_dir=tmp_path) as (gateway, logs):
        yield gateway, logs


def _run_flow(node: str, devnet, gateway: str, logs, saved: Path) -> dict:
    chain_id = int(devnet.rpc("eth_chainId"), 16)
    env = {
        **os.environ,
        "E2E_RPC_URL": devnet.url,
        "E2E_HUB": devnet.hub,
        "E2E_GATEWAY_URL": gateway,
        "E2E_CHAIN_ID": str(chain_id),
        "E2E_FUNDER_KEY": "0x" + dev_key(FUNDER).hex(),
        "E2E_DEVELOPER_KEY": "0x" + dev_key(DEVELOPER).hex(),
        "E2E_SCHEDULER_KEY": "0x" + dev_key(SCHEDULER).hex(),
        "E2E_REQUESTER_KEY": "0x" + dev_key(REQUESTER).hex(),
        "E2E_REQUESTER2_KEY": "0x" + dev_key(REQUESTER2).hex(),
    }
    done = subprocess.run(
        [node, str(E2E / "sdk_flow.mjs")], cwd=E2E, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"sdk_flow.mjs failed:\n{done.stderr}\n{log_tails(logs)}")
    saved.write_text(done.stdout)  # kept with the server's and indexer's logs
    return json.loads(done.stdout)


def _same_order(api_order: dict, sdk_order: dict):
    """The order the API serves is the one the SDK signed: same fields, same values."""
    assert set(api_order) == set(sdk_order)
    for field, value in sdk_order.items():
        served = api_order[field]
        if isinstance(served, int):
            assert served == int(value), field
        elif field == "params":
            assert served == value  # hashed as sent: never re-serialised
        else:
            assert served.lower() == value.lower(), field


def _published_shape(entry: dict, *, chain_id: int, signer: str):
    assert entry["chainId"] == chain_id
    assert isinstance(entry["remaining"], int)
    assert entry["status"] in ("open", "filled", "canceled", "dead")
    assert ISO_MS.match(entry["publicationTimestamp"]), entry["publicationTimestamp"]
    assert entry["signer"] == signer
    assert re.match(r"^0x[0-9a-f]{64}$", entry["orderHash"])


# Expected books: order names, best first (price asc, or workerpoolmaxprice desc for requests).
BOOKS = {
    "app default": ["A1", "A5"],
    "app dataset": ["A2", "A1", "A5"],
    "app dataset strict": ["A2"],
    "app dataset any": ["A2", "A1", "A5"],
    "app workerpool": ["A1", "A3", "A5"],
    "app workerpool strict": ["A3"],
    "app requester2": ["A1", "A4", "A5"],
    "app requester2 strict": ["A4"],
    "app requester": ["A1", "A5"],
    "app all any": ["A2", "A1", "A3", "A4", "A5"],
    "app minTag gpu": ["A5"],
    "app minTag tee,tdx": ["A1", "A5"],
    "app maxTag tee,tdx": ["A1"],
    "app maxTag none": [],
    "app minVolume 3": ["A1"],
    "app minVolume 4 any": ["A3"],
    "app appOwner": ["A1", "A5"],
    "app any appOwner": ["A2", "A1", "A3", "A4", "A5"],
    "app appOwner stranger": [],
    "app pageSize 10 page 1": [],
    "dataset default": ["D1"],
    "dataset app": ["D1", "D2"],
    "dataset app strict": ["D2"],
    "dataset workerpool": ["D1", "D3"],
    "dataset workerpool strict": ["D3"],
    "dataset requester": ["D1", "D4"],
    "dataset requester strict": ["D4"],
    "dataset all any": ["D1", "D2", "D3", "D4"],
    "dataset bulkOnly": ["D1"],
    "dataset minVolume 6 any": ["D1", "D2"],
    "dataset minTag gpu": [],
    "dataset maxTag tee,tdx": ["D1"],
    "dataset datasetOwner": ["D1"],
    "workerpool default": ["W2", "W1", "W5"],
    "workerpool category 0": ["W1", "W5"],
    "workerpool category 1": ["W2"],
    "workerpool minTrust 5": ["W2"],
    "workerpool minTrust 1": ["W2", "W1", "W5"],
    "workerpool app": ["W3", "W2", "W1", "W5"],
    "workerpool app strict": ["W3"],
    "workerpool dataset": ["W2", "W1", "W5", "W6"],
    "workerpool dataset strict": ["W6"],
    "workerpool requester2": ["W2", "W1", "W4", "W5"],
    "workerpool requester2 strict": ["W4"],
    "workerpool all any": ["W3", "W2", "W1", "W4", "W5", "W6"],
    "workerpool minTag gpu": ["W5"],
    "workerpool maxTag tee,tdx": ["W2", "W1"],
    "workerpool minVolume 2": ["W1"],
    "workerpool minVolume 2 any": ["W3", "W1"],
    "workerpool workerpoolOwner": ["W2", "W1", "W5"],
    "workerpool workerpoolOwner category 1": ["W2"],
    "request default": ["R4", "R1", "R3", "R5"],
    "request workerpool": ["R4", "R2", "R1", "R3", "R5"],
    "request workerpool strict": ["R2"],
    "request workerpool any": ["R4", "R2", "R1", "R3", "R5"],
    "request requester": ["R4", "R1", "R3"],
    "request requester2": ["R5"],
    "request beneficiary requester2": ["R4", "R5"],
    "request dataset": ["R3"],
    "request category 1": ["R3"],
    "request category 2": ["R4"],
    "request maxTrust 0 any": ["R2", "R3", "R5"],
    "request maxTrust 1 any": ["R2", "R1", "R3", "R5"],
    "request minTag gpu": ["R4"],
    "request maxTag tee,tdx": ["R1", "R3", "R5"],
    "request minVolume 2 any": ["R4", "R2"],
    "request no app filter requester": ["R4", "R1", "R3"],
    "request after match 1": ["R4", "R3"],
    "app minVolume 3 after match 1": [],
    "app after unpublish all": [],
    "dataset after unpublish all": [],
    "workerpool after unpublish all": [],
    "request after unpublish all": [],
}


def test_sdk_against_market_api_and_chain(sdk_installed, market_devnet, stack, tmp_path):
    gateway, logs = stack
    started = time.monotonic()
    out = _run_flow(sdk_installed, market_devnet, gateway, logs, tmp_path / "sdk_flow.json")
    flow_seconds = time.monotonic() - started
    chain = Chain(rpc_url=market_devnet.url, deployment=market_devnet.deployment)
    chain_id = out["chainId"]
    a = out["addresses"]
    h = out["hashes"]
    assert a["developer"] == to_checksum_address(a["developer"])

    # Every book, with every filter, lists exactly the expected orders in the expected order.
    books = {label: got["names"] for label, got in out["books"].items()}
    assert books == BOOKS
    for label, got in out["books"].items():
        assert got["count"] == len(BOOKS[label]) or label == "app pageSize 10 page 1", label
        assert not got["more"], label  # no book here fills a page
    assert out["books"]["app pageSize 10 page 1"]["count"] == 5

    # List items are published order JSON carrying the order exactly as the SDK signed it.
    for key, name, signer in (
        ("firstAppOrder", "A1", a["developer"]),
        ("firstDatasetOrder", "D1", a["developer"]),
        ("firstWorkerpoolOrder", "W2", a["scheduler"]),
        ("firstRequestOrder", "R4", a["requester"]),
    ):
        entry = out[key]
        assert entry["orderHash"] == h[name]
        _published_shape(entry, chain_id=chain_id, signer=signer)
        assert entry["status"] == "open"
        _same_order(entry["order"], out["signed"][name])
    assert out["firstDatasetOrder"]["bulk"] is True
    assert out["firstDatasetOrder"]["remaining"] == BULK_VOLUME
    assert "bulk" not in out["firstAppOrder"]

    # Lookups by hash: `ok` stripped by the SDK, the same fields as a list item.
    for name, signer in (
        ("A1", a["developer"]),
        ("D1", a["developer"]),
        ("W1", a["scheduler"]),
        ("R1", a["requester"]),
    ):
        found = out["lookups"][f"{name} published"]
        assert found["orderHash"] == h[name]
        _published_shape(found, chain_id=chain_id, signer=signer)
        assert found["status"] == "open"
        assert found["remaining"] == int(out["signed"][name]["volume"])
        _same_order(found["order"], out["signed"][name])

    # Refusals reach the SDK as the spec's messages.
    errors = {label: e.get("message") for label, e in out["errors"].items()}
    assert errors == {
        "lookup unknown apporder": "API error: apporder not found",
        "publish A1 twice": "API error: order already published",
        "request appmaxprice too low": (
            f"API error: appmaxprice for app {a['app']} is too low, actual best price is 2 nRLC"
        ),
        "unpublish A1 by requester2": (
            f"API error: only order signer {a['developer']} can unpublish an order"
        ),
        "lookup unpublished U1": "API error: apporder not found",
        "unpublish U1 again": f"API error: apporder with orderHash {h['U1']} is not published",
        "unpublish all requests again": (
            f"API error: no open requestorder published by signer {a['requester']} "
            f"for requester {a['requester']}"
        ),
    }

    # Matches: the API's remaining and status follow the chain (volume - viewConsumed).
    first, second = out["matches"]
    assert (first["volume"], second["volume"]) == ("1", "1")
    consumed = {
        name: chain.view(chain.hub, "viewConsumed", bytes.fromhex(h[name][2:])) for name in h
    }
    assert {n: consumed[n] for n in ("A1", "D2", "W1", "W2", "R1", "R3")} == {
        "A1": 2, "D2": 1, "W1": 1, "W2": 1, "R1": 1, "R3": 1,
    }  # fmt: skip
    assert sum(consumed.values()) == 7  # nothing else was consumed
    expected_after = {
        "A1 after match 1": (2, "open"),
        "W1 after match 1": (2, "open"),
        "R1 after match 1": (0, "filled"),
        "A1 after match 2": (1, "open"),
        "D2 after match 2": (9, "open"),
        "W2 after match 2": (0, "filled"),
        "R3 after match 2": (0, "filled"),
    }
    for label, (remaining, status) in expected_after.items():
        found = out["lookups"][label]
        assert (found["remaining"], found["status"]) == (remaining, status), label
    # dealid = keccak(requestHash ‖ consumed volume before the match).
    assert first["dealid"] == "0x" + keccak(bytes.fromhex(h["R1"][2:]) + bytes(32)).hex()
    assert second["dealid"] == "0x" + keccak(bytes.fromhex(h["R3"][2:]) + bytes(32)).hex()

    # Deals: listed by requester and by each order hash, and equal to the chain's viewDeal.
    deal_lists = {label: [d["dealid"] for d in got["deals"]] for label, got in out["deals"].items()}
    d1, d2 = first["dealid"], second["dealid"]
    assert deal_lists == {
        "requester": [d2, d1],
        "requester app": [d2, d1],
        "requester dataset": [d2],
        "requester workerpool": [d2, d1],
        "requester2": [],
        "apporder A1": [d2, d1],
        "datasetorder D2": [d2],
        "workerpoolorder W1": [d1],
        "workerpoolorder W2": [d2],
        "requestorder R1": [d1],
        "requestorder R3": [d2],
    }
    for label, got in out["deals"].items():
        assert got["count"] == len(deal_lists[label]), label
    deals = {d["dealid"]: d for got in out["deals"].values() for d in got["deals"]}
    for match, orders in ((first, ("A1", None, "W1", "R1")), (second, ("A1", "D2", "W2", "R3"))):
        deal = deals[match["dealid"]]
        on_chain = chain.view(chain.hub, "viewDeal", bytes.fromhex(match["dealid"][2:]))
        receipt = chain.w3.eth.get_transaction_receipt(match["txHash"])
        app_order, dataset_order, pool_order, request_order = orders
        signed_request = out["signed"][request_order]
        assert deal["chainId"] == chain_id
        assert deal["transactionHash"] == match["txHash"]
        assert deal["blockNumber"] == receipt["blockNumber"]
        assert ISO_MS.match(deal["blockTimestamp"])
        assert (deal["appHash"], deal["workerpoolHash"], deal["requestHash"]) == (
            h[app_order],
            h[pool_order],
            h[request_order],
        )
        assert deal["datasetHash"] == (h[dataset_order] if dataset_order else ZERO_BYTES32)
        assert deal["app"] == {
            "pointer": a["app"], "owner": a["developer"], "price": on_chain.app.price,
        }  # fmt: skip
        assert deal["dataset"] == {
            "pointer": a["dataset"] if dataset_order else ZERO_ADDRESS,
            "owner": a["developer"] if dataset_order else ZERO_ADDRESS,
            "price": on_chain.dataset.price,
        }
        assert deal["workerpool"] == {
            "pointer": a["workerpool"], "owner": a["scheduler"], "price": on_chain.workerpool.price,
        }  # fmt: skip
        assert (deal["app"]["price"], deal["workerpool"]["price"]) == (
            2,
            3 if match is first else 2,
        )
        assert deal["requester"] == on_chain.requester == a["requester"]
        assert deal["beneficiary"] == on_chain.beneficiary
        assert deal["callback"] == on_chain.callback
        assert deal["params"] == on_chain.params == signed_request["params"]
        assert deal["tag"] == "0x" + on_chain.tag.hex()
        assert int(deal["tag"], 16) == 0x9  # the SDK's TEE + TDX bits
        for field, value in (
            ("category", on_chain.category),
            ("trust", on_chain.trust),
            ("volume", on_chain.botSize),
            ("startTime", on_chain.startTime),
            ("botFirst", on_chain.botFirst),
            ("botSize", on_chain.botSize),
            ("workerStake", on_chain.workerStake),
            ("schedulerRewardRatio", on_chain.schedulerRewardRatio),
        ):
            assert deal[field] == value, field
        # The SDK reads the same deal from the chain.
        sdk_deal = out["dealsOnChain"][match["dealid"]]
        assert sdk_deal["requester"] == deal["requester"]
        assert int(sdk_deal["botSize"]) == deal["volume"]

    # Unpublication by hash, last and all (the unpublished orders are gone, as the reference).
    unpublished = {label: sorted(names) for label, names in out["unpublished"].items()}
    assert unpublished == {
        "app by hash U1": ["U1"],
        "app last": ["U3"],
        "dataset by hash D3": ["D3"],
        "dataset last": ["D4"],
        "dataset all": ["D1", "D2"],
        "workerpool by hash W3": ["W3"],
        "workerpool last": ["W6"],
        "workerpool all": ["W1", "W4", "W5"],
        "request by hash R5": ["R5"],
        "request last": ["R4"],
        "request all": ["R2"],
        "app all": ["A1", "A2", "A3", "A4", "A5", "U2"],
    }
    assert out["lookups"]["R7 after app orders unpublished"]["status"] == "dead"
    finals = out["lookups"]
    for name, kind in (("A1", "apporder"), ("D2", "datasetorder"), ("W1", "workerpoolorder")):
        assert finals[f"{name} final"] == {"error": f"API error: {kind} not found"}
    for name in ("W2", "R1", "R3"):
        assert (finals[f"{name} final"]["status"], finals[f"{name} final"]["remaining"]) == (
            "filled",
            0,
        )

    # The API itself agrees: nothing of the SDK's actors is open any more; deals by owner.
    query = f"chainId={chain_id}"
    metrics = _get_json(f"{gateway}/metrics?{query}")
    assert metrics["lastBlock"] >= receipt["blockNumber"]
    by_owner = _get_json(f"{gateway}/deals?{query}&workerpoolOwner={a['scheduler']}")
    assert by_owner["count"] == 2 and [d["dealid"] for d in by_owner["deals"]] == [d2, d1]
    assert _get_json(f"{gateway}/deals/{d1}?{query}")["dealid"] == d1
    print(f"SDK flow: {flow_seconds:.1f}s, indexer lag after matches: "
          f"{first['waitedMs']} ms, {second['waitedMs']} ms")  # fmt: skip
