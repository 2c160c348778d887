"""Orders of the four kinds as published, with their live state on chain.

The signed order is kept exactly as it was hashed (`order`); the columns beside it are the
fields the orderbook filters and sorts by, copied out so that every list is one indexed query.
"""

from django.db import models

from marketplace.chain.protocol import ORDER_KINDS


class Order(models.Model):
    OPEN, FILLED, CANCELED, DEAD = "open", "filled", "canceled", "dead"
    STATUSES = [(s, s) for s in (OPEN, FILLED, CANCELED, DEAD)]
    API, PRESIGNED, BROADCAST = "api", "presigned", "broadcast"
    SOURCES = [(s, s) for s in (API, PRESIGNED, BROADCAST)]

    chain_id = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=[(k, k) for k in ORDER_KINDS])
    order_hash = models.CharField(max_length=66)
    signer = models.CharField(max_length=42)
    status = models.CharField(max_length=10, choices=STATUSES, default=OPEN)
    dead_reason = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=SOURCES, default=API)
    order = models.JSONField()
    volume = models.BigIntegerField()
    remaining = models.BigIntegerField()
    price = models.BigIntegerField()
    publication_timestamp = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    # The asset an order sells (app, dataset, workerpool), or the app a request order asks for.
    app = models.CharField(max_length=42, blank=True)
    dataset = models.CharField(max_length=42, blank=True)
    workerpool = models.CharField(max_length=42, blank=True)
    requester = models.CharField(max_length=42, blank=True)
    beneficiary = models.CharField(max_length=42, blank=True)
    apprestrict = models.CharField(max_length=42, blank=True)
    datasetrestrict = models.CharField(max_length=42, blank=True)
    workerpoolrestrict = models.CharField(max_length=42, blank=True)
    requesterrestrict = models.CharField(max_length=42, blank=True)
    category = models.BigIntegerField(null=True)
    trust = models.BigIntegerField(null=True)
    tag = models.CharField(max_length=66)
    # Tags are bytes32 but only their low bits carry meaning today; the low 62 bits are kept
    # as an integer for bitwise filters, and any higher bit is flagged.
    tag_bits = models.BigIntegerField()
    tag_high = models.BooleanField(default=False)
    bulk = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "order_hash"], name="order_chain_hash"),
        ]
        indexes = [
            models.Index(
                fields=["chain_id", "kind", "status", "app", "price", "publication_timestamp"],
                name="order_book_app",
            ),
            models.Index(
                fields=["chain_id", "kind", "status", "dataset", "price", "publication_timestamp"],
                name="order_book_dataset",
            ),
            models.Index(
                fields=["chain_id", "kind", "status", "workerpool", "price"],
                name="order_book_workerpool",
            ),
            models.Index(
                fields=["chain_id", "kind", "status", "category", "price"],
                name="order_book_category",
            ),
            models.Index(fields=["chain_id", "kind", "status", "signer"], name="order_signer"),
        ]


class Challenge(models.Model):
    """A single-use EIP-712 challenge for one address on one chain (orderbook/auth.py)."""

    chain_id = models.BigIntegerField()
    address = models.CharField(max_length=42)
    value = models.TextField()
    hash = models.CharField(max_length=66)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["chain_id", "hash"], name="challenge_chain_hash"),
            models.Index(fields=["created_at"], name="challenge_created"),
        ]
