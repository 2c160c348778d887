"""Store entries: what developers and data providers write about their on-chain apps and
datasets, over the index. Written by dappstore.services on behalf of the assets' owners; the
chain data they describe stays in marketplace.models and outlives any entry.
"""

from typing import Any

from django.db import models

# Any: the stubs check a ** mapping's value type against every keyword of the field.
ADDRESS: dict[str, Any] = {"max_length": 42}


class Tag(models.Model):
    name = models.SlugField(max_length=32, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Entry(models.Model):
    APP, DATASET = "app", "dataset"
    KINDS = [(APP, "app"), (DATASET, "dataset")]

    chain_id = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=KINDS)
    slug = models.SlugField(max_length=80)
    display_name = models.CharField(max_length=80)
    summary = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown")
    # Rendered and sanitised from `description` by dappstore.markdown, never by hand.
    description_html = models.TextField(blank=True, editable=False)
    logo = models.BinaryField(null=True, blank=True, editable=False)
    logo_type = models.CharField(max_length=16, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries")
    category = models.CharField(max_length=32, blank=True)
    license = models.CharField(max_length=64, blank=True)
    source_url = models.URLField(blank=True)
    docs_url = models.URLField(blank=True)
    author = models.CharField(max_length=80, blank=True)
    # The on-chain owner of the newest version, kept current from registry transfers.
    owner = models.CharField(**ADDRESS, db_index=True)
    tee = models.BooleanField(default=False)
    # Moderation (Django admin): hidden entries leave the catalog, not the chain data.
    featured = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=200, blank=True)
    # Recomputed by dappstore.tasks from the index and the books.
    deals_30d = models.IntegerField(default=0)
    tasks_30d = models.IntegerField(default=0)
    deals_total = models.IntegerField(default=0)
    min_price = models.BigIntegerField(null=True, blank=True)
    stats_updated_at = models.DateTimeField(null=True, blank=True)
    # Name, summary, description text and tags in one field for full-text search (PostgreSQL
    # indexes it as a tsvector, see migrations/0002).
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "slug"], name="entry_chain_slug"),
        ]
        indexes = [
            models.Index(fields=["chain_id", "hidden", "-deals_30d"], name="entry_usage"),
            models.Index(fields=["chain_id", "hidden", "-created_at"], name="entry_newest"),
            models.Index(fields=["chain_id", "hidden", "min_price"], name="entry_price"),
        ]

    def __str__(self):
        return f"{self.kind} {self.display_name}"


class Version(models.Model):
    """One on-chain app or dataset under an entry (e.g. one per docker image)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    chain_id = models.BigIntegerField()
    address = models.CharField(**ADDRESS)
    label = models.CharField(max_length=40, blank=True)
    # When the asset was registered (block time): versions sort newest first by it.
    registered_at = models.DateTimeField()

    class Meta:
        constraints = [
            # An asset belongs to one entry at most.
            models.UniqueConstraint(fields=["chain_id", "address"], name="version_chain_address"),
        ]
        ordering = ["-registered_at", "-id"]

    def __str__(self):
        return f"{self.label or self.address}"
