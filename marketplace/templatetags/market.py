"""Template filters for on-chain values: nRLC amounts, addresses and hashes, tags, unix times."""

from datetime import UTC, datetime
from decimal import Decimal

from django import template

from marketplace.chain.protocol import TAG_BITS, tag_value

register = template.Library()
NRLC_PER_RLC = Decimal(10**9)


@register.filter
def rlc(nrlc) -> str:
    """nRLC as RLC with no trailing zeros: 250000000 → 0.25."""
    if nrlc in (None, ""):
        return ""
    value = Decimal(int(nrlc)) / NRLC_PER_RLC
    text = f"{value:,.9f}".rstrip("0").rstrip(".")
    return text or "0"


@register.filter
def short(value) -> str:
    """0x1234…abcd for addresses and hashes; the full value stays in the title attribute."""
    text = str(value or "")
    return f"{text[:6]}…{text[-4:]}" if len(text) > 14 else text


@register.filter
def tag_names(tag) -> list[str]:
    """Names of the bits a bytes32 tag sets (tee, scone, gramine, tdx, gpu), others as bit N."""
    bits = int(str(tag or "0x0"), 16)
    names = [name for name, bit in TAG_BITS.items() if bits >> bit & 1]
    known = tag_value(TAG_BITS)
    names += [f"bit {n}" for n in range(256) if (bits & ~known) >> n & 1]
    return names


@register.filter
def unix(value):
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


@register.filter
def is_zero_address(value) -> bool:
    return not value or int(str(value), 16) == 0


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def bytes_text(value) -> str:
    """On-chain bytes as text when they are printable UTF-8 (a docker image, an enclave's
    JSON), else as hex."""
    text = str(value or "")
    if not text.startswith("0x"):
        return text
    try:
        decoded = bytes.fromhex(text[2:]).decode()
    except (ValueError, UnicodeDecodeError):
        return text
    return decoded if decoded.isprintable() else text
