"""`python -m bench.store_fill fill ENTRIES VERSIONS_MAX DOMAIN_JSON`: fill the database of
DATABASE_URL with a store catalog; `python -m bench.store_fill time CHAIN_ID QUERIES_JSON
REPEATS`: time the catalog selector in this process. Run by bench.store_search.

Each entry hangs off App/Dataset rows (with their blocks) as the indexer stores them; its text
goes through the product's own dappstore.services.entry_text_refresh (rendered description,
search_document, and so PostgreSQL's generated tsvector); the open orders on its versions are
real signed rows (as bench.book_fill), and min_price is what dappstore's stats_recompute reads
off those books. Only the usage counters are written directly: they would need ~10^5 deals.
"""

import itertools
import json
import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from eth_keys import keys  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from dappstore import selectors  # noqa: E402
from dappstore.forms import CatalogForm  # noqa: E402
from dappstore.models import Entry, Tag, Version  # noqa: E402
from dappstore.services import RESERVED_SLUGS, entry_text_refresh, stats_recompute  # noqa: E402
from dappstore.views import PAGE  # noqa: E402
from marketplace.chain.protocol import NO_TAG, TEE_TAG  # noqa: E402
from marketplace.chain.protocol import ZERO_ADDRESS as ZERO  # noqa: E402
from marketplace.models import App, Block, Dataset  # noqa: E402
from marketplace.simulation.rows import block_row, hex32, signed_order_row  # noqa: E402
from orderbook.models import Order  # noqa: E402

BATCH = 1000
OWNERS = 1500  # developers; each has a handful of entries, well under the 50 orders limit
ASSETS_PER_BLOCK = 8

# What the catalog is about: each entry has one topic, its words and most of its tags.
TOPICS = {
    "image": ("vision", "image", "ocr", "ai"),
    "photo": ("vision", "image", "ai"),
    "video": ("video", "transcoding", "compression"),
    "audio": ("audio", "speech", "ai"),
    "speech": ("speech", "audio", "translation", "nlp"),
    "language": ("nlp", "translation", "ai", "ml"),
    "genomics": ("genomics", "health", "data", "privacy"),
    "medical": ("health", "medical", "privacy", "ml"),
    "finance": ("finance", "defi", "pricing", "trading"),
    "trading": ("trading", "defi", "oracle", "analytics"),
    "weather": ("weather", "climate", "geospatial", "dataset"),
    "satellite": ("satellite", "geospatial", "image", "climate"),
    "rendering": ("rendering", "3d", "blender", "gaming"),
    "sensor": ("iot", "analytics", "dataset", "statistics"),
    "chemistry": ("chemistry", "simulation", "benchmark"),
    "encryption": ("encryption", "privacy", "zk", "tee"),
    "market": ("analytics", "scraping", "statistics", "data"),
    "model": ("ml", "ai", "federated-learning", "benchmark"),
}
TAGS = sorted(
    {t for tags in TOPICS.values() for t in tags}
    | {"python", "rust", "nodejs", "sgx", "gramine", "scone", "gpu", "research"}
)
ADJECTIVES = [
    "fast", "secure", "private", "tiny", "smart", "open", "deep", "quick", "robust", "clean",
    "bright", "swift", "lean", "exact", "fair", "light", "clear", "sharp", "silent", "steady"
]  # fmt: skip
NOUNS = [
    "lens", "forge", "pipe", "vault", "beacon", "engine", "lab", "studio", "scope", "mint", "grid",
    "hub", "kit", "box", "flow", "works", "core", "loom", "sieve", "prism"
]  # fmt: skip
TOPIC_WORDS = {
    "image": "pixels denoising segmentation classifier upscaling thumbnails detection",
    "photo": "photographs exposure retouching portraits landscapes night noise",
    "video": "frames codec streaming subtitles keyframes bitrate encoding",
    "audio": "waveform spectrogram podcast music mixing loudness samples",
    "speech": "transcription dictation voices accents captions recognition",
    "language": "translation sentiment summarisation tokens corpus grammar",
    "genomics": "genome sequencing variants alignment reads mutations dna",
    "medical": "patients imaging diagnosis radiology scans clinical records",
    "finance": "portfolio risk pricing volatility bonds options ledger",
    "trading": "orderbook arbitrage signals backtesting candles liquidity",
    "weather": "forecast rainfall temperature storms humidity stations wind",
    "satellite": "orbit imagery multispectral cloud coverage terrain maps",
    "rendering": "raytracing scenes meshes shaders textures animation frames",
    "sensor": "telemetry readings devices gateways anomalies timeseries",
    "chemistry": "molecules docking proteins reactions solvents compounds",
    "encryption": "keys ciphertext enclaves attestation secrets confidential",
    "market": "prices scraping listings retailers trends indices",
    "model": "training inference weights federated gradients accuracy",
}
COMMON = [
    "data", "results", "input", "output", "task", "worker", "pool", "deal", "run", "job", "file",
    "files", "batch", "request", "order", "price", "cost", "time", "hours", "minutes", "quality",
    "format", "archive", "json", "csv", "parquet", "image", "container", "docker", "enclave",
    "secure", "private", "public", "simple", "quick", "reliable", "scalable", "every", "each",
    "user", "users", "developer", "teams", "research", "production", "benchmark", "dataset", "app",
    "compute", "results", "storage", "ipfs", "upload", "download", "script", "parameters",
    "arguments", "options", "accuracy", "performance", "memory", "throughput", "latency", "cheap",
    "free", "paid", "license", "version", "update", "support", "documentation", "example",
    "examples", "tutorial", "guide", "step", "steps"
]  # fmt: skip
VERBS = [
    "processes", "computes", "returns", "reads", "writes", "trains", "scores", "filters",
    "converts", "encrypts", "detects", "extracts", "ranks", "merges", "splits", "validates",
    "renders", "cleans"
]  # fmt: skip
LICENSES = ["MIT", "Apache-2.0", "GPL-3.0", "BSD-3-Clause", "proprietary", ""]


def _vocabulary() -> list[str]:
    """Words by rank: the common words spread over the first thousand ranks, made-up words
    (three syllables) everywhere else, so that a text has the long tail of real ones."""
    syllables = [
        "ka", "lo", "mi", "ne", "ru", "ta", "ve", "so", "pi", "du", "ga", "re", "zo", "fa", "li"
    ]  # fmt: skip
    made_up = ["".join(t) for t in itertools.product(syllables, repeat=3)]
    random.Random(7).shuffle(made_up)
    ranks = {round(i**1.4): word for i, word in enumerate(COMMON)}
    words = []
    while made_up:
        words.append(ranks.pop(len(words), None) or made_up.pop())
    return words


VOCABULARY = _vocabulary()


def _zipf_choice(rng: random.Random) -> str:
    # Zipf's law: the frequency of a word goes as 1/rank (rank log-uniform over the list).
    return VOCABULARY[int(len(VOCABULARY) ** rng.random()) - 1]


def _sentence(rng: random.Random, topic: str) -> str:
    local = TOPIC_WORDS[topic].split()
    words = [_zipf_choice(rng) for _ in range(rng.randint(6, 14))]
    words.insert(rng.randrange(len(words)), rng.choice(VERBS))
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randrange(len(words)), rng.choice(local))
    return " ".join(words).capitalize() + "."


def _description(rng: random.Random, topic: str, name: str, tags: list[str]) -> str:
    """Markdown of a few hundred words: headings, paragraphs, a list, a code block, a link."""
    paragraphs = [
        " ".join(_sentence(rng, topic) for _ in range(rng.randint(3, 6)))
        for _ in range(rng.randint(3, 5))
    ]
    bullets = "\n".join(f"- **{rng.choice(VERBS)}** {_sentence(rng, topic)}" for _ in range(4))
    return (
        f"# {name}\n\n{paragraphs[0]}\n\n## Features\n\n{bullets}\n\n## Usage\n\n"
        f'{paragraphs[1]}\n\n```sh\niexec app run {slugify(name)} --args "--{tags[0]}"\n```\n\n'
        + "\n\n".join(paragraphs[2:])
        + f"\n\nSee the [documentation](https://docs.example.com/{slugify(name)}).\n"
    )


def _address(kind: str, number: int) -> str:
    return to_checksum_address(keccak(f"bench-store-{kind}-{number}".encode())[-20:])


def _owner_key(number: int) -> bytes:
    return keccak(f"bench-store-owner-{number}".encode())


def _blocks(chain_id: int, count: int, now) -> list[Block]:
    # Two years of blocks; the newest is now, the clock stats_recompute counts 30 days from.
    step = timedelta(days=730) / count
    rows = [
        block_row(chain_id=chain_id, number=n + 1, timestamp=now - step * (count - 1 - n))
        for n in range(count)
    ]
    return Block.objects.bulk_create(rows, batch_size=BATCH)


def _order(*, kind, asset, key, number, price, tee, domain, now) -> Order:
    tag = TEE_TAG if tee else NO_TAG
    salt = hex32(f"bench-store-salt-{kind}-{number}")
    common = {"volume": str(1 + number % 20), "tag": tag, "salt": salt}
    restrict = {"workerpoolrestrict": ZERO, "requesterrestrict": ZERO}
    if kind == "apporder":
        raw = {"app": asset, "appprice": str(price), "datasetrestrict": ZERO, **restrict}
    else:
        raw = {"dataset": asset, "datasetprice": str(price), "apprestrict": ZERO, **restrict}
    raw.update(common)
    published_at = now - timedelta(minutes=number)
    return signed_order_row(kind=kind, raw=raw, key=key, domain=domain, published_at=published_at)


def fill(entries: int, versions_max: int, domain: dict):
    rng = random.Random(20261203)
    chain_id = domain["chainId"]
    now = timezone.now()
    keys_ = [keys.PrivateKey(_owner_key(n)) for n in range(OWNERS)]
    owners = [k.public_key.to_checksum_address() for k in keys_]
    tags = {t.name: t for t in Tag.objects.bulk_create([Tag(name=n) for n in TAGS])}
    plan = []  # per entry: kind, owner number, topic, TEE, how many versions
    for _ in range(entries):
        kind = Entry.APP if rng.random() < 0.7 else Entry.DATASET
        tee = kind == Entry.APP and rng.random() < 0.2
        plan.append((kind, rng.randrange(OWNERS), rng.choice(list(TOPICS)), tee,
                     rng.randint(1, versions_max)))  # fmt: skip
    blocks = _blocks(chain_id, sum(p[4] for p in plan) // ASSETS_PER_BLOCK + 1, now)

    # The on-chain assets, as the indexer stores them (oldest block first).
    assets, flat, number = {Entry.APP: [], Entry.DATASET: []}, [], 0
    for kind, owner, _topic, tee, count in plan:
        for _ in range(count):
            address = _address(kind, number)
            block = blocks[number // ASSETS_PER_BLOCK]
            common = {"chain_id": chain_id, "block": block, "address": address,
                      "owner": owners[owner], "name": f"asset-{number}",
                      "multiaddr": f"ipfs://bench{number}", "checksum": "0x" + "ab" * 32,
                      "tx_hash": "0x" + keccak(b"t%d" % number).hex()}  # fmt: skip
            if kind == Entry.APP:
                enclave = json.dumps({"framework": "SCONE", "version": "v5"}) if tee else ""
                assets[kind].append(App(type="DOCKER", mrenclave=enclave, **common))
            else:
                assets[kind].append(Dataset(**common))
            flat.append(assets[kind][-1])
            number += 1
    App.objects.bulk_create(assets[Entry.APP], batch_size=BATCH)
    Dataset.objects.bulk_create(assets[Entry.DATASET], batch_size=BATCH)

    # The entries, their text made by the product's own service.
    rows, entry_tags, slugs = [], [], set()
    for n, (kind, owner, topic, tee, _count) in enumerate(plan):
        name = f"{rng.choice(ADJECTIVES).capitalize()} {topic} {rng.choice(NOUNS)}"
        if rng.random() < 0.3:
            name += f" {rng.choice(['pro', 'lite', 'v2', 'cloud', 'tee', 'plus'])}"
        base, suffix = slugify(name)[:60], 1
        slug = base
        while slug in slugs or slug in RESERVED_SLUGS:
            suffix += 1
            slug = f"{base}-{suffix}"
        slugs.add(slug)
        names = list(dict.fromkeys(
            rng.sample(TOPICS[topic], rng.randint(1, 3)) + rng.sample(TAGS, rng.randint(0, 2))
        ))[:5]  # fmt: skip
        entry = Entry(
            chain_id=chain_id, kind=kind, slug=slug, display_name=name, owner=owners[owner],
            summary=_sentence(rng, topic)[:200],
            description=_description(rng, topic, name, names),
            category=topic, license=rng.choice(LICENSES), author=f"developer-{owner}",
            source_url=f"https://git.example.com/dev{owner}/{slug}",
            tee=tee, featured=n % 800 == 0, hidden=rng.random() < 0.02,
        )  # fmt: skip
        entry_text_refresh(entry, tags=names)
        rows.append(entry)
        entry_tags.append(names)
    Entry.objects.bulk_create(rows, batch_size=BATCH)
    through = Entry.tags.through
    links = [(e.pk, tags[t].pk) for e, names in zip(rows, entry_tags, strict=True) for t in names]
    through.objects.bulk_create(
        [through(entry_id=e, tag_id=t) for e, t in links], batch_size=BATCH * 5
    )

    versions, orders, number, order_number = [], [], 0, 0
    for entry, (kind, owner, _topic, tee, count) in zip(rows, plan, strict=True):
        on_sale = rng.random() < 0.4  # about 40 % of the entries have open orders
        free = rng.random() < 0.25
        for v in range(count):
            asset = flat[number]
            versions.append(
                Version(
                    entry=entry,
                    chain_id=chain_id,
                    address=asset.address,
                    label=f"v{v + 1}",
                    registered_at=asset.block.timestamp,
                )
            )
            if on_sale and (v == count - 1 or rng.random() < 0.3):
                price = 0 if free else rng.choice([1, 5, 10, 50, 100, 500]) * 10**7
                orders.append(_order(
                    kind="apporder" if kind == Entry.APP else "datasetorder",
                    asset=asset.address, key=keys_[owner],
                    number=order_number, price=price, tee=tee, domain=domain, now=now,
                ))  # fmt: skip
                order_number += 1
            number += 1
    Version.objects.bulk_create(versions, batch_size=BATCH)
    Order.objects.bulk_create(orders, batch_size=BATCH)
    stats_recompute(chain_id=chain_id)  # min_price from the books, as the periodic job does
    # auto_now_add stamped them all now: spread them over the two years instead. Usage goes
    # straight in (stats_recompute would count it from ~10^5 deals): long-tailed, as deals
    # are, a few entries running most of them.
    for entry in rows:
        entry.created_at = now - timedelta(minutes=rng.randrange(730 * 24 * 60))
        entry.deals_total = min(int(rng.paretovariate(0.9)) - 1, 100_000)
        entry.deals_30d = rng.randint(0, entry.deals_total)
        entry.tasks_30d = entry.deals_30d * rng.randint(1, 4)
    usage = ["created_at", "deals_total", "deals_30d", "tasks_30d"]
    Entry.objects.bulk_update(rows, usage, batch_size=BATCH)
    with connection.cursor() as cursor:
        # The filler wrote each row thrice; a live table's autovacuum keeps it compact
        # and analyzed (within a minute at this size): measure that steady state.
        cursor.execute("VACUUM FULL ANALYZE")
    print(json.dumps({"entries": Entry.objects.count(), "versions": len(versions),
                      "orders": len(orders), "tags": len(TAGS)}))  # fmt: skip


def _catalog_query(params: dict) -> selectors.CatalogQuery:
    return CatalogForm(params or None).catalog_query()


def _search_once(chain_id: int, query: selectors.CatalogQuery) -> tuple[float, int]:
    """What the catalog page asks of the selector: the count and the first page, tags and all."""
    started = time.perf_counter()
    page = Paginator(selectors.catalog(chain_id=chain_id, query=query), PAGE).get_page(1)
    entries = list(page.object_list)
    for entry in entries:
        entry.tags.all()  # prefetched: no query, but part of what the page shows
    return (time.perf_counter() - started) * 1000, page.paginator.count


def timing(chain_id: int, queries: list[dict], repeats: int):
    """Each query `repeats` times, round-robin (after one warm-up round): its times in ms."""
    catalog_queries = [_catalog_query(params) for params in queries]
    counts = [_search_once(chain_id, q)[1] for q in catalog_queries]
    samples = [[] for _ in queries]
    for _ in range(repeats):
        for number, query in enumerate(catalog_queries):
            samples[number].append(_search_once(chain_id, query)[0])
    print(json.dumps([{"count": c, "ms": s} for c, s in zip(counts, samples, strict=True)]))


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]))
    else:
        timing(int(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4]))
