"""What a list of decoded events touches: the entities whose state must be (re)read from chain.

Used forward (a new batch) and backward (the events of an abandoned fork, on rollback), so the
same rules decide what is refreshed either way.
"""

from dataclasses import dataclass, field

from marketplace.chain.protocol import ZERO_ADDRESS
from marketplace.indexer.events import HUB, REGISTRY_KINDS, WORKERPOOL, Event

TASK_EVENTS = {
    "TaskInitialize",
    "TaskContribute",
    "TaskConsensus",
    "TaskReveal",
    "TaskReopen",
    "TaskFinalize",
    "TaskClaimed",
    "AccurateContribution",
    "FaultyContribution",
}
ACCOUNT_EVENTS = {"Lock": "owner", "Unlock": "owner", "Reward": "owner", "Seize": "owner"}
WORKER_EVENTS = {"AccurateContribution", "FaultyContribution", "TaskContribute"}


def token_address(token_id: int) -> str:
    from marketplace.chain.abi_codec import checksum

    return checksum("0x" + token_id.to_bytes(32, "big")[-20:].hex())


@dataclass
class Changes:
    """Entities touched by a list of events, each with the first event that touched it."""

    categories: dict[int, Event] = field(default_factory=dict)
    assets: dict[tuple[str, str], Event] = field(default_factory=dict)
    transfers: list[tuple[str, str, Event]] = field(default_factory=list)
    deals: dict[str, Event] = field(default_factory=dict)
    tasks: dict[str, Event] = field(default_factory=dict)
    contributions: dict[tuple[str, str], Event] = field(default_factory=dict)
    accounts: dict[str, Event] = field(default_factory=dict)

    def _account(self, address: str, event: Event, hub: str):
        if address not in (ZERO_ADDRESS, hub):
            self.accounts.setdefault(address, event)


def changes_from_events(*, events: list[Event], hub: str) -> Changes:
    changes = Changes()
    for event in events:
        args, name = event.args, event.name
        if event.emitter in REGISTRY_KINDS and name == "Transfer":
            kind = REGISTRY_KINDS[event.emitter]
            asset = token_address(args["tokenId"])
            changes.assets.setdefault((kind, asset), event)
            changes.transfers.append((kind, asset, event))
        elif event.emitter == WORKERPOOL and name == "PolicyUpdate":
            changes.assets.setdefault(("workerpool", event.address), event)
        elif event.emitter != HUB:
            continue
        elif name == "CreateCategory":
            changes.categories.setdefault(args["catid"], event)
        elif name == "OrdersMatched":
            changes.deals.setdefault(args["dealid"], event)
        elif name == "Transfer":
            changes._account(args["from"], event, hub)
            changes._account(args["to"], event, hub)
        elif name in ACCOUNT_EVENTS:
            changes._account(args[ACCOUNT_EVENTS[name]], event, hub)
        if name in TASK_EVENTS and event.emitter == HUB:
            changes.tasks.setdefault(args["taskid"], event)
        if name in WORKER_EVENTS and event.emitter == HUB:
            changes._account(args["worker"], event, hub)
            if name == "TaskContribute":
                changes.contributions.setdefault((args["taskid"], args["worker"]), event)
    return changes
