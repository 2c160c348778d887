"""Client input to protocol values, one rule each: addresses, bytes32 ids, amounts, tags, the
names of kinds, and JSON text.

Every family of views calls these and adapts the one error they raise, InputInvalid (a 400):
the pages answer 404 for an id in the path (marketplace.web.validators), the read API its DRF
shapes (marketplace.api.serializers), the market API and the wallet calls {"ok": false, …}.

The rule for hex ids: `0x` optional, letters in any case — the reference market API accepts
addresses without `0x` (ethers' getAddress), so ours must, and the same id then opens the same
way everywhere. An address that mixes cases carries an EIP-55 checksum, and a wrong one is a
typo caught: it is refused, where the reference would lower-case it away.
"""

import json
import re
from decimal import Decimal, InvalidOperation

from eth_utils import to_checksum_address

from marketplace.refusal import Refusal

# The reference server stores numbers as JavaScript numbers: it cannot represent more, so
# neither do we accept more, with a clear 400 rather than a silent rounding.
MAX_SAFE_INTEGER = 2**53 - 1
NRLC_PER_RLC = 10**9
# RLC's whole supply: no price or amount can be above it.
MAX_RLC = 87_000_000
# The id rule as patterns, for URL routes and API schemas to take what the parsers take.
ADDRESS_PATTERN = r"(?:0[xX])?[0-9a-fA-F]{40}"
BYTES32_PATTERN = r"(?:0[xX])?[0-9a-fA-F]{64}"
# Matched with fullmatch: `$` would also let a trailing newline through.
ADDRESS = re.compile(ADDRESS_PATTERN)
BYTES32 = re.compile(BYTES32_PATTERN)
# uint256 has 78 digits; a longer string is refused before Python turns it into an int.
DECIMAL = re.compile(r"[0-9]{1,78}")
MAX_TAG_NAMES = 16


class InputInvalid(Refusal):
    """A value a client sent is not what its field holds (a 400); the message names the field."""


def address_parse(name: str, value) -> str:
    """An address, EIP-55 checksummed as the index stores it."""
    if not isinstance(value, str) or not ADDRESS.fullmatch(value):
        raise InputInvalid(f"{name} is not a valid ethereum address")
    digits = value[-40:]
    address = to_checksum_address("0x" + digits.lower())
    if digits not in (digits.lower(), digits.upper()) and digits != address[2:]:
        raise InputInvalid(
            f"{name} is not a valid ethereum address: its mixed-case letters fail the EIP-55 "
            "checksum (send it checksummed or in one case)"
        )
    return address


def bytes32_parse(name: str, value) -> str:
    """A bytes32 id (deal, task, order hash, tag), lower-case with `0x` as the index stores it."""
    if not isinstance(value, str) or not BYTES32.fullmatch(value):
        raise InputInvalid(f"{name} must be a bytes32 hexstring")
    return "0x" + value[-64:].lower()


def uint_parse(name: str, value, *, minimum: int = 0, maximum: int = MAX_SAFE_INTEGER) -> int:
    """An integer sent as a decimal string or a JSON number, within [minimum, maximum]."""
    decimal = isinstance(value, str) and DECIMAL.fullmatch(value)
    if decimal or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    elif isinstance(value, float):
        raise InputInvalid(f"{name} must be an integer")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputInvalid(f"{name} must be a `number` type, but the final value was: `NaN`")
    if value < minimum:
        raise InputInvalid(f"{name} must be greater than or equal to {minimum}")
    if value > maximum:
        raise InputInvalid(f"{name} must be less than or equal to {maximum}")
    return value


def rlc_parse(name: str, value) -> int:
    """An amount typed in RLC (a decimal string or a JSON number) as integer nRLC."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InputInvalid(f"{name} must be an amount in RLC")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise InputInvalid(f"{name} must be an amount in RLC") from None
    # Bounded before any arithmetic: 1e999999999 is a valid Decimal.
    if not amount.is_finite() or amount < 0 or amount > MAX_RLC:
        raise InputInvalid(f"{name} must be an amount between 0 and {MAX_RLC} RLC")
    nrlc = amount * NRLC_PER_RLC
    if nrlc != nrlc.to_integral_value():
        raise InputInvalid(f"{name} must have at most 9 decimals (1 nRLC)")
    return int(nrlc)


def tag_parse(name: str, value) -> str:
    """A list of tag names (tee, gpu…) as the bytes32 tag of an order."""
    # Imported here: the vocabulary loads the contracts' ABIs, and settings parse an address
    # with this module before anything needs them.
    from marketplace.chain.protocol import TAG_BITS, tag_hex, tag_value

    names = value if isinstance(value, list) and len(value) <= MAX_TAG_NAMES else None
    if names is None or any(not isinstance(n, str) or n not in TAG_BITS for n in names):
        raise InputInvalid(f"{name} must be a list of {', '.join(TAG_BITS)}")
    return tag_hex(tag_value(names))


def choice_parse(name: str, value, *, choices) -> str:
    """One of a fixed set of names (an order kind, an asset kind)."""
    if not isinstance(value, str) or value not in choices:
        raise InputInvalid(f"{name} must be one of {', '.join(sorted(choices))}")
    return value


def json_parse(name: str, text: str | bytes):
    """JSON text from a client or a chain; nesting deeper than the decoder recurses is malformed
    JSON too, not a RecursionError."""
    try:
        return json.loads(text)
    except ValueError:  # UnicodeDecodeError included
        raise InputInvalid(f"{name} is not valid JSON") from None
    except RecursionError:
        raise InputInvalid(f"{name} is nested too deeply") from None
