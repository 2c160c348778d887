"""Normalising ids from URLs: EIP-55 addresses and lower-case bytes32, or a 404."""

import re

from django.http import Http404
from eth_utils import is_address, to_checksum_address

BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}$")


def address_or_404(value: str) -> str:
    if not is_address(value):
        raise Http404(f"{value} is not an address")
    return to_checksum_address(value)


def bytes32_or_404(value: str) -> str:
    if not BYTES32.match(value):
        raise Http404(f"{value} is not a 32-byte id")
    return value.lower()
