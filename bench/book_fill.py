"""`python -m bench.book_fill ORDERS DOMAIN_JSON`: fill the database of DATABASE_URL with open
orders, as many of each kind, each row exactly what a publication writes (order_parse,
order_columns, the EIP-712 hash, a real signature). Run by bench.reads in its own process."""

import json
import os
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from eth_keys import keys  # noqa: E402

from bench.book import PER_ASSET, asset_address, assets_per_kind, owner_key  # noqa: E402
from marketplace.chain.protocol import NO_TAG, ORDER_KINDS, TEE_TAG  # noqa: E402
from marketplace.chain.protocol import ZERO_ADDRESS as ZERO  # noqa: E402
from marketplace.simulation.rows import hex32, signed_order_row  # noqa: E402
from orderbook.models import Order  # noqa: E402

BATCH = 2000


def _raw_order(kind: str, asset: str, owner: str, number: int, salt: str) -> dict:
    # Prices vary so that the book's sort has work to do; a few orders carry the TEE bit.
    price = str((number * 7919) % 1000)
    tag = TEE_TAG if number % 5 == 0 else NO_TAG
    common = {"volume": str(1 + number % 10), "tag": tag, "salt": salt}
    if kind == "apporder":
        return {"app": asset, "appprice": price, "datasetrestrict": ZERO,
                "workerpoolrestrict": ZERO, "requesterrestrict": ZERO, **common}  # fmt: skip
    if kind == "datasetorder":
        return {"dataset": asset, "datasetprice": price, "apprestrict": ZERO,
                "workerpoolrestrict": ZERO, "requesterrestrict": ZERO, **common}  # fmt: skip
    if kind == "workerpoolorder":
        return {"workerpool": asset, "workerpoolprice": price, "category": str(number % 5),
                "trust": "1", "apprestrict": ZERO, "datasetrestrict": ZERO,
                "requesterrestrict": ZERO, **common}  # fmt: skip
    return {"app": asset_address("apporder", number % 50), "appmaxprice": price,
            "dataset": ZERO, "datasetmaxprice": "0", "workerpool": ZERO,
            "workerpoolmaxprice": price, "requester": owner, "category": str(number % 5),
            "trust": "1", "beneficiary": owner, "callback": ZERO,
            "params": json.dumps({"iexec_args": f"bench {number}"}), **common}  # fmt: skip


def _rows(kind: str, asset_number: int, domain: dict, now) -> list[Order]:
    key = keys.PrivateKey(owner_key(kind, asset_number))
    owner = key.public_key.to_checksum_address()
    asset = asset_address(kind, asset_number)
    rows = []
    for n in range(PER_ASSET):
        number = asset_number * PER_ASSET + n
        raw = _raw_order(kind, asset, owner, number, hex32(f"bench-book-salt-{kind}-{number}"))
        published_at = now - timedelta(seconds=number)
        rows.append(
            signed_order_row(kind=kind, raw=raw, key=key, domain=domain, published_at=published_at)
        )
    return rows


def main(orders: int, domain: dict):
    now = timezone.now()
    pending = []
    for kind in ORDER_KINDS:
        for asset_number in range(assets_per_kind(orders)):
            pending += _rows(kind, asset_number, domain, now)
            if len(pending) >= BATCH:
                Order.objects.bulk_create(pending)
                pending = []
    Order.objects.bulk_create(pending)
    # A live database's autovacuum analyzes a table this size within a minute; without the
    # statistics the planner picks the wrong index. Measure the steady state.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orderbook_order")
    print(Order.objects.filter(status=Order.OPEN).count())


if __name__ == "__main__":
    main(int(sys.argv[1]), json.loads(sys.argv[2]))
