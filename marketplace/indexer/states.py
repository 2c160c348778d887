"""Reads, at one block, the on-chain state of everything a set of changes touched.

The views are the ground truth (viewDeal, viewTask, viewContribution, viewAccount, viewScore and
the registry entries' getters); reading them at the batch's last block makes the stored state a
function of the stored chain alone, whatever the batch boundaries were.
"""

from dataclasses import dataclass, field

from marketplace.chain.reader import ASSET_GETTERS, Call, Reader, asset_calls
from marketplace.indexer.changes import Changes


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
    results = iter(reader.many_or_latest(calls, block=block))

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
    contributions = reader.many_or_latest(
        [reader.hub_call("viewContribution", bytes.fromhex(t[2:]), w) for t, w in pairs],
        block=block,
    )
    states.contributions = dict(zip(pairs, contributions, strict=True))
    return states
