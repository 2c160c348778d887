"""The indexer's one-word fast path decodes event data exactly as eth_abi + to_python do."""

import random

from eth_abi import decode, encode

from marketplace.chain.abi_codec import to_python
from marketplace.indexer.events import _BY_EMITTER


def _value(kind: str, rng: random.Random):
    if kind.startswith("uint"):
        return rng.getrandbits(int(kind[4:] or 256))
    if kind == "address":
        return "0x" + rng.randbytes(20).hex()
    if kind == "bool":
        return rng.random() < 0.5
    return rng.randbytes(32)


def test_word_events_decode_as_eth_abi_does():
    rng = random.Random(7)
    checked = 0
    for specs in _BY_EMITTER.values():
        for spec in specs.values():
            if not spec.unindexed or spec.word_readers is None:
                continue
            for _ in range(20):
                data = (
                    "0x" + encode(spec.data_types, [_value(t, rng) for t in spec.data_types]).hex()
                )
                expected = {
                    p["name"]: to_python(p, v)
                    for p, v in zip(
                        spec.unindexed,
                        decode(spec.data_types, bytes.fromhex(data[2:])),
                        strict=True,
                    )
                }
                topics = ["0x" + "00" * 32] * (len(spec.indexed) + 1)
                got = spec.decode(topics, data)
                assert {k: got[k] for k in expected} == expected
            checked += 1
    assert checked >= 20  # most PoCo events take the fast path
