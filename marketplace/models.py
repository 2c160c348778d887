"""Chain-derived state, written only by the indexer; then the off-chain state of the pages.

Every chain row traces back to a stored block. Rows that an event created point at that event's
block with on_delete=CASCADE, so deleting the blocks of an abandoned fork removes them; rows that
events only update are re-read from the chain after a rollback (see marketplace.indexer.rollback).

The off-chain models at the end (sign-in nonces, workerpool profiles) are written by services
on behalf of signed-in wallets and never by the indexer.
"""

from typing import Any

from django.db import models

from marketplace.fields import Uint256Field

# Any: the stubs check a ** mapping's value type against every keyword of the field.
ADDRESS: dict[str, Any] = {"max_length": 42}
BYTES32: dict[str, Any] = {"max_length": 66}


class Block(models.Model):
    chain_id = models.BigIntegerField()
    number = models.BigIntegerField()
    hash = models.CharField(**BYTES32)
    parent_hash = models.CharField(**BYTES32)
    timestamp = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "number"], name="block_chain_number"),
        ]

    def __str__(self):
        return f"#{self.number} {self.hash[:10]}"


class IndexerCursor(models.Model):
    """How far the indexer has gone on one chain; advanced in the same transaction as a batch."""

    chain_id = models.BigIntegerField(unique=True)
    hub = models.CharField(**ADDRESS)
    block_number = models.BigIntegerField()
    block_hash = models.CharField(**BYTES32, blank=True)
    head_number = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class RawEvent(models.Model):
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="events")
    chain_id = models.BigIntegerField()
    tx_hash = models.CharField(**BYTES32)
    log_index = models.IntegerField()
    address = models.CharField(**ADDRESS)
    name = models.CharField(max_length=64)
    topics = models.JSONField()
    data = models.TextField()
    # Copied out of the decoded arguments so that timelines and ledgers are indexed lookups:
    # the task or deal an event is about, the account it pays or concerns, the nRLC it moves
    # (RLC's whole supply, 8.7e16 nRLC, fits a bigint).
    ref = models.CharField(**BYTES32, blank=True, default="")
    account = models.CharField(**ADDRESS, blank=True, default="")
    amount = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain_id", "tx_hash", "log_index"], name="rawevent_chain_tx_log"
            ),
        ]
        indexes = [
            models.Index(fields=["chain_id", "name"]),
            models.Index(fields=["chain_id", "ref"], name="rawevent_ref"),
            models.Index(fields=["chain_id", "account", "name"], name="rawevent_account"),
            models.Index(fields=["chain_id", "tx_hash"], name="rawevent_tx"),
        ]


class ChainRow(models.Model):
    """Created by an event: `block` is where, and dropping that block drops the row."""

    chain_id = models.BigIntegerField()
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="+")
    tx_hash = models.CharField(**BYTES32)

    class Meta:
        abstract = True


class Category(ChainRow):
    catid = models.BigIntegerField()
    name = models.TextField()
    description = models.TextField()
    work_clock_time_ref = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "catid"], name="category_chain_catid")
        ]
        ordering = ["catid"]


class Asset(ChainRow):
    """An app, dataset or workerpool: a registry NFT whose tokenId is the entry's address."""

    address = models.CharField(**ADDRESS)
    owner = models.CharField(**ADDRESS, db_index=True)

    class Meta:
        abstract = True


class App(Asset):
    name = models.TextField()
    type = models.TextField()
    multiaddr = models.TextField()
    checksum = models.CharField(**BYTES32)
    mrenclave = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="app_chain_address")
        ]


class Dataset(Asset):
    name = models.TextField()
    multiaddr = models.TextField()
    checksum = models.CharField(**BYTES32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="dataset_chain_address")
        ]


class Workerpool(Asset):
    description = models.TextField()
    worker_stake_ratio_policy = models.BigIntegerField()
    scheduler_reward_ratio_policy = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="workerpool_chain_address")
        ]


class AssetTransfer(ChainRow):
    """An ERC-721 Transfer of a registry: a mint (from 0x0) creates the asset, others move it."""

    APP, DATASET, WORKERPOOL = "app", "dataset", "workerpool"
    KINDS = [(APP, "app"), (DATASET, "dataset"), (WORKERPOOL, "workerpool")]

    log_index = models.IntegerField()
    kind = models.CharField(max_length=10, choices=KINDS)
    asset = models.CharField(**ADDRESS, db_index=True)
    sender = models.CharField(**ADDRESS)
    receiver = models.CharField(**ADDRESS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain_id", "tx_hash", "log_index"], name="assettransfer_chain_tx_log"
            )
        ]


class Deal(ChainRow):
    dealid = models.CharField(**BYTES32)
    app_pointer = models.CharField(**ADDRESS, db_index=True)
    app_owner = models.CharField(**ADDRESS)
    app_price = Uint256Field()
    dataset_pointer = models.CharField(**ADDRESS, db_index=True)
    dataset_owner = models.CharField(**ADDRESS)
    dataset_price = Uint256Field()
    workerpool_pointer = models.CharField(**ADDRESS, db_index=True)
    workerpool_owner = models.CharField(**ADDRESS)
    workerpool_price = Uint256Field()
    trust = Uint256Field()
    category = models.BigIntegerField()
    tag = models.CharField(**BYTES32)
    requester = models.CharField(**ADDRESS, db_index=True)
    beneficiary = models.CharField(**ADDRESS)
    callback = models.CharField(**ADDRESS)
    params = models.TextField()
    start_time = models.BigIntegerField()
    bot_first = models.BigIntegerField()
    bot_size = models.BigIntegerField()
    worker_stake = Uint256Field()
    scheduler_reward_ratio = models.BigIntegerField()
    sponsor = models.CharField(**ADDRESS)
    app_hash = models.CharField(**BYTES32, db_index=True)
    dataset_hash = models.CharField(**BYTES32, db_index=True)
    workerpool_hash = models.CharField(**BYTES32, db_index=True)
    request_hash = models.CharField(**BYTES32, db_index=True)
    volume = models.BigIntegerField()
    log_index = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "dealid"], name="deal_chain_dealid")
        ]
        indexes = [
            models.Index(fields=["chain_id", "-block", "dealid"]),
            models.Index(fields=["chain_id", "category", "-block"], name="deal_category_block"),
            # The pool page: a pool's deals, and the join to their tasks.
            models.Index(fields=["chain_id", "workerpool_pointer", "id"], name="deal_pool"),
        ]


class Task(ChainRow):
    """A task exists on chain from TaskInitialize; its fields mirror viewTask."""

    UNSET, ACTIVE, REVEALING, COMPLETED, FAILED = range(5)
    STATUSES = ["UNSET", "ACTIVE", "REVEALING", "COMPLETED", "FAILED"]

    taskid = models.CharField(**BYTES32)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="tasks")
    idx = models.BigIntegerField()
    status = models.SmallIntegerField()
    timeref = models.BigIntegerField()
    contribution_deadline = models.BigIntegerField()
    reveal_deadline = models.BigIntegerField()
    final_deadline = models.BigIntegerField()
    consensus_value = models.CharField(**BYTES32)
    reveal_counter = models.BigIntegerField()
    winner_counter = models.BigIntegerField()
    contributors = models.JSONField()
    result_digest = models.CharField(**BYTES32)
    results = models.TextField()
    results_timestamp = models.BigIntegerField()
    results_callback = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "taskid"], name="task_chain_taskid")
        ]
        # Covering the pool page's outcome counts and worker lists (read from the index alone).
        indexes = [
            models.Index(
                fields=["deal", "chain_id", "status", "final_deadline", "id", "taskid"],
                name="task_deal_outcome",
            )
        ]

    @property
    def status_name(self) -> str:
        return self.STATUSES[self.status]


class Contribution(ChainRow):
    UNSET, CONTRIBUTED, PROVED, REJECTED = range(4)
    STATUSES = ["UNSET", "CONTRIBUTED", "PROVED", "REJECTED"]

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="contributions")
    worker = models.CharField(**ADDRESS, db_index=True)
    status = models.SmallIntegerField()
    result_hash = models.CharField(**BYTES32)
    result_seal = models.CharField(**BYTES32)
    enclave_challenge = models.CharField(**ADDRESS)
    weight = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "worker"], name="contribution_task_worker")
        ]
        # Covering the pool page's contributions per worker.
        indexes = [
            models.Index(
                fields=["task", "chain_id", "worker", "id"], name="contribution_task_cover"
            )
        ]

    @property
    def status_name(self) -> str:
        return self.STATUSES[self.status]


class Account(ChainRow):
    """Anyone the hub's escrow or scoring has touched; `block` is where it was first seen."""

    address = models.CharField(**ADDRESS)
    stake = Uint256Field()
    locked = Uint256Field()
    score = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="account_chain_address")
        ]


class LiveEvent(models.Model):
    """One change a live page or feed shows, written in the same transaction as the change.

    The id is the feed's monotonic sequence: whatever fans events out to websockets reads them
    from here, and a client that reconnects asks for everything after the last id it saw.
    """

    chain_id = models.BigIntegerField()
    topic = models.CharField(max_length=32)
    name = models.CharField(max_length=64)
    key = models.CharField(max_length=66, blank=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["chain_id", "topic", "id"])]


# --- Off-chain state of the pages ------------------------------------------------------------


class SignInNonce(models.Model):
    """An EIP-4361 nonce handed to one browser session: used once, then deleted."""

    nonce = models.CharField(max_length=32, unique=True)
    session_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)


class WorkerpoolProfile(models.Model):
    """What a pool's operator says of it, for requesters to choose by; edited by the on-chain
    owner after signing in."""

    ENERGY = [
        ("", "not stated"),
        ("renewable", "renewable"),
        ("mixed", "mixed"),
        ("fossil", "fossil"),
    ]
    TEE = [
        ("", "none"),
        ("sgx", "Intel SGX"),
        ("tdx", "Intel TDX"),
        ("sev", "AMD SEV-SNP"),
    ]

    chain_id = models.BigIntegerField()
    address = models.CharField(**ADDRESS)
    location = models.CharField(max_length=80, blank=True)
    energy_source = models.CharField(max_length=16, choices=ENERGY, blank=True)
    tee_hardware = models.CharField(max_length=8, choices=TEE, blank=True)
    gpu = models.CharField(max_length=80, blank=True)
    website = models.URLField(max_length=200, blank=True)
    updated_by = models.CharField(**ADDRESS)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="profile_chain_address")
        ]
