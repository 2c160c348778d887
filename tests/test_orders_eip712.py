"""The orders' EIP-712 core against eth_account's reference encoder and against the hub itself."""

import time

import pytest
from eth_abi import decode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from web3 import Web3

from marketplace.chain.anvil import Anvil
from marketplace.chain.deploy import deploy_poco
from marketplace.chain.orders import (
    domain_separator,
    order_as_tuple,
    order_hash,
    order_sign,
    order_signer,
    order_typed_data,
    signable_hash,
)
from marketplace.chain.protocol import CLOSE, NO_TAG, ORDER_KINDS, TEE_TAG, tag_hex, tag_value
from marketplace.chain.protocol import ZERO_ADDRESS as ZERO
from marketplace.chain.reader import Reader
from marketplace.chain.rpc import RpcClient
from marketplace.simulation.actors import dealid_of
from marketplace.simulation.market import Market

DOMAIN = {
    "name": "iExecODB",
    "version": "5.0.0",
    "chainId": 31337,
    "verifyingContract": "0x5fc8d32690cc91d4c39d9d3abcbd16989f875707",
}
KEY = keccak(b"poco-market test signer")
ORDERS_MATCHED = (
    "0x" + keccak(text="OrdersMatched(bytes32,bytes32,bytes32,bytes32,bytes32,uint256)").hex()
)


def _sample(kind: str, n: int = 1) -> dict:
    """An order of `kind` with every field non-trivial: mixed-case addresses, uint256 as the SDK
    sends them (decimal strings) and as ints, a tag with TEE/TDX bits, unicode params."""
    address = Account.from_key(keccak(n.to_bytes(32, "big"))).address
    common = {
        "volume": str(10**18 + n),
        "tag": tag_hex(tag_value(["tee", "tdx"])),
        "salt": "0x" + keccak(b"salt" + n.to_bytes(32, "big")).hex(),
    }
    return {
        "apporder": {
            "app": address,
            "appprice": 5 * 10**9,
            "datasetrestrict": ZERO,
            "workerpoolrestrict": address.lower(),
            "requesterrestrict": ZERO,
        },
        "datasetorder": {
            "dataset": address.lower(),
            "datasetprice": "0",
            "apprestrict": address,
            "workerpoolrestrict": ZERO,
            "requesterrestrict": ZERO,
        },
        "workerpoolorder": {
            "workerpool": address,
            "workerpoolprice": "1000000000",
            "category": 4,
            "trust": "3",
            "apprestrict": ZERO,
            "datasetrestrict": ZERO,
            "requesterrestrict": address,
        },
        "requestorder": {
            "app": address,
            "appmaxprice": 2**256 - 1,
            "dataset": ZERO,
            "datasetmaxprice": 0,
            "workerpool": ZERO,
            "workerpoolmaxprice": "42",
            "requester": address,
            "category": 0,
            "trust": 1,
            "beneficiary": address,
            "callback": ZERO,
            "params": '{"iexec_args":"--name Zoë ✓","iexec_input_files":[]}',
        },
    }[kind] | common


def _reference_hash(kind: str, order: dict, domain: dict) -> str:
    message = encode_typed_data(
        full_message=order_typed_data(kind=kind, order=order, domain=domain)
    )
    return signable_hash(signable=message)


@pytest.mark.parametrize("kind", ORDER_KINDS)
def test_order_hash_equals_eth_account(kind):
    for n in range(3):
        order = _sample(kind, n)
        assert order_hash(kind=kind, order=order, domain=DOMAIN) == _reference_hash(
            kind, order, DOMAIN
        )


@pytest.mark.parametrize("kind", ORDER_KINDS)
def test_sign_matches_eth_account_and_recovers(kind):
    order = _sample(kind)
    sign = order_sign(kind=kind, order=order, domain=DOMAIN, private_key=KEY)
    typed = order_typed_data(kind=kind, order=order, domain=DOMAIN)
    reference = Account.sign_typed_data(KEY, full_message=typed).signature
    assert sign == "0x" + bytes(reference).hex()
    assert len(bytes.fromhex(sign[2:])) == 65 and sign[-2:] in ("1b", "1c")
    signer = Account.from_key(KEY).address
    assert order_signer(kind=kind, order=order, domain=DOMAIN, sign=sign) == signer


def test_signer_of_eip2098_short_signature():
    order = _sample("apporder")
    sign = bytes.fromhex(
        order_sign(kind="apporder", order=order, domain=DOMAIN, private_key=KEY)[2:]
    )
    r, s, v = sign[:32], int.from_bytes(sign[32:64], "big"), sign[64]
    short = r + ((v - 27) << 255 | s).to_bytes(32, "big")
    signer = order_signer(kind="apporder", order=order, domain=DOMAIN, sign=short)
    assert signer == Account.from_key(KEY).address


def test_hash_ignores_sign_and_depends_on_every_field():
    order = _sample("requestorder")
    digest = order_hash(kind="requestorder", order=order, domain=DOMAIN)
    assert order_hash(kind="requestorder", order={**order, "sign": "0x12"}, domain=DOMAIN) == digest
    for field, value in order.items():
        changed = "x" if field == "params" else (value ^ 1 if isinstance(value, int) else None)
        if changed is not None:
            other = order_hash(kind="requestorder", order={**order, field: changed}, domain=DOMAIN)
            assert other != digest, field
    other_chain = {**DOMAIN, "chainId": 42161}
    assert order_hash(kind="requestorder", order=order, domain=other_chain) != digest


@pytest.mark.parametrize("bad", ["1_000", " 7", "7 ", "0x", "-1", 1.5, True, 2**256, "\uff11"])
def test_malformed_uint_is_refused(bad):
    order = {**_sample("apporder"), "appprice": bad}
    with pytest.raises(ValueError):
        order_hash(kind="apporder", order=order, domain=DOMAIN)


def test_unknown_kind_and_bad_bytes_are_refused():
    with pytest.raises(ValueError):
        order_hash(kind="orderorder", order={}, domain=DOMAIN)
    with pytest.raises(ValueError):
        order_hash(kind="apporder", order={**_sample("apporder"), "tag": "0x01"}, domain=DOMAIN)
    with pytest.raises(ValueError):
        order_hash(kind="apporder", order={**_sample("apporder"), "app": "0x1234"}, domain=DOMAIN)


def test_as_tuple_is_struct_fields_then_sign():
    order = {**_sample("workerpoolorder"), "sign": "0xabcd"}
    values = order_as_tuple(kind="workerpoolorder", order=order)
    assert values[1:3] == (10**9, 10**18 + 1)
    assert values[-1] == b"\xab\xcd"
    assert len(values) == 11
    assert order_as_tuple(kind="apporder", order=_sample("apporder"))[-1] == b""


# --- against the hub ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain():
    """A fresh chain with PoCo and the simulated market's actors (funded, assets registered)."""
    with Anvil() as anvil:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        deployment = deploy_poco(w3, owner=w3.eth.accounts[0]).as_dict()
        market = Market(rpc_url=anvil.url, deployment=deployment)
        market.setup()
        yield market


def test_domain_is_read_from_the_hub(chain):
    hub = chain.chain.hub.address
    expected = {"name": "iExecODB", "version": "5.0.0", "chainId": 31337, "verifyingContract": hub}
    assert chain.chain.domain == expected
    rpc = RpcClient(chain.chain.w3.provider.endpoint_uri)
    assert Reader(rpc, hub.lower()).domain() == expected
    on_chain = chain.chain.view(chain.chain.hub, "eip712domain_separator")
    assert domain_separator(expected) == bytes(on_chain)


def _signed_orders(market: Market) -> tuple[dict, dict]:
    """Four orders built by hand (not with the actors' helpers) signed with order_sign, and
    their signers."""
    pool = market.pools["alpha"]
    developer, provider, requester = market.developers[0], market.provider, market.requesters[0]
    salt = iter("0x" + keccak(b"test-orders" + bytes([i])).hex() for i in range(4))
    orders = {
        "apporder": {
            "app": market.apps["docker"], "appprice": 3 * 10**8, "volume": 10, "tag": NO_TAG,
            "datasetrestrict": ZERO, "workerpoolrestrict": ZERO, "requesterrestrict": ZERO,
            "salt": next(salt),
        },
        "datasetorder": {
            "dataset": market.dataset, "datasetprice": "100000000", "volume": "5",
            "tag": NO_TAG, "apprestrict": market.apps["docker"].lower(),
            "workerpoolrestrict": ZERO, "requesterrestrict": ZERO, "salt": next(salt),
        },
        "workerpoolorder": {
            "workerpool": pool.address, "workerpoolprice": 10**9, "volume": 7,
            "tag": TEE_TAG, "category": 1, "trust": 1, "apprestrict": ZERO,
            "datasetrestrict": ZERO, "requesterrestrict": requester.address, "salt": next(salt),
        },
        "requestorder": {
            "app": market.apps["docker"], "appmaxprice": "300000000", "dataset": market.dataset,
            "datasetmaxprice": 10**8, "workerpool": ZERO, "workerpoolmaxprice": 2 * 10**9,
            "requester": requester.address, "volume": 3, "tag": NO_TAG, "category": 1,
            "trust": 1, "beneficiary": requester.address, "callback": ZERO,
            "params": '{"iexec_args":"ünïcode ✓"}', "salt": next(salt),
        },
    }  # fmt: skip
    signers = {
        "apporder": developer,
        "datasetorder": provider,
        "workerpoolorder": pool.scheduler,
        "requestorder": requester,
    }
    for kind, order in orders.items():
        key = signers[kind].key
        order["sign"] = order_sign(
            kind=kind, order=order, domain=market.chain.domain, private_key=key
        )
    return orders, signers


def test_hub_accepts_signed_orders_and_keys_them_by_order_hash(chain):
    orders, signers = _signed_orders(chain)
    hub, domain = chain.chain.hub, chain.chain.domain
    hashes = {
        kind: order_hash(kind=kind, order=order, domain=domain) for kind, order in orders.items()
    }
    for kind, order in orders.items():
        digest = bytes.fromhex(hashes[kind][2:])
        sign = bytes.fromhex(order["sign"][2:])
        assert chain.chain.view(hub, "verifySignature", signers[kind].address, digest, sign), kind
    args = [order_as_tuple(kind=kind, order=orders[kind]) for kind in ORDER_KINDS]
    receipt = chain.chain.send(signers["requestorder"].address, hub, "matchOrders", *args)
    dealid = dealid_of(receipt)
    (log,) = [log for log in receipt["logs"] if log["topics"][0] == ORDERS_MATCHED]
    *ids, volume = decode(["bytes32"] * 5 + ["uint256"], bytes.fromhex(log["data"][2:]))
    assert ids[0] == dealid and volume == 3
    assert ["0x" + h.hex() for h in ids[1:]] == [hashes[kind] for kind in ORDER_KINDS]
    for kind in ORDER_KINDS:
        assert chain.chain.view(hub, "viewConsumed", bytes.fromhex(hashes[kind][2:])) == 3, kind


def test_close_marks_the_order_consumed_under_its_hash(chain):
    orders, signers = _signed_orders(chain)
    app_order = {**orders["apporder"], "salt": "0x" + keccak(b"closed").hex(), "volume": "12"}
    digest = order_hash(kind="apporder", order=app_order, domain=chain.chain.domain)
    signers["apporder"].manage("apporder", app_order, CLOSE)
    assert chain.chain.view(chain.chain.hub, "viewConsumed", bytes.fromhex(digest[2:])) == 12


def test_eip712_hash_is_fast():
    """The orderbook hashes every published order: the fast path must beat eth_account's."""
    order = _sample("requestorder")
    started = time.perf_counter()
    for _ in range(500):
        order_hash(kind="requestorder", order=order, domain=DOMAIN)
    fast = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):
        _reference_hash("requestorder", order, DOMAIN)
    reference = (time.perf_counter() - started) * 5
    assert fast * 2 < reference
