"""Validates and normalises orders as clients send them (JSON, SDK-style decimal strings).

A normalised order has checksummed addresses, ints for uint256 fields, lower-case 0x hex for
bytes32 and the signature, and `params` exactly as received (it is hashed as sent).
"""

import re
from collections.abc import Callable
from typing import Any

from eth_utils import to_checksum_address

from marketplace.chain.orders import FIELDS

# The reference server stores numbers as JavaScript numbers: it cannot represent more, so
# neither do we accept more, with a clear 400 rather than a silent rounding.
MAX_SAFE_INTEGER = 2**53 - 1
# Matched with fullmatch: `$` would also let a trailing newline through.
ADDRESS_ANY = re.compile(r"(0x)?[0-9a-fA-F]{40}")
BYTES32 = re.compile(r"0x[0-9a-fA-F]{64}")
SIGNATURE = re.compile(r"0x(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})")
DECIMAL = re.compile(r"[0-9]{1,16}")
MAX_PARAMS = 65536


class OrderInvalid(ValueError):
    """A 400: the message names the field, as the reference server's validator words it."""


def address_parse(name: str, value) -> str:
    if isinstance(value, str) and ADDRESS_ANY.fullmatch(value):
        return to_checksum_address(value if value.startswith("0x") else "0x" + value)
    raise OrderInvalid(f"{name} is not a valid ethereum address")


def uint_parse(name: str, value, *, minimum: int = 0) -> int:
    decimal = isinstance(value, str) and DECIMAL.fullmatch(value)
    if decimal or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    elif isinstance(value, float):
        raise OrderInvalid(f"{name} must be an integer")
    if isinstance(value, bool) or not isinstance(value, int):
        raise OrderInvalid(f"{name} must be a `number` type, but the final value was: `NaN`")
    if value < minimum:
        raise OrderInvalid(f"{name} must be greater than or equal to {minimum}")
    if value > MAX_SAFE_INTEGER:
        raise OrderInvalid(f"{name} must be less than or equal to {MAX_SAFE_INTEGER}")
    return value


def bytes32_parse(name: str, value) -> str:
    if not isinstance(value, str) or not BYTES32.fullmatch(value):
        raise OrderInvalid(f"{name} must be a bytes32 hexstring")
    return value.lower()


def _string(name: str, value) -> str:
    if not isinstance(value, str):
        raise OrderInvalid(f"{name} must be a `string` type")
    if len(value) > MAX_PARAMS:
        raise OrderInvalid(f"{name} must be at most {MAX_PARAMS} characters")
    # The string is hashed as UTF-8 and stored: a lone surrogate (JSON's "\ud800") has no
    # UTF-8 form, and PostgreSQL stores no NUL character.
    if "\x00" in value or not _utf8(value):
        raise OrderInvalid(f"{name} must be a valid unicode string without NUL characters")
    return value


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "address": address_parse,
    "uint256": uint_parse,
    "bytes32": bytes32_parse,
    "string": _string,
}


def order_parse(*, kind: str, data) -> dict:
    """The normalised signed order, or OrderInvalid naming the first bad field."""
    if not isinstance(data, dict):
        raise OrderInvalid("order must be a `object` type")
    order: dict[str, Any] = {}
    for field, type_ in FIELDS[kind]:
        name = f"order.{field}"
        if data.get(field) is None:
            raise OrderInvalid(f"{name} is a required field")
        if field == "volume":
            order[field] = uint_parse(name, data[field], minimum=1)
        else:
            order[field] = PARSERS[type_](name, data[field])
    sign = data.get("sign")
    if sign is None:
        raise OrderInvalid("order.sign is a required field")
    if not isinstance(sign, str) or not SIGNATURE.fullmatch(sign):
        raise OrderInvalid("order.sign must be a valid signature")
    order["sign"] = sign.lower()
    return order
