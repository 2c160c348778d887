"""Transactions the pages prepare and the visitor's wallet sends: {to, data, value, chainId}.

Called by marketplace.web.views_tx. The server encodes the calldata (the browser needs no ABI) and
never signs: the wallet shows the call to its owner, who sends it or not.
"""

from dataclasses import asdict, dataclass

from marketplace.chain.ids import taskid_of
from marketplace.chain.orders import order_as_tuple
from marketplace.chain.protocol import (
    APP_REGISTRY,
    CLOSE,
    DATASET_REGISTRY,
    HUB,
    MANAGE_FUNCTION,
    ORDER_KINDS,
    RLC,
)


@dataclass(frozen=True)
class PreparedTx:
    to: str
    data: str
    chainId: str
    value: str = "0x0"

    def as_dict(self) -> dict:
        return asdict(self)


def tx_deposit_prepare(*, chain_id: int, hub: str, rlc: str, amount: int) -> PreparedTx:
    """One transaction: RLC's approveAndCall lets the hub pull `amount` and credit the stake."""
    data = RLC["approveAndCall"].calldata(hub, amount, b"")
    return PreparedTx(to=rlc, data=data, chainId=hex(chain_id))


def tx_withdraw_prepare(*, chain_id: int, hub: str, amount: int) -> PreparedTx:
    return PreparedTx(to=hub, data=HUB["withdraw"].calldata(amount), chainId=hex(chain_id))


def tx_match_prepare(*, chain_id: int, hub: str, orders: dict[str, dict]) -> PreparedTx:
    """matchOrders of signed orders (the dataset order may be the all-zero one)."""
    args = [order_as_tuple(kind=kind, order=orders[kind]) for kind in ORDER_KINDS]
    return PreparedTx(to=hub, data=HUB["matchOrders"].calldata(*args), chainId=hex(chain_id))


def tx_claim_prepare(
    *, chain_id: int, hub: str, dealid: str, indices: list[int], initialized: bool
) -> PreparedTx:
    """Claim a deal's tasks past their final deadline; tasks never initialized are initialized
    and claimed in the same call."""
    deal = bytes.fromhex(dealid[2:])
    if initialized:
        taskids = [taskid_of(deal, idx) for idx in indices]
        data = HUB["claimArray"].calldata(taskids)
    else:
        data = HUB["initializeAndClaimArray"].calldata([deal] * len(indices), indices)
    return PreparedTx(to=hub, data=data, chainId=hex(chain_id))


def tx_cancel_prepare(*, chain_id: int, hub: str, kind: str, order: dict) -> PreparedTx:
    """Close an order on chain (the signer sends it): no one can match it any more."""
    operation = (order_as_tuple(kind=kind, order=order), CLOSE, b"")
    return PreparedTx(
        to=hub, data=HUB[MANAGE_FUNCTION[kind]].calldata(operation), chainId=hex(chain_id)
    )


def tx_create_asset_prepare(*, chain_id: int, registry: str, kind: str, args: tuple) -> PreparedTx:
    """createApp(owner, name, type, multiaddr, checksum, mrenclave) on the app registry, or
    createDataset(owner, name, multiaddr, checksum) on the dataset registry."""
    function = {"app": APP_REGISTRY["createApp"], "dataset": DATASET_REGISTRY["createDataset"]}
    return PreparedTx(to=registry, data=function[kind].calldata(*args), chainId=hex(chain_id))
