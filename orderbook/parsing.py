"""Validates and normalises orders as clients send them (JSON, SDK-style decimal strings).

A normalised order has checksummed addresses, ints for uint256 fields, lower-case 0x hex for
bytes32 and the signature, and `params` exactly as received (it is hashed as sent).
"""

import re
from collections.abc import Callable
from typing import Any

from marketplace.chain.orders import FIELDS
from marketplace.chain.parse import InputInvalid, address_parse, bytes32_parse, uint_parse

SIGNATURE = re.compile(r"0x(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})")
MAX_PARAMS = 65536


def _string(name: str, value) -> str:
    if not isinstance(value, str):
        raise InputInvalid(f"{name} must be a `string` type")
    if len(value) > MAX_PARAMS:
        raise InputInvalid(f"{name} must be at most {MAX_PARAMS} characters")
    # The string is hashed as UTF-8 and stored: a lone surrogate (JSON's "\ud800") has no
    # UTF-8 form, and PostgreSQL stores no NUL character.
    if "\x00" in value or not _utf8(value):
        raise InputInvalid(f"{name} must be a valid unicode string without NUL characters")
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
    """The normalised signed order, or InputInvalid naming the first bad field."""
    if not isinstance(data, dict):
        raise InputInvalid("order must be a `object` type")
    order: dict[str, Any] = {}
    for field, type_ in FIELDS[kind]:
        name = f"order.{field}"
        if data.get(field) is None:
            raise InputInvalid(f"{name} is a required field")
        if field == "volume":
            order[field] = uint_parse(name, data[field], minimum=1)
        else:
            order[field] = PARSERS[type_](name, data[field])
    sign = data.get("sign")
    if sign is None:
        raise InputInvalid("order.sign is a required field")
    if not isinstance(sign, str) or not SIGNATURE.fullmatch(sign):
        raise InputInvalid("order.sign must be a valid signature")
    order["sign"] = sign.lower()
    return order
