"""Reads, at one block, the on-chain state of everything a set of changes touched.

The views are the ground truth (viewDeal, viewTask, viewContribution, viewAccount, viewScore and
the registry entries' getters); reading them at the batch's last block makes the stored state a
function of the stored chain alone, whatever the batch boundaries were.
"""

import logging
from dataclasses import dataclass, field

from marketplace.chain.answers import MalformedAnswer
from marketplace.chain.reader import ASSET_GETTERS, Call, Reader, asset_calls
from marketplace.chain.rpc import RpcError
from marketplace.indexer.changes import Changes

log = logging.getLogger(__name__)


def _read(reader: Reader, calls: list[Call], block: dict | str) -> list:
    """Read at `block`; a node without that block's state (not an archive node, or anvil
    loaded from a dump without history: an error, or anvil after some reorgs: views answering
    no data, as if no contract were there) is read at its latest block instead, which differs
    only while later blocks the indexer has not reached yet touch the same entities."""
    try:
        return reader.many(calls, block=block)
    except (RpcError, MalformedAnswer) as exc:
        if block == "latest":
            raise
        reason = exc.message if isinstance(exc, RpcError) else f"a view answered no data: {exc}"
        log.info("state at %s unavailable (%s): reading the latest state", block, reason)
        return reader.many(calls, block="latest")


@dataclass
class States:
    assets: dict[tuple[str, str], dict] = field(default_factory=dict)
    deals: dict[str, dict] = field(default_factory=dict)
    tasks: dict[str, dict] = field(default_factory=dict)
    contributions: dict[tuple[str, str], dict] = field(default_factory=dict)
    accounts: dict[str, dict] = field(default_factory=dict)


def states_read(
    *,
    reader: Reader,
    changes: Changes,
    block: dict | str,
    assets=None,
    deals=None,
    tasks=None,
    accounts=None,
) -> States:
    """State of the entities in `changes` (or of the subsets given) at `block`."""
    assets = list(changes.assets) if assets is None else assets
    deals = list(changes.deals) if deals is None else deals
    tasks = list(changes.tasks) if tasks is None else tasks
    accounts = list(changes.accounts) if accounts is None else accounts

    calls: list[Call] = []
    for kind, address in assets:
        calls += asset_calls(kind, address)
    calls += [reader.hub_call("viewDeal", bytes.fromhex(d[2:])) for d in deals]
    calls += [reader.hub_call("viewTask", bytes.fromhex(t[2:])) for t in tasks]
    for address in accounts:
        calls += [reader.hub_call("viewAccount", address), reader.hub_call("viewScore", address)]
    results = iter(_read(reader, calls, block))

    states = States()
    for kind, address in assets:
        getters = ASSET_GETTERS[kind][1]
        states.assets[(kind, address)] = {name: next(results) for name in getters}
    for dealid in deals:
        states.deals[dealid] = next(results)
    for taskid in tasks:
        states.tasks[taskid] = next(results)
    for address in accounts:
        account, score = next(results), next(results)
        states.accounts[address] = {**account, "score": score}

    pairs = [(t, w) for t, task in states.tasks.items() for w in task["contributors"]]
    contributions = _read(
        reader,
        [reader.hub_call("viewContribution", bytes.fromhex(t[2:]), w) for t, w in pairs],
        block,
    )
    states.contributions = dict(zip(pairs, contributions, strict=True))
    return states
