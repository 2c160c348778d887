"""Writes to the store: claiming on-chain apps and datasets into entries, editing entries,
following owners when the NFTs move, and the statistics the catalog sorts by.

Called by dappstore.views (claims and edits, on behalf of a signed-in wallet), the indexer hook
`store_follow_chain`, and dappstore.tasks. Who owns an asset is read from the index when it is
current and from the node otherwise (orderbook.facts).
"""

import io
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone
from django.utils.text import slugify
from eth_account.messages import encode_defunct
from PIL import Image, UnidentifiedImageError

from dappstore.markdown import markdown_render, markdown_text
from dappstore.models import Entry, Tag, Version
from marketplace.chain.parse import InputInvalid
from marketplace.chain.reader import asset_calls
from marketplace.indexer.hooks import BatchContext, Hook
from marketplace.models import App, Dataset, Deal
from marketplace.refusal import Refusal
from marketplace.selectors.pools import chain_now
from orderbook import facts
from orderbook.models import Order

ASSETS: dict[str, type[App] | type[Dataset]] = {Entry.APP: App, Entry.DATASET: Dataset}
LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_SIDE = 1024
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_TAGS = 8


class StoreRefused(Refusal):
    """The store says no; the message is for the visitor."""

    status = 403


def claim_message(*, chain_id: int, kind: str, address: str, claimant: str) -> str:
    """What an owner personal-signs to put an asset in the store."""
    return (
        f"PoCo Market store: I, {claimant}, own the {kind} {address} on chain {chain_id} "
        "and publish it to the store."
    )


def _owner_check(*, chain_id: int, kind: str, address: str, claimant: str):
    owned = facts.assets_owner(chain=chain_id, kind=kind, addresses=[address])[address]
    if not owned.registered:
        raise StoreRefused(f"{address} is not a registered {kind}")
    if owned.owner != claimant:
        raise StoreRefused(f"only the owner {owned.owner} can publish {kind} {address}")


RESERVED_SLUGS = {"publish", "deploy", "claim", "asset"}  # the store's own routes


def _unique_slug(chain_id: int, name: str) -> str:
    base = slugify(name)[:60] or "entry"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Entry.objects.filter(chain_id=chain_id, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def entry_claim(
    *,
    chain_id: int,
    kind: str,
    address: str,
    claimant: str,
    signature: str,
    into: Entry | None = None,
    label: str = "",
) -> Entry:
    """Put an on-chain asset in the store, as a new entry or a new version of `into`."""
    message = claim_message(chain_id=chain_id, kind=kind, address=address, claimant=claimant)
    try:
        sign = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError as exc:
        raise StoreRefused("the claim signature is not valid") from exc
    # The check publication makes: a Safe (ERC-1271) claims as an ordinary account does.
    if not facts.signature_valid(signer=claimant, signable=encode_defunct(text=message), sign=sign):
        raise StoreRefused("the claim is not signed by the signed-in wallet")
    _owner_check(chain_id=chain_id, kind=kind, address=address, claimant=claimant)
    if into is not None and (into.owner != claimant or into.kind != kind):
        raise StoreRefused("a version can only be added to your own entry of the same kind")
    name, tee, registered = _asset_facts(chain_id=chain_id, kind=kind, address=address)
    try:
        with transaction.atomic():
            entry = into or Entry.objects.create(
                chain_id=chain_id,
                kind=kind,
                slug=_unique_slug(chain_id, name),
                display_name=name[:80],
                summary="",
                owner=claimant,
                tee=tee,
            )
            Version.objects.create(
                entry=entry,
                chain_id=chain_id,
                address=address,
                label=label[:40],
                registered_at=registered,
            )
            entry.search_document = _search_document(entry)
            entry.save(update_fields=["search_document", "updated_at"])
    except IntegrityError:
        raise StoreRefused(f"{kind} {address} is already in the store") from None
    return entry


def _asset_facts(*, chain_id: int, kind: str, address: str):
    """(name, TEE or not, registration time) from the index, or from the node for an asset
    created a block ago that the indexer has not stored yet."""
    asset = ASSETS[kind].objects.filter(chain_id=chain_id, address=address).first()
    if asset is not None:
        mrenclave = asset.mrenclave if isinstance(asset, App) else ""
        return asset.name, mrenclave not in ("", "0x"), asset.block.timestamp
    values = facts.chain_reader().many(asset_calls(kind, address))
    mrenclave = values[5] if kind == Entry.APP else ""
    return values[1], mrenclave not in ("", "0x"), timezone.now()


def logo_check(raw: bytes) -> str:
    """The content type of an acceptable logo; InputInvalid for anything else."""
    if len(raw) > LOGO_MAX_BYTES:
        raise InputInvalid(f"the logo is larger than {LOGO_MAX_BYTES // 1024} KB")
    too_large = InputInvalid(f"the logo must be at most {LOGO_MAX_SIDE} pixels on a side")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()
            kind, size = image.format, image.size
    except Image.DecompressionBombError as exc:  # a header claiming billions of pixels
        raise too_large from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputInvalid("the logo must be a PNG, JPEG or WebP image") from exc
    if kind not in LOGO_TYPES:
        raise InputInvalid("the logo must be a PNG, JPEG or WebP image")
    if max(size) > LOGO_MAX_SIDE:
        raise too_large
    return LOGO_TYPES[kind]


def _search_document(entry: Entry, tags: list[str] | None = None) -> str:
    if tags is None:
        tags = list(entry.tags.values_list("name", flat=True)) if entry.pk else []
    parts = [entry.display_name, entry.summary, markdown_text(entry.description), *tags]
    parts += [entry.author, entry.category]
    return "\n".join(p for p in parts if p)


def entry_text_refresh(entry: Entry, *, tags: list[str] | None = None):
    """Render the description and rebuild the search text (the caller saves)."""
    entry.description_html = markdown_render(entry.description)
    entry.search_document = _search_document(entry, tags)


def entry_update(*, entry: Entry, editor: str, values: dict, tags: list[str], logo: bytes | None):
    """Write an entry's store metadata; only its owner (on chain, re-read now) may."""
    newest = entry.versions.first()
    if newest is not None:
        _owner_check(
            chain_id=entry.chain_id, kind=entry.kind, address=newest.address, claimant=editor
        )
    if editor != entry.owner:
        raise StoreRefused(f"only the owner {entry.owner} can edit this entry")
    if len(tags) > MAX_TAGS:
        raise InputInvalid(f"at most {MAX_TAGS} tags")
    logo_type = logo_check(logo) if logo is not None else ""
    for field, value in values.items():
        setattr(entry, field, value)
    if logo is not None:
        entry.logo, entry.logo_type = logo, logo_type
    entry_text_refresh(entry, tags=tags)
    with transaction.atomic():
        entry.save()
        entry.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
    return entry


def entries_owner_refresh(*, chain_id: int, addresses: set[str]) -> int:
    """After registry transfers: an entry follows its newest version's owner; older versions
    owned by someone else leave it. The number of entries changed."""
    entries = Entry.objects.filter(chain_id=chain_id, versions__address__in=addresses).distinct()
    changed = 0
    for entry in entries:
        versions = list(entry.versions.all())
        owners = dict(
            ASSETS[entry.kind]
            .objects.filter(chain_id=chain_id, address__in=[v.address for v in versions])
            .values_list("address", "owner")
        )
        owner = owners.get(versions[0].address, entry.owner)
        strays = [v.pk for v in versions if owners.get(v.address, owner) != owner]
        if owner != entry.owner or strays:
            Version.objects.filter(pk__in=strays).delete()
            entry.owner = owner
            entry.save(update_fields=["owner", "updated_at"])
            changed += 1
    return changed


def _entries_follow_transfers(ctx: BatchContext, _prepared: None):
    moved = {address for kind, address, _event in ctx.changes.transfers if kind in ASSETS}
    if moved:
        entries_owner_refresh(chain_id=ctx.chain_id, addresses=moved)


# Indexer hook: registry transfers move entries to their assets' new owners (index rows only).
store_follow_chain = Hook(write=_entries_follow_transfers)


def stats_recompute(*, chain_id: int) -> int:
    """Usage (deals and tasks over 30 days of chain time, deals ever) and the cheapest open
    order of every entry, in a few grouped queries. The number of entries updated."""
    since = chain_now(chain_id=chain_id) - int(timedelta(days=30).total_seconds())
    versions = list(Version.objects.filter(chain_id=chain_id).values_list("entry_id", "address"))
    entry_of = {address: entry_id for entry_id, address in versions}
    totals: dict[int, dict[str, Any]] = {
        entry_id: {"deals_30d": 0, "tasks_30d": 0, "deals_total": 0, "min_price": None}
        for entry_id in set(entry_of.values())
    }
    for pointer in ("app_pointer", "dataset_pointer"):
        deals = Deal.objects.filter(chain_id=chain_id, **{f"{pointer}__in": list(entry_of)})
        for row in deals.values(pointer).annotate(n=Count("id")):
            totals[entry_of[row[pointer]]]["deals_total"] += row["n"]
        recent = deals.filter(start_time__gte=since).values(pointer)
        for row in recent.annotate(n=Count("id"), tasks=Sum("bot_size")):
            totals[entry_of[row[pointer]]]["deals_30d"] += row["n"]
            totals[entry_of[row[pointer]]]["tasks_30d"] += row["tasks"] or 0
    for field, kind in (("app", "apporder"), ("dataset", "datasetorder")):
        books = (
            Order.objects.filter(
                chain_id=chain_id, kind=kind, status=Order.OPEN, **{f"{field}__in": list(entry_of)}
            )
            .values(field)
            .annotate(best=Min("price"))
        )
        for row in books:
            current = totals[entry_of[row[field]]]
            if current["min_price"] is None or row["best"] < current["min_price"]:
                current["min_price"] = row["best"]
    now = timezone.now()
    entries = list(Entry.objects.filter(pk__in=totals))
    for entry in entries:
        for field, value in totals[entry.pk].items():
            setattr(entry, field, value)
        entry.stats_updated_at = now
    Entry.objects.bulk_update(
        entries,
        ["deals_30d", "tasks_30d", "deals_total", "min_price", "stats_updated_at"],
        batch_size=500,
    )
    return len(entries)


def descriptions_render(*, chain_id: int) -> int:
    """Render every description again (after a renderer change) and rebuild search text."""
    count = 0
    for entry in Entry.objects.filter(chain_id=chain_id).prefetch_related("tags").iterator():
        entry_text_refresh(entry, tags=[t.name for t in entry.tags.all()])
        entry.save(update_fields=["description_html", "search_document"])
        count += 1
    return count


def ownership_recheck(*, chain_id: int) -> int:
    """Re-read every entry's owner from the index (in case a hook ran before a transfer was
    indexed); the number of entries changed."""
    addresses = set(Version.objects.filter(chain_id=chain_id).values_list("address", flat=True))
    return entries_owner_refresh(chain_id=chain_id, addresses=addresses)
