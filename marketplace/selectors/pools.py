"""Reads for the pool and worker pages: what a pool served, how well, who worked for it, and what
a worker contributed, earned and lost across pools.

Called by marketplace.web.views_pools and views_workers. Aggregates run in the database over
indexed columns (deal pointers, contribution workers, event accounts).
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from marketplace.chain.protocol import ZERO_ADDRESS
from marketplace.models import (
    Account,
    Block,
    Contribution,
    Deal,
    RawEvent,
    Task,
    Workerpool,
    WorkerpoolProfile,
)
from orderbook.models import Order


@dataclass
class TaskOutcomes:
    completed: int
    failed: int
    running: int
    timed_out: int  # running, past the final deadline: claimable (the SDK shows TIMEOUT)

    @property
    def finished(self) -> int:
        return self.completed + self.failed + self.timed_out

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.finished if self.finished else None

    @property
    def failure_rate(self) -> float | None:
        return (self.failed + self.timed_out) / self.finished if self.finished else None


def chain_now(*, chain_id: int) -> int:
    """The chain's clock as far as the index knows it: the newest stored block's time. (A local
    chain's clock runs ahead of the wall clock once evm_increaseTime has moved it.)"""
    block = Block.objects.filter(chain_id=chain_id).order_by("-number").only("timestamp").first()
    return int(block.timestamp.timestamp()) if block else 0


def pools_list(*, chain_id: int) -> QuerySet[Workerpool]:
    """Pools, newest first, each with whether it has open orders on the book."""
    open_orders = Order.objects.filter(
        chain_id=chain_id, kind="workerpoolorder", status=Order.OPEN, workerpool=OuterRef("address")
    )
    return (
        Workerpool.objects.filter(chain_id=chain_id)
        .annotate(has_open=Exists(open_orders))
        .order_by("-block_id", "address")
    )


def deals_served(*, chain_id: int, addresses: list[str]) -> dict[str, int]:
    rows = (
        Deal.objects.filter(chain_id=chain_id, workerpool_pointer__in=addresses)
        .values("workerpool_pointer")
        .annotate(n=Count("id"))
    )
    return {r["workerpool_pointer"]: r["n"] for r in rows}


def profiles(*, chain_id: int, addresses: list[str]) -> dict[str, WorkerpoolProfile]:
    return {
        p.address: p
        for p in WorkerpoolProfile.objects.filter(chain_id=chain_id, address__in=addresses)
    }


def pool_access(*, chain_id: int, address: str) -> dict:
    """Public or private: a pool is private when its orders are all restricted to requesters
    (judged by its open orders, else by the orders of its deals)."""
    orders = Order.objects.filter(chain_id=chain_id, kind="workerpoolorder", workerpool=address)
    open_ones = orders.filter(status=Order.OPEN)
    sample = open_ones if open_ones.exists() else orders
    requesters = set(sample.values_list("requesterrestrict", flat=True)[:200])
    if not requesters:
        return {"known": False, "private": False, "customers": []}
    return {
        "known": True,
        "private": ZERO_ADDRESS not in requesters,
        "customers": sorted(requesters - {ZERO_ADDRESS}),
    }


def task_outcomes(*, tasks: QuerySet[Task], now: int) -> TaskOutcomes:
    counts = tasks.aggregate(
        completed=Count("id", filter=Q(status=Task.COMPLETED)),
        failed=Count("id", filter=Q(status=Task.FAILED)),
        running=Count(
            "id",
            filter=Q(status__in=[Task.ACTIVE, Task.REVEALING, Task.UNSET], final_deadline__gt=now),
        ),
        timed_out=Count(
            "id",
            filter=Q(status__in=[Task.ACTIVE, Task.REVEALING, Task.UNSET], final_deadline__lte=now),
        ),
    )
    return TaskOutcomes(**counts)


def pool_tasks(*, chain_id: int, address: str) -> QuerySet[Task]:
    return Task.objects.filter(chain_id=chain_id, deal__workerpool_pointer=address)


def pool_workers(*, chain_id: int, address: str) -> list[dict]:
    """Workers who contributed to this pool's tasks: how often, how often the hub judged them
    accurate or faulty (what moves the score), and their score."""
    pool_tasks = Task.objects.filter(chain_id=chain_id, deal__workerpool_pointer=address)
    # Plain dicts: the score and the verdicts are added below.
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in Contribution.objects.filter(chain_id=chain_id, task__in=pool_tasks)
        .values("worker")
        .annotate(contributions=Count("id"))
        .order_by("-contributions", "worker")[:200]
    ]
    verdicts = (
        RawEvent.objects.filter(
            chain_id=chain_id,
            name__in=["AccurateContribution", "FaultyContribution"],
            account__in=[r["worker"] for r in rows],
            ref__in=pool_tasks.values("taskid"),
        )
        .values("account", "name")
        .annotate(n=Count("id"))
    )
    judged = {(v["account"], v["name"]): v["n"] for v in verdicts}
    scores = dict(
        Account.objects.filter(
            chain_id=chain_id, address__in=[r["worker"] for r in rows]
        ).values_list("address", "score")
    )
    for row in rows:
        row["score"] = scores.get(row["worker"], 0)
        row["accurate"] = judged.get((row["worker"], "AccurateContribution"), 0)
        row["faulty"] = judged.get((row["worker"], "FaultyContribution"), 0)
    return rows


def worker_summary(*, chain_id: int, address: str) -> dict:
    """A worker's contributions by status, nRLC rewarded and seized, and the pools it served."""
    contributions = Contribution.objects.filter(chain_id=chain_id, worker=address)
    by_status = dict(
        contributions.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    money = dict(
        RawEvent.objects.filter(chain_id=chain_id, account=address, name__in=["Reward", "Seize"])
        .values("name")
        .annotate(total=Sum("amount"))
        .values_list("name", "total")
    )
    verdicts = dict(
        RawEvent.objects.filter(
            chain_id=chain_id,
            account=address,
            name__in=["AccurateContribution", "FaultyContribution"],
        )
        .values("name")
        .annotate(n=Count("id"))
        .values_list("name", "n")
    )
    pools = list(
        contributions.values("task__deal__workerpool_pointer")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("task__deal__workerpool_pointer", "n")
    )
    return {
        "contributed": by_status.get(Contribution.CONTRIBUTED, 0),
        "proved": by_status.get(Contribution.PROVED, 0),
        "rejected": by_status.get(Contribution.REJECTED, 0),
        "total": sum(by_status.values()),
        "accurate": verdicts.get("AccurateContribution", 0),
        "faulty": verdicts.get("FaultyContribution", 0),
        "rewarded": money.get("Reward") or 0,
        "seized": money.get("Seize") or 0,
        "pools": pools,
    }


def worker_contributions(*, chain_id: int, address: str) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(chain_id=chain_id, worker=address)
        .select_related("task", "task__deal", "block")
        .order_by("-block_id", "-id")
    )


def account_ledger(*, chain_id: int, address: str) -> QuerySet[RawEvent]:
    """Rewards, seizures, locks and unlocks of an account, newest first."""
    return (
        RawEvent.objects.filter(
            chain_id=chain_id, account=address, name__in=["Reward", "Seize", "Lock", "Unlock"]
        )
        .select_related("block")
        .order_by("-block_id", "-log_index")
    )
