"""The market API's single-use EIP-712 challenge: issue it, then check and burn it once.

A client GETs /challenge, signs the typed data with its wallet and sends
`authorization: <challenge hash>_<signature>_<address>`; the header works once, on one chain,
within CHALLENGE_TTL_SECONDS. Every GET makes a new challenge: the reference hands the pending
one of an address to whoever asks, here nobody sees a challenge made for someone else, and
nobody can replace it either (an address may have several pending; each burns on its own).
"""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from eth_keys import keys
from eth_utils import to_checksum_address

from marketplace.chain.orders import signable_hash, typed_data_signable
from marketplace.refusal import Refusal
from orderbook.models import Challenge
from orderbook.services import Refused

HEADER = re.compile(r"^(0x[0-9a-fA-F]{64})_(0x[0-9a-fA-F]{130})_(0x[0-9a-fA-F]{40})$")
PREFIX = "Sign this message to log into iExec Gateway: "
EXPIRED = "Challenge not valid. Need to request a new challenge."  # the reference's words


class AuthorizationInvalid(Refusal):
    """Always the same 403 message: the client learns nothing about what was wrong."""

    status = 403

    def __init__(self):
        super().__init__("invalid authorization")


def challenge_typed_data(*, chain_id: int, value: str) -> dict:
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
            ],
            "Challenge": [{"name": "challenge", "type": "string"}],
        },
        "domain": {"name": "iExec Gateway", "version": "1", "chainId": str(chain_id)},
        "primaryType": "Challenge",
        "message": {"challenge": value},
    }


def challenge_create(*, chain_id: int, address: str) -> dict:
    """A new challenge for this address on this chain, as typed data to sign."""
    value = PREFIX + secrets.token_urlsafe(24)
    typed = challenge_typed_data(chain_id=chain_id, value=value)
    Challenge.objects.create(
        chain_id=chain_id,
        address=to_checksum_address(address),
        value=value,
        hash=signable_hash(signable=typed_data_signable(typed=typed)),
    )
    return typed


def _expiry_horizon():
    return timezone.now() - timedelta(seconds=settings.CHALLENGE_TTL_SECONDS)


def challenges_prune() -> int:
    """Expired challenges go (Celery beat); they could never be used again."""
    deleted, _ = Challenge.objects.filter(created_at__lt=_expiry_horizon()).delete()
    return deleted


def _recover(digest: str, signature: str) -> str:
    raw = bytes.fromhex(signature[2:])
    v = raw[64] - 27 if raw[64] >= 27 else raw[64]
    if v not in (0, 1):
        raise AuthorizationInvalid
    try:
        public_key = keys.Signature(raw[:64] + bytes([v])).recover_public_key_from_msg_hash(
            bytes.fromhex(digest[2:])
        )
    except Exception as exc:  # eth_keys raises several types for malformed signatures
        raise AuthorizationInvalid from exc
    return public_key.to_checksum_address()


def authorization_use(*, chain_id: int, header: str | None) -> str:
    """The address the header proves, burning its challenge; AuthorizationInvalid otherwise."""
    match = HEADER.fullmatch(header or "")
    if not match:
        raise AuthorizationInvalid
    digest, signature, address = (
        match.group(1).lower(),
        match.group(2),
        to_checksum_address(match.group(3)),
    )
    if _recover(digest, signature) != address:
        raise AuthorizationInvalid
    challenge = Challenge.objects.filter(chain_id=chain_id, address=address, hash=digest)
    expired, _ = challenge.filter(created_at__lt=_expiry_horizon()).delete()
    if expired:
        raise Refused(EXPIRED)
    # Finding and burning the challenge in one DELETE: of concurrent requests with the same
    # header, only one deletes the row, so the header works once.
    deleted, _ = challenge.delete()
    if deleted != 1:
        raise AuthorizationInvalid
    return address
