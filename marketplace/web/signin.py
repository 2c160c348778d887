"""Sign-in with Ethereum (EIP-4361): the server writes the message, the wallet signs it.

Called by marketplace.web.views_signin. A nonce is bound to one browser session, lives
NONCE_TTL, and is deleted when used, so a signed message signs in once. The message names the
site's domain and chain; the siwe library checks domain, nonce, expiry and the signature
(ERC-1271 contract wallets through the node).
"""

import secrets
import warnings
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone
from eth_utils import to_checksum_address

from marketplace.chain.node import NodeProvider
from marketplace.chain.parse import address_parse
from marketplace.models import SignInNonce
from marketplace.refusal import Refusal

# siwe's grammar restates a few RFC 5234 core rules identically; abnf warns about each at import.
warnings.filterwarnings("ignore", message="rule '.*' redefines", module="abnf")
from siwe import (  # noqa: E402
    DomainMismatch,
    ExpiredMessage,
    InvalidSignature,
    NotYetValidMessage,
    SiweMessage,
    VerificationError,
)

NONCE_TTL = timedelta(minutes=10)
REFUSALS = {
    DomainMismatch: "the message was written for another site",
    ExpiredMessage: "the message has expired: sign in again",
    NotYetValidMessage: "the message is not valid yet",
    InvalidSignature: "the signature is not the address's",
}
STATEMENT = "Sign in to PoCo Market. This costs nothing and sends no transaction."


class SignInInvalid(Refusal):
    """The message or its signature does not sign this session in; the text says why."""

    status = 403


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def signin_prune() -> int:
    """Expired nonces, and expired sessions: a visitor who asked for a sign-in message and never
    signed leaves a session that only lives NONCE_TTL (views_signin.message)."""
    now = timezone.now()
    nonces, _ = SignInNonce.objects.filter(created_at__lt=now - NONCE_TTL).delete()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    return nonces + sessions


def signin_message_prepare(
    *, session_key: str, address: str, domain: str, uri: str, chain_id: int
) -> str:
    """The EIP-4361 text for `address` to personal_sign, with a fresh single-use nonce."""
    address = address_parse("address", address)
    now = timezone.now()
    # Expired nonces are inert (signin_verify checks their age); the beat job deletes them.
    nonce = secrets.token_hex(12)
    SignInNonce.objects.create(nonce=nonce, session_key=session_key)
    message = SiweMessage(
        domain=domain,
        address=address,
        statement=STATEMENT,
        uri=uri,
        version="1",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=_iso(now),
        expiration_time=_iso(now + NONCE_TTL),
    )
    return message.prepare_message()


def signin_verify(
    *, session_key: str, message: str, signature: str, domain: str, chain_id: int
) -> str:
    """The address that signed `message` for this session and site; SignInInvalid otherwise."""
    try:
        parsed = SiweMessage.from_message(message=message)
    except Exception as exc:  # the parser raises several types on malformed text
        raise SignInInvalid("the message is not an EIP-4361 sign-in message") from exc
    # Deleting the nonce first makes a message single-use even under concurrent requests.
    deleted, _ = SignInNonce.objects.filter(
        nonce=parsed.nonce,
        session_key=session_key,
        created_at__gte=timezone.now() - NONCE_TTL,
    ).delete()
    if deleted != 1:
        raise SignInInvalid("this sign-in message was already used, expired or is not yours")
    if parsed.chain_id != chain_id:
        raise SignInInvalid(f"the message is for chain {parsed.chain_id}, not {chain_id}")
    try:
        parsed.verify(
            signature,
            domain=domain,
            nonce=parsed.nonce,
            provider=NodeProvider(),
        )
    except VerificationError as exc:
        reason = REFUSALS.get(type(exc), "the message does not verify")
        raise SignInInvalid(f"sign-in refused: {reason}") from exc
    except Exception as exc:  # malformed signatures surface as ValueError and others
        raise SignInInvalid("sign-in refused: the signature is not valid") from exc
    return to_checksum_address(parsed.address)
