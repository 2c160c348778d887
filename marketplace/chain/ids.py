"""PoCo's derived identifiers: a task is keccak256(dealid ‖ index)."""

from eth_utils import keccak


def taskid_of(dealid: bytes, idx: int) -> bytes:
    return keccak(dealid + idx.to_bytes(32, "big"))
