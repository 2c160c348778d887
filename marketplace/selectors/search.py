"""Finds what an address, a 32-byte id or a few words name: the page to show for it.

Called by marketplace.web.views_search. An address may be a pool, an app, a dataset or an account;
32 bytes may be a deal, a task or a transaction (then whatever its events were about).
"""

from contextlib import suppress
from dataclasses import dataclass

from django.db.models import Q

from marketplace.chain.parse import InputInvalid, address_parse, bytes32_parse
from marketplace.models import App, Dataset, Deal, RawEvent, Task, Workerpool

TEXT_RESULTS = 20


@dataclass
class Hit:
    kind: str  # pool, app, dataset, account, deal, task
    key: str
    label: str


def search(*, chain_id: int, query: str) -> list[Hit]:
    query = query.strip()
    with suppress(InputInvalid):
        return _address_hits(chain_id, address_parse("query", query))
    with suppress(InputInvalid):
        return _bytes32_hits(chain_id, bytes32_parse("query", query))
    if len(query) < 2:
        return []
    return _text_hits(chain_id, query)


def _address_hits(chain_id: int, address: str) -> list[Hit]:
    hits = []
    for kind, model in (("pool", Workerpool), ("app", App), ("dataset", Dataset)):
        if model.objects.filter(chain_id=chain_id, address=address).exists():
            hits.append(Hit(kind, address, f"{kind} {address}"))
    return hits or [Hit("account", address, f"account {address}")]


def _bytes32_hits(chain_id: int, value: str) -> list[Hit]:
    if Deal.objects.filter(chain_id=chain_id, dealid=value).exists():
        return [Hit("deal", value, f"deal {value}")]
    if Task.objects.filter(chain_id=chain_id, taskid=value).exists():
        return [Hit("task", value, f"task {value}")]
    refs = set(
        RawEvent.objects.filter(chain_id=chain_id, tx_hash=value)
        .exclude(ref="")
        .values_list("ref", flat=True)
    )
    hits = [Hit("deal", r, f"deal {r} (in transaction)") for r in _existing(Deal, "dealid", refs)]
    hits += [Hit("task", r, f"task {r} (in transaction)") for r in _existing(Task, "taskid", refs)]
    return hits


def _existing(model, field: str, values: set[str]) -> list[str]:
    return sorted(model.objects.filter(**{f"{field}__in": values}).values_list(field, flat=True))


def _text_hits(chain_id: int, text: str) -> list[Hit]:
    hits = [
        Hit("app", a.address, f"app {a.name}")
        for a in App.objects.filter(chain_id=chain_id, name__icontains=text)[:TEXT_RESULTS]
    ]
    hits += [
        Hit("dataset", d.address, f"dataset {d.name}")
        for d in Dataset.objects.filter(chain_id=chain_id, name__icontains=text)[:TEXT_RESULTS]
    ]
    pools = Workerpool.objects.filter(Q(description__icontains=text), chain_id=chain_id)
    hits += [Hit("pool", p.address, f"pool {p.description}") for p in pools[:TEXT_RESULTS]]
    return hits
