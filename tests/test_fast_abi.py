"""marketplace.chain.fast_abi reads every view result as eth_abi + to_python do."""

import random

import pytest
from eth_abi import decode, encode

from marketplace.chain.abi_codec import abi_type, functions, to_python
from marketplace.chain.artifacts import abi
from marketplace.chain.protocol import HUB

CONTRACTS = ("IexecInterfaceToken", "AppRegistry", "App", "Dataset", "Workerpool")


def _value(param: dict, rng: random.Random):
    kind = param["type"]
    if kind.endswith("[]"):
        element = {**param, "type": kind[:-2]}
        return [_value(element, rng) for _ in range(rng.randrange(4))]
    if kind == "tuple":
        return tuple(_value(c, rng) for c in param["components"])
    if kind.startswith("uint"):
        return rng.getrandbits(int(kind[4:] or 256))
    if kind == "address":
        return "0x" + rng.randbytes(20).hex()
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "bytes32":
        return rng.randbytes(32)
    if kind == "bytes":
        return rng.randbytes(rng.randrange(70))
    return "".join(rng.choice('abcé€ {}:"0') for _ in range(rng.randrange(40)))


def _fast_functions():
    for contract in CONTRACTS:
        for name, function in functions(abi(contract)).items():
            if function.outputs and function._fast_decode is not None:
                yield pytest.param(function, id=f"{contract}.{name}")


@pytest.mark.parametrize("function", list(_fast_functions()))
def test_fast_decoder_matches_eth_abi(function):
    rng = random.Random(function.name)
    types = [abi_type(p) for p in function.outputs]
    for _ in range(10):
        data = encode(types, [_value(p, rng) for p in function.outputs])
        expected = [
            to_python(p, v) for p, v in zip(function.outputs, decode(types, data), strict=True)
        ]
        assert function.decode("0x" + data.hex()) == (
            expected[0] if len(expected) == 1 else expected
        )


def test_views_the_indexer_reads_take_the_fast_path():
    for name in ("viewDeal", "viewTask", "viewContribution", "viewAccount", "viewScore"):
        assert HUB[name]._fast_decode is not None, name


def test_a_name_that_is_not_utf8_reads_with_replacement_characters():
    # Anyone can deploy an app named with any bytes: the index shows it, it does not stall on it.
    name = functions(abi("App"))["m_appName"]
    data = encode(["bytes"], [b"caf\xe9 \xff app"])
    assert name.decode("0x" + data.hex()) == "caf\ufffd \ufffd app"
