"""A fast ABI decoder for the shapes PoCo's views return, giving what to_python gives.

The indexer decodes a view result for every deal, task, contribution and account it touches;
eth_abi's general stream decoder cost more than the node's own work for them. This decoder is
built once per ABI output list and reads the head/tail layout directly: uint, address, bool,
bytes32, bytes, string, dynamic arrays and tuples of those. Any other type (int, fixed, bytesN
below 32, fixed-size arrays) makes `decoder_for` return None and the caller keep eth_abi; a
result it cannot read (short or malformed data) raises ValueError, and the caller then lets
eth_abi decode it, so errors are eth_abi's own.
"""

from collections.abc import Callable
from functools import lru_cache

from eth_utils import to_checksum_address

# Cached: the indexer checksums the same few addresses in every log and view result.
checksum = lru_cache(maxsize=65536)(to_checksum_address)

Reader = Callable[[bytes, int], object]  # (data, position of the value's encoding) -> value


def _word(data: bytes, at: int) -> bytes:
    if at + 32 > len(data):
        raise ValueError("ABI data too short")
    return data[at : at + 32]


def _uint(data: bytes, at: int) -> int:
    return int.from_bytes(_word(data, at), "big")


def _address(data: bytes, at: int) -> str:
    return checksum("0x" + _word(data, at)[12:].hex())


def _bool(data: bytes, at: int) -> bool:
    return _uint(data, at) != 0


def _bytes32(data: bytes, at: int) -> str:
    return "0x" + _word(data, at).hex()


def _raw(data: bytes, at: int) -> bytes:
    length = _uint(data, at)
    if at + 32 + length > len(data):
        raise ValueError("ABI data too short")
    return data[at + 32 : at + 32 + length]


def _bytes(data: bytes, at: int) -> str:
    return "0x" + _raw(data, at).hex()


def _string(data: bytes, at: int) -> str:
    # Solidity does not check that a string is UTF-8: a name anyone may set must not make its
    # app unreadable (the indexer would retry that batch forever).
    return _raw(data, at).decode("utf-8", errors="replace")


STATIC = {"address": _address, "bool": _bool, "bytes32": _bytes32}
DYNAMIC = {"bytes": _bytes, "string": _string}


class _Part:
    """One component of a tuple: how to read it and whether its head is an offset."""

    def __init__(self, read: Reader, dynamic: bool, size: int):
        self.read, self.dynamic, self.size = read, dynamic, size


def _part(param: dict) -> _Part | None:
    kind = param["type"]
    if kind.endswith("[]"):
        element = _part({**param, "type": kind[:-2]})
        return None if element is None else _Part(_array(element), True, 32)
    if kind.endswith("]"):
        return None
    if kind == "tuple":
        parts = _parts(param["components"])
        if parts is None:
            return None
        names = [c["name"] for c in param["components"]]
        read = _tuple(parts, names)
        dynamic = any(p.dynamic for p in parts)
        return _Part(read, dynamic, 32 if dynamic else sum(p.size for p in parts))
    if kind.startswith("uint"):
        return _Part(_uint, False, 32)
    if kind in STATIC:
        return _Part(STATIC[kind], False, 32)
    if kind in DYNAMIC:
        return _Part(DYNAMIC[kind], True, 32)
    return None


def _parts(params: list[dict]) -> list[_Part] | None:
    """The parts of `params`, or None if some type is not one this module reads."""
    parts = []
    for param in params:
        part = _part(param)
        if part is None:
            return None
        parts.append(part)
    return parts


def _heads(parts: list[_Part], data: bytes, start: int) -> list:
    values, at = [], start
    for part in parts:
        values.append(part.read(data, start + _uint(data, at) if part.dynamic else at))
        at += part.size
    return values


def _tuple(parts: list[_Part], names: list[str]) -> Reader:
    return lambda data, at: dict(zip(names, _heads(parts, data, at), strict=True))


def _array(element: _Part) -> Reader:
    def read(data: bytes, at: int) -> list:
        count = _uint(data, at)
        if count * element.size > len(data):
            raise ValueError("ABI array longer than its data")
        return _heads([element] * count, data, at + 32)

    return read


def decoder_for(params: list[dict]) -> Callable[[bytes], list] | None:
    """A decoder of data encoding `params` (a function's outputs), or None if some type is
    not one this module reads."""
    parts = _parts(params)
    if parts is None:
        return None
    return lambda data: _heads(parts, data, 0)
