"""Writes one fetched range and the state it implies, in one transaction with the cursor.

Every write is an upsert keyed on chain identity, so storing the same range twice changes nothing.
"""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone

from marketplace.chain.reader import ASSET_GETTERS
from marketplace.indexer.changes import Changes
from marketplace.indexer.events import Event, event_keys
from marketplace.indexer.fetch import Batch, Header
from marketplace.indexer.hooks import BatchContext, hooks_write
from marketplace.indexer.states import States
from marketplace.models import (
    Account,
    App,
    AssetTransfer,
    Block,
    Category,
    Contribution,
    Dataset,
    Deal,
    IndexerCursor,
    RawEvent,
    Task,
    Workerpool,
)

ASSET_MODELS: dict[str, type[App] | type[Dataset] | type[Workerpool]] = {
    "app": App,
    "dataset": Dataset,
    "workerpool": Workerpool,
}


def asset_fields(kind: str, state: dict) -> dict:
    if kind == "app":
        return {
            "owner": state["owner"],
            "name": state["m_appName"],
            "type": state["m_appType"],
            "multiaddr": state["m_appMultiaddr"],
            "checksum": state["m_appChecksum"],
            "mrenclave": state["m_appMREnclave"],
        }
    if kind == "dataset":
        return {
            "owner": state["owner"],
            "name": state["m_datasetName"],
            "multiaddr": state["m_datasetMultiaddr"],
            "checksum": state["m_datasetChecksum"],
        }
    return {
        "owner": state["owner"],
        "description": state["m_workerpoolDescription"],
        "worker_stake_ratio_policy": state["m_workerStakeRatioPolicy"],
        "scheduler_reward_ratio_policy": state["m_schedulerRewardRatioPolicy"],
    }


def deal_fields(view: dict) -> dict:
    fields = {}
    for part in ("app", "dataset", "workerpool"):
        fields[f"{part}_pointer"] = view[part]["pointer"]
        fields[f"{part}_owner"] = view[part]["owner"]
        fields[f"{part}_price"] = view[part]["price"]
    return {
        **fields,
        "trust": view["trust"],
        "category": view["category"],
        "tag": view["tag"],
        "requester": view["requester"],
        "beneficiary": view["beneficiary"],
        "callback": view["callback"],
        "params": view["params"],
        "start_time": view["startTime"],
        "bot_first": view["botFirst"],
        "bot_size": view["botSize"],
        "worker_stake": view["workerStake"],
        "scheduler_reward_ratio": view["schedulerRewardRatio"],
        "sponsor": view["sponsor"],
    }


def task_fields(view: dict) -> dict:
    return {
        "idx": view["idx"],
        "status": view["status"],
        "timeref": view["timeref"],
        "contribution_deadline": view["contributionDeadline"],
        "reveal_deadline": view["revealDeadline"],
        "final_deadline": view["finalDeadline"],
        "consensus_value": view["consensusValue"],
        "reveal_counter": view["revealCounter"],
        "winner_counter": view["winnerCounter"],
        "contributors": view["contributors"],
        "result_digest": view["resultDigest"],
        "results": view["results"],
        "results_timestamp": view["resultsTimestamp"],
        "results_callback": view["resultsCallback"],
    }


TASK_FIELDS = list(task_fields(defaultdict(int)))


def contribution_fields(view: dict) -> dict:
    return {
        "status": view["status"],
        "result_hash": view["resultHash"],
        "result_seal": view["resultSeal"],
        "enclave_challenge": view["enclaveChallenge"],
        "weight": view["weight"],
    }


def account_fields(view: dict) -> dict:
    return {"stake": view["stake"], "locked": view["locked"], "score": view["score"]}


def _upsert(model, rows: list, *, unique: list[str], update: list[str]):
    if rows:
        model.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=unique, update_fields=update, batch_size=500
        )


def _blocks_upsert(chain_id: int, headers: list[Header]) -> dict[int, int]:
    rows = [
        Block(
            chain_id=chain_id,
            number=h.number,
            hash=h.hash,
            parent_hash=h.parent_hash,
            timestamp=h.timestamp,
        )
        for h in headers
    ]
    _upsert(Block, rows, unique=["chain_id", "number"], update=["hash", "parent_hash", "timestamp"])
    numbers = [h.number for h in headers]
    return dict(
        Block.objects.filter(chain_id=chain_id, number__in=numbers).values_list("number", "id")
    )


RAW_EVENT_COLUMNS = (
    "chain_id",
    "block",
    "tx_hash",
    "log_index",
    "address",
    "name",
    "topics",
    "data",
    "ref",
    "account",
    "amount",
)


def _raw_events_insert(w: "_Writer", events: list[Event]):
    """RawEvent rows as bulk_create(ignore_conflicts=True) writes them, in one executemany: the
    indexer's largest write, where a model instance per event cost more than the insert."""
    meta = RawEvent._meta
    fields = [meta.get_field(name) for name in RAW_EVENT_COLUMNS]
    quote = connection.ops.quote_name
    # Concrete fields all: each has a column (the stubs allow for relations and None).
    columns = ", ".join(quote(f.column) for f in fields)  # type: ignore[union-attr, arg-type]
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or ""
    sql = (
        f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
        f"{quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) {suffix}"
    )
    topics, amount = meta.get_field("topics"), meta.get_field("amount")
    rows = []
    for e in events:
        keys = event_keys(e)
        rows.append(
            (
                w.chain_id,
                w.block_ids[e.block_number],
                e.tx_hash,
                e.log_index,
                e.address,
                e.name,
                topics.get_db_prep_save(e.topics, connection),
                e.data,
                keys["ref"],
                keys["account"],
                amount.get_db_prep_save(keys["amount"], connection),
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


class _Writer:
    def __init__(self, chain_id: int, block_ids: dict[int, int]):
        self.chain_id = chain_id
        self.block_ids = block_ids

    def origin(self, event: Event) -> dict:
        return {
            "chain_id": self.chain_id,
            "block_id": self.block_ids[event.block_number],
            "tx_hash": event.tx_hash,
        }


def batch_store(*, context: BatchContext, batch: Batch, states: States, prepared: list):
    """Store `batch` and what it implies; `prepared` is what the hooks read for `context`."""
    chain_id, hub, head = context.chain_id, context.hub, context.head
    with transaction.atomic():
        block_ids = _blocks_upsert(chain_id, list(batch.headers.values()))
        w = _Writer(chain_id, block_ids)
        _raw_events_insert(w, batch.events)
        _store_entities(w, context.changes, states)
        hooks_write(context, prepared)
        # The previous cursor block was kept only to check the next range's parent: without
        # events it goes, so the stored blocks do not depend on where ranges happened to end.
        Block.objects.filter(
            chain_id=chain_id, number=batch.start - 1, events__isnull=True
        ).delete()
        IndexerCursor.objects.update_or_create(
            chain_id=chain_id,
            defaults={
                "hub": hub,
                "block_number": batch.end,
                "block_hash": batch.end_header.hash,
                "head_number": head,
            },
        )


def _store_entities(w: _Writer, changes: Changes, states: States):
    _upsert(
        Category,
        [
            Category(
                **w.origin(e),
                catid=catid,
                name=e.args["name"],
                description=e.args["description"],
                work_clock_time_ref=e.args["workClockTimeRef"],
            )
            for catid, e in changes.categories.items()
        ],
        unique=["chain_id", "catid"],
        update=["name", "description", "work_clock_time_ref"],
    )
    for kind, model in ASSET_MODELS.items():
        rows = [
            model(**w.origin(changes.assets[key]), address=key[1], **asset_fields(kind, state))
            for key, state in states.assets.items()
            if key[0] == kind
        ]
        fields = list(asset_fields(kind, dict.fromkeys(ASSET_GETTERS[kind][1])))
        _upsert(model, rows, unique=["chain_id", "address"], update=fields)
    AssetTransfer.objects.bulk_create(
        [
            AssetTransfer(
                **w.origin(e),
                log_index=e.log_index,
                kind=kind,
                asset=asset,
                sender=e.args["from"],
                receiver=e.args["to"],
            )
            for kind, asset, e in changes.transfers
        ],
        ignore_conflicts=True,
    )
    _upsert(
        Deal,
        [
            Deal(
                **w.origin(changes.deals[dealid]),
                dealid=dealid,
                **deal_fields(view),
                app_hash=changes.deals[dealid].args["appHash"],
                dataset_hash=changes.deals[dealid].args["datasetHash"],
                workerpool_hash=changes.deals[dealid].args["workerpoolHash"],
                request_hash=changes.deals[dealid].args["requestHash"],
                volume=changes.deals[dealid].args["volume"],
                log_index=changes.deals[dealid].log_index,
            )
            for dealid, view in states.deals.items()
        ],
        unique=["chain_id", "dealid"],
        update=["sponsor"],
    )
    _store_tasks(w, changes, states)
    _upsert(
        Account,
        [
            Account(**w.origin(changes.accounts[a]), address=a, **account_fields(view))
            for a, view in states.accounts.items()
        ],
        unique=["chain_id", "address"],
        update=["stake", "locked", "score"],
    )


def _store_tasks(w: _Writer, changes: Changes, states: States):
    dealids = {view["dealid"] for view in states.tasks.values()}
    deal_ids = dict(
        Deal.objects.filter(chain_id=w.chain_id, dealid__in=dealids).values_list("dealid", "id")
    )
    # A task of a deal matched before the indexed range has nothing to hang on: left out.
    tasks = {t: v for t, v in states.tasks.items() if v["dealid"] in deal_ids}
    _upsert(
        Task,
        [
            Task(
                **w.origin(changes.tasks[t]),
                taskid=t,
                deal_id=deal_ids[v["dealid"]],
                **task_fields(v),
            )
            for t, v in tasks.items()
        ],
        unique=["chain_id", "taskid"],
        update=TASK_FIELDS,
    )
    task_ids = dict(
        Task.objects.filter(chain_id=w.chain_id, taskid__in=list(tasks)).values_list("taskid", "id")
    )
    stored = set(
        Contribution.objects.filter(task_id__in=task_ids.values()).values_list(
            "task__taskid", "worker"
        )
    )
    # A contribution row is created by its own TaskContribute event. State read past the
    # range (a node without history answers at its latest block) can list contributors whose
    # event a later range brings: they are created then, from it, as a fresh index would.
    _upsert(
        Contribution,
        [
            Contribution(
                **w.origin(changes.contributions.get(key) or changes.tasks[key[0]]),
                task_id=task_ids[key[0]],
                worker=key[1],
                **contribution_fields(view),
            )
            for key, view in states.contributions.items()
            if key[0] in task_ids and (key in changes.contributions or key in stored)
        ],
        unique=["task", "worker"],
        update=["status", "result_hash", "result_seal", "enclave_challenge", "weight"],
    )


def cursor_heartbeat(*, chain_id: int, head: int):
    """The indexer is at the head and has just checked it: the index is current, not stale,
    even on a chain that mines no block for a while (see selectors.status.index_staleness)."""
    IndexerCursor.objects.filter(chain_id=chain_id).update(
        head_number=head, updated_at=timezone.now()
    )
