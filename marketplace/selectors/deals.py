"""Reads for the deal and task pages: a deal with its orders, costs, deadline and task progress,
and a task's timeline from its events.

Called by marketplace.web.views_deals. A task is shown as TIMEOUT when it is unfinished past its
final deadline, as the iExec SDK shows it; it can then be claimed.
"""

from dataclasses import dataclass, field

from marketplace.chain.ids import taskid_of
from marketplace.chain.parse import InputInvalid, json_parse
from marketplace.indexer.stored import stored_event_decode
from marketplace.models import Category, Deal, RawEvent, Task
from marketplace.selectors.pools import chain_now
from orderbook.models import Order

FINAL_DEADLINE_RATIO = 10  # PoCo: a task's final deadline is start + 10 x category time
UNFINISHED = {Task.UNSET, Task.ACTIVE, Task.REVEALING}


@dataclass
class TaskSlot:
    """One of a deal's tasks, initialized on chain or not yet."""

    idx: int
    taskid: str
    task: Task | None
    timed_out: bool

    @property
    def status(self) -> str:
        if self.timed_out:
            return "TIMEOUT"
        return self.task.status_name if self.task else "UNSET"


@dataclass
class DealView:
    deal: Deal
    category: Category | None
    final_deadline: int
    now: int
    slots: list[TaskSlot]
    orders: dict[str, Order | None]
    progress: dict[str, int] = field(default_factory=dict)

    @property
    def unit_price(self) -> int:
        return self.deal.app_price + self.deal.dataset_price + self.deal.workerpool_price

    @property
    def total_price(self) -> int:
        return self.unit_price * self.deal.bot_size

    @property
    def claimable(self) -> list[TaskSlot]:
        return [s for s in self.slots if s.timed_out]

    @property
    def claimable_uninitialized(self) -> list[int]:
        return [s.idx for s in self.claimable if s.task is None]

    @property
    def claimable_initialized(self) -> list[int]:
        return [s.idx for s in self.claimable if s.task is not None]


def deal_view(*, chain_id: int, deal: Deal) -> DealView:
    category = Category.objects.filter(chain_id=chain_id, catid=deal.category).first()
    reference = category.work_clock_time_ref if category else 0
    final_deadline = deal.start_time + FINAL_DEADLINE_RATIO * reference
    now = chain_now(chain_id=chain_id)
    tasks = {t.idx: t for t in deal.tasks.all()}
    slots = []
    for idx in range(deal.bot_first, deal.bot_first + deal.bot_size):
        task = tasks.get(idx)
        unfinished = task is None or task.status in UNFINISHED
        deadline = task.final_deadline if task else final_deadline
        slots.append(
            TaskSlot(
                idx=idx,
                taskid="0x" + taskid_of(bytes.fromhex(deal.dealid[2:]), idx).hex(),
                task=task,
                timed_out=unfinished and bool(reference) and now >= deadline,
            )
        )
    hashes = {
        "apporder": deal.app_hash,
        "datasetorder": deal.dataset_hash,
        "workerpoolorder": deal.workerpool_hash,
        "requestorder": deal.request_hash,
    }
    known = {
        o.order_hash: o
        for o in Order.objects.filter(chain_id=chain_id, order_hash__in=hashes.values())
    }
    progress: dict[str, int] = {}
    for slot in slots:
        progress[slot.status] = progress.get(slot.status, 0) + 1
    return DealView(
        deal=deal,
        category=category,
        final_deadline=final_deadline,
        now=now,
        slots=slots,
        orders={kind: known.get(h) for kind, h in hashes.items()},
        progress=progress,
    )


@dataclass
class Step:
    name: str
    args: dict
    block_number: int
    timestamp: object
    tx_hash: str

    @property
    def tone(self) -> str:
        if self.name in ("FaultyContribution", "Seize", "TaskClaimed"):
            return "bad"
        if self.name in ("TaskFinalize", "AccurateContribution", "Reward"):
            return "ok"
        return ""


def task_timeline(*, chain_id: int, taskid: str) -> list[Step]:
    rows = (
        RawEvent.objects.filter(chain_id=chain_id, ref=taskid)
        .select_related("block")
        .order_by("block__number", "log_index")
    )
    steps = []
    for row in rows:
        event = stored_event_decode(row)
        steps.append(
            Step(
                name=event.name,
                args=event.args,
                block_number=row.block.number,
                timestamp=row.block.timestamp,
                tx_hash=row.tx_hash,
            )
        )
    return steps


def task_results(task: Task) -> dict | str | None:
    """The results a task was finalized with: JSON when they are, else the raw hex."""
    if not task.results or task.results == "0x":
        return None
    raw = bytes.fromhex(task.results[2:])
    try:
        return json_parse("results", raw.decode())
    except (UnicodeDecodeError, InputInvalid):
        return task.results
