"""The cheapest set of open orders a request could be matched with right now, and its price.

Called by the quote page (marketplace.web.views_quote). Candidates come from the books' indexes
(best CANDIDATES of each kind); the compatibility rules are PoCo's matchOrders checks: each
order's restrictions admit the others, the pool offers enough trust in the category, and the
pool's tag covers every tag the app, dataset and request need.
"""

from dataclasses import dataclass

from django.db.models import Q

from marketplace.chain.protocol import ZERO_ADDRESS, tag_hex
from marketplace.refusal import Refusal
from orderbook.models import Order
from orderbook.selectors import open_orders, tag_split

CANDIDATES = 20
POOL_CANDIDATES = 60


class NoQuote(Refusal):
    """Nothing on the books can serve this request; the message says what is missing."""

    status = 409


@dataclass
class Quote:
    apporder: Order
    datasetorder: Order | None
    workerpoolorder: Order
    volume: int  # tasks available at this price, at most the volume asked for
    wanted: int
    trust: int
    tag_bits: int

    @property
    def unit_price(self) -> int:
        dataset = self.datasetorder.price if self.datasetorder else 0
        return self.apporder.price + dataset + self.workerpoolorder.price

    @property
    def total(self) -> int:
        return self.unit_price * self.volume

    @property
    def tag(self) -> str:
        return tag_hex(self.tag_bits)


def _admits(restriction: str, value: str) -> bool:
    return restriction in (ZERO_ADDRESS, value)


def _restricted(qs, field: str, value: str):
    return qs.filter(Q(**{field: ZERO_ADDRESS}) | Q(**{field: value}))


def quote_cheapest(
    *,
    chain_id: int,
    app: str,
    dataset: str = ZERO_ADDRESS,
    category: int,
    trust: int,
    tag_bits: int,
    volume: int,
    requester: str = ZERO_ADDRESS,
) -> Quote:
    app_rows = open_orders(chain_id=chain_id, kind="apporder").filter(app=app, remaining__gt=0)
    app_rows = _restricted(
        _restricted(app_rows, "requesterrestrict", requester), "datasetrestrict", dataset
    )
    apps = list(app_rows.order_by("price", "publication_timestamp")[:CANDIDATES])
    if not apps:
        raise NoQuote(f"no open order sells app {app}")
    datasets: list[Order | None] = [None]
    if dataset != ZERO_ADDRESS:
        rows = open_orders(chain_id=chain_id, kind="datasetorder").filter(
            dataset=dataset, remaining__gt=0
        )
        rows = _restricted(_restricted(rows, "requesterrestrict", requester), "apprestrict", app)
        datasets = list(rows.order_by("price", "publication_timestamp")[:CANDIDATES])
        if not datasets:
            raise NoQuote(f"no open order sells dataset {dataset} for this app")
    pool_rows = open_orders(chain_id=chain_id, kind="workerpoolorder").filter(
        category=category, remaining__gt=0, trust__gte=trust
    )
    pool_rows = _restricted(
        _restricted(pool_rows, "requesterrestrict", requester), "apprestrict", app
    )
    pool_rows = _restricted(pool_rows, "datasetrestrict", dataset)
    pools = list(pool_rows.order_by("price", "publication_timestamp")[:POOL_CANDIDATES])
    if not pools:
        raise NoQuote(f"no pool sells category {category} at trust {trust} or more")

    best = None
    for a in apps:
        for d in datasets:
            needed = tag_bits | a.tag_bits | (d.tag_bits if d else 0)
            for p in pools:
                if not _compatible(a, d, p, needed):
                    continue
                quote = Quote(
                    apporder=a,
                    datasetorder=d,
                    workerpoolorder=p,
                    volume=min(volume, a.remaining, p.remaining, *([d.remaining] if d else [])),
                    wanted=volume,
                    trust=trust,
                    tag_bits=tag_bits,
                )
                if best is None or quote.unit_price < best.unit_price:
                    best = quote
                break  # pools come cheapest first: the first compatible one is this pair's best
    if best is None:
        raise NoQuote("the orders on the books exclude each other (restrictions or tags)")
    return best


def _compatible(a: Order, d: Order | None, p: Order, needed: int) -> bool:
    if not _admits(a.workerpoolrestrict, p.workerpool):
        return False
    if d is not None and not _admits(d.workerpoolrestrict, p.workerpool):
        return False
    return (tag_split(p.tag)[0] & needed) == needed
