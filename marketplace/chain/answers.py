"""The decode boundary: what a node answers, checked as it is decoded.

Every value read out of a JSON-RPC result goes through these (or through an ABI decoder that
raises MalformedAnswer), so an answer of the wrong shape (a number that is not hex, a block
without its hash, a view answering no data at a block the node says it has) raises
MalformedAnswer, which callers may retry like a node error; any other exception is a bug.
"""

import re

HEX = re.compile(r"0x[0-9a-fA-F]*")


class MalformedAnswer(Exception):
    """The node answered, but not with a decodable answer to the request."""


def quantity(value) -> int:
    """A JSON-RPC QUANTITY (a block number, a timestamp, a log index)."""
    if not isinstance(value, str) or not HEX.fullmatch(value) or len(value) < 3:
        raise MalformedAnswer(f"not a hex quantity: {value!r:.80}")
    return int(value, 16)


def hex_data(value) -> bytes:
    if not isinstance(value, str) or not HEX.fullmatch(value) or len(value) % 2:
        raise MalformedAnswer(f"not hex data: {value!r:.80}")
    return bytes.fromhex(value[2:])


def hex_text(value, *, size: int | None = None) -> str:
    """0x-prefixed hex kept as text (hashes, addresses, log data), `size` bytes if given."""
    hex_data(value)
    if size is not None and len(value) != 2 + 2 * size:
        raise MalformedAnswer(f"not {size} bytes of hex: {value!r:.80}")
    return value


def fields(value, *names: str) -> dict:
    """An object of the answer that must have `names`."""
    if not isinstance(value, dict) or any(name not in value for name in names):
        raise MalformedAnswer(f"not an object with {', '.join(names)}: {value!r:.80}")
    return value


def items(value) -> list:
    if not isinstance(value, list):
        raise MalformedAnswer(f"not a list: {value!r:.80}")
    return value
