"""Property tests of the order parser and the EIP-712 core with hypothesis: whatever a client
sends, parsing fails only with InputInvalid (a 400), and what parses hashes, round-trips and
agrees with eth_account's reference encoding."""

import contextlib
from functools import partial

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.chain.orders import (
    FIELDS,
    order_as_tuple,
    order_hash,
    order_sign,
    order_signer,
    order_typed_data,
    signable_hash,
)
from marketplace.chain.parse import (
    MAX_RLC,
    MAX_SAFE_INTEGER,
    InputInvalid,
    address_parse,
    bytes32_parse,
    choice_parse,
    rlc_parse,
    tag_parse,
    uint_parse,
)
from marketplace.chain.protocol import ORDER_KINDS
from marketplace.models import Task
from marketplace.selectors.deals import task_results
from orderbook.parsing import order_parse

DOMAIN = {
    "name": "iExecODB",
    "version": "5.0.0",
    "chainId": 31337,
    "verifyingContract": "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
HEX = "0123456789abcdefABCDEF"


def _hex(length: int):
    return st.text(HEX, min_size=length, max_size=length).map(lambda h: "0x" + h)


def _address():
    """An address as the SDK spells it: lower-case, upper-case digits or EIP-55."""
    spelled = st.sampled_from([str.lower, str.upper, to_checksum_address])
    return st.tuples(_hex(40), spelled).map(lambda t: "0x" + t[1](t[0].lower())[2:])


VALID = {
    "address": _address(),
    "uint256": st.integers(0, MAX_SAFE_INTEGER) | st.integers(0, MAX_SAFE_INTEGER).map(str),
    "bytes32": _hex(64),
    "string": st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
}
SIGN = _hex(130)


def _near(type_: str):
    """Mostly valid values, with every kind of wrong one mixed in."""
    return VALID[type_] | JSON | _hex(41) | VALID[type_].map(lambda v: f"{v}\n")


@st.composite
def orders(draw, *, valid: bool):
    kind = draw(st.sampled_from(ORDER_KINDS))
    values = VALID if valid else {t: _near(t) for t in VALID}
    order = {field: draw(values[type_]) for field, type_ in FIELDS[kind]}
    if not valid:
        for field in draw(
            st.lists(st.sampled_from([f for f, _ in FIELDS[kind]]), max_size=2, unique=True)
        ):
            del order[field]
    order["sign"] = draw(SIGN if valid else SIGN | JSON)
    if order.get("volume") == 0 or order.get("volume") == "0":
        order["volume"] = 1
    return kind, order


def _reference_hash(kind: str, order: dict) -> str:
    signable = encode_typed_data(
        full_message=order_typed_data(kind=kind, order=order, domain=DOMAIN)
    )
    return signable_hash(signable=signable)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(ORDER_KINDS), data=JSON)
def test_anything_at_all_is_refused_with_order_invalid(kind, data):
    with pytest.raises(InputInvalid):
        order_parse(kind=kind, data=data if not isinstance(data, dict) else {**data, "sign": 1})


@settings(max_examples=600, deadline=None)
@given(case=orders(valid=False))
def test_parsing_fails_only_with_order_invalid_and_what_parses_hashes(case):
    kind, data = case
    try:
        parsed = order_parse(kind=kind, data=data)
    except InputInvalid:
        return
    assert order_hash(kind=kind, order=parsed, domain=DOMAIN) == _reference_hash(kind, parsed)
    order_as_tuple(kind=kind, order=parsed)


@settings(max_examples=300, deadline=None)
@given(case=orders(valid=True))
def test_valid_orders_parse_round_trip_and_hash_stably(case):
    kind, data = case
    parsed = order_parse(kind=kind, data=data)
    digest = order_hash(kind=kind, order=parsed, domain=DOMAIN)
    # The hash is the sent order's, however the SDK spells numbers and address cases.
    assert digest == order_hash(kind=kind, order=data, domain=DOMAIN) == _reference_hash(kind, data)
    as_sdk = {
        k: (str(v) if isinstance(v, int) else v.lower() if k != "params" else v)
        for k, v in parsed.items()
    }
    again = order_parse(kind=kind, data=as_sdk)
    assert again == parsed and order_parse(kind=kind, data=again) == parsed
    assert order_hash(kind=kind, order=again, domain=DOMAIN) == digest


@settings(max_examples=40, deadline=None)
@given(case=orders(valid=True), key=st.binary(min_size=32, max_size=32))
def test_signatures_recover_their_signer(case, key):
    kind, data = case
    try:
        signer = Account.from_key(key).address
    except ValueError:  # not a valid secp256k1 key (zero or above the curve order)
        return
    order = order_parse(kind=kind, data=data)
    sign = order_sign(kind=kind, order=order, domain=DOMAIN, private_key=key)
    assert order_signer(kind=kind, order=order, domain=DOMAIN, sign=sign) == signer
    parsed = order_parse(kind=kind, data={**order, "sign": sign})
    assert order_signer(kind=kind, order=parsed, domain=DOMAIN, sign=parsed["sign"]) == signer


@settings(max_examples=400, deadline=None)
@given(case=orders(valid=False))
def test_the_eip712_core_raises_only_value_error_on_unparsed_input(case):
    """Its callers pass parsed or on-chain orders; anything else must still fail cleanly."""
    kind, data = case
    for call in (order_hash, order_typed_data):
        with contextlib.suppress(ValueError):
            call(kind=kind, order=data, domain=DOMAIN)
    with contextlib.suppress(ValueError):
        order_as_tuple(kind=kind, order=data)


# --- The parser core every family shares ---------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(min_size=20, max_size=20), prefix=st.sampled_from(["0x", "0X", ""]),
       mask=st.lists(st.booleans(), min_size=40, max_size=40))  # fmt: skip
def test_an_address_in_one_case_or_checksummed_parses_and_a_wrong_checksum_never(raw, prefix, mask):
    checksummed = to_checksum_address(raw)
    digits = checksummed[2:]
    for spelling in (digits, digits.lower(), digits.upper()):
        assert address_parse("a", prefix + spelling) == checksummed
    mixed = "".join(c.upper() if up else c.lower() for c, up in zip(digits, mask, strict=True))
    if mixed in (digits, digits.lower(), digits.upper()):
        assert address_parse("a", prefix + mixed) == checksummed
    else:
        with pytest.raises(InputInvalid, match="EIP-55 checksum"):
            address_parse("a", prefix + mixed)


@settings(max_examples=500, deadline=None)
@given(value=JSON | st.decimals() | st.text("0123456789.eE+-xXaAfF ", max_size=90))
def test_the_core_parsers_return_their_type_or_refuse_with_input_invalid(value):
    for parse, kind in [
        (address_parse, str),
        (bytes32_parse, str),
        (uint_parse, int),
        (rlc_parse, int),
        (tag_parse, str),
        (partial(choice_parse, choices={"apporder", "app"}), str),
    ]:
        try:
            parsed = parse("field", value)
        except InputInvalid as refusal:
            assert refusal.status == 400 and refusal.message.startswith("field ")
            continue
        assert isinstance(parsed, kind) and not isinstance(parsed, bool)
    with contextlib.suppress(InputInvalid):
        assert 0 <= rlc_parse("field", value) <= MAX_RLC * 10**9


def test_task_results_nested_too_deeply_show_as_hex():
    """Results are what a worker wrote on chain: a nesting bomb must not break the task page."""
    results = "0x" + ("[" * 100_000).encode().hex()
    assert task_results(Task(results=results)) == results
    assert task_results(Task(results="0x" + b'{"ok": 1}'.hex())) == {"ok": 1}
