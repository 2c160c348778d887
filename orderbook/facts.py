"""What the publication rules need to know of the chain: asset owners, stakes, consumed volumes.

Owners and stakes come from the index when it is current (the indexer polled the head a moment
ago and has caught up with it), from the node otherwise; consumed volumes always come from the
node, one batched round trip for a whole set of orders.
"""

from contextlib import suppress
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from eth_account.messages import SignableMessage

from marketplace.chain.node import node_client
from marketplace.chain.orders import signable_hash, signer_of
from marketplace.chain.protocol import APP_REGISTRY
from marketplace.chain.reader import Call, Reader, asset_calls
from marketplace.models import Account, App, Dataset, Workerpool
from marketplace.selectors.status import index_staleness

ASSET_MODELS: dict[str, type[App] | type[Dataset] | type[Workerpool]] = {
    "app": App,
    "dataset": Dataset,
    "workerpool": Workerpool,
}


@cache
def _reader(hub: str, node: tuple) -> Reader:
    return Reader(node_client(), hub)


def chain_reader() -> Reader:
    """One reader per process: its client's pacing and learnt batch size serve every request.
    The node's settings key it, so that a test changing them gets a new client."""
    node = (
        settings.CHAIN_RPC_URL,
        settings.CHAIN_RPC_TIMEOUT,
        settings.CHAIN_RPC_MAX_BATCH,
        settings.CHAIN_RPC_MAX_RPS,
    )
    return _reader(settings.HUB_ADDRESS, node)


@cache
def _registries(reader: Reader) -> dict[str, str]:
    return reader.registries()


def registries() -> dict[str, str]:
    return _registries(chain_reader())


@cache
def _domain(reader: Reader) -> dict:
    return reader.domain()


def chain_domain() -> dict:
    """The hub's EIP-712 domain, read once per hub: `configure` fixes it for good."""
    return _domain(chain_reader())


def chain_id() -> int:
    return int(chain_domain()["chainId"])


def index_is_current(*, chain: int) -> bool:
    """Whether the index may stand in for the node: stricter than the pages' staleness (the
    head checked within INDEX_FRESH_SECONDS, no block behind)."""
    return index_staleness(chain_id=chain).current(seconds=settings.INDEX_FRESH_SECONDS, blocks=0)


@dataclass
class AssetFacts:
    registered: bool
    owner: str | None


def assets_owner(*, chain: int, kind: str, addresses: list[str]) -> dict[str, AssetFacts]:
    """Registration and owner of assets of one kind, from the index if current, else the node.

    An asset missing from a current index is asked of the node all the same: it may have been
    created in a block the indexer has not polled yet."""
    facts = {}
    if index_is_current(chain=chain):
        owners = dict(
            ASSET_MODELS[kind]
            .objects.filter(chain_id=chain, address__in=addresses)
            .values_list("address", "owner")
        )
        facts = {a: AssetFacts(True, o) for a, o in owners.items()}
    unknown = [a for a in addresses if a not in facts]
    if unknown:
        facts.update(_assets_owner_on_chain(kind=kind, addresses=unknown))
    return facts


def _assets_owner_on_chain(*, kind: str, addresses: list[str]) -> dict[str, AssetFacts]:
    reader = chain_reader()
    registry = registries()[kind]
    # The three registries share the app registry's isRegistered.
    known = reader.many([Call(registry, APP_REGISTRY["isRegistered"], (a,)) for a in addresses])
    registered = [a for a, ok in zip(addresses, known, strict=True) if ok]
    owners = reader.many([asset_calls(kind, a)[0] for a in registered])
    facts = {a: AssetFacts(False, None) for a in addresses}
    facts.update({a: AssetFacts(True, o) for a, o in zip(registered, owners, strict=True)})
    return facts


def stakes(*, chain: int, addresses: list[str], from_chain: bool = False) -> dict[str, int]:
    """Stakes from the index if current (unless `from_chain`), else from the node."""
    addresses = list(dict.fromkeys(addresses))
    if not from_chain and index_is_current(chain=chain):
        known = dict(
            Account.objects.filter(chain_id=chain, address__in=addresses).values_list(
                "address", "stake"
            )
        )
        return {a: known.get(a, 0) for a in addresses}
    reader = chain_reader()
    views = reader.many([reader.hub_call("viewAccount", a) for a in addresses])
    return {a: v["stake"] for a, v in zip(addresses, views, strict=True)}


def consumed(*, hashes: list[str], block="latest") -> dict[str, int]:
    reader = chain_reader()
    values = reader.many(
        [reader.hub_call("viewConsumed", bytes.fromhex(h[2:])) for h in hashes], block=block
    )
    return dict(zip(hashes, values, strict=True))


def signature_valid(*, signer: str, signable: SignableMessage, sign: bytes) -> bool:
    """Whether `signer` signed `signable`: an ECDSA signature checked here, else an ERC-1271
    contract wallet's (a Safe), which the hub's verifySignature asks the wallet about."""
    with suppress(ValueError):  # no ECDSA signature may still be a contract wallet's
        if signer_of(signable=signable, sign=sign) == signer:
            return True
    reader = chain_reader()
    if reader.rpc.call("eth_getCode", [signer, "latest"]) in ("0x", "0x0"):
        return False
    digest = bytes.fromhex(signable_hash(signable=signable)[2:])
    return reader.one("verifySignature", signer, digest, sign)
