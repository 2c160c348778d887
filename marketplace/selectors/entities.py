"""Read queries over the indexed chain state.

Arguments are keyword-only and already normalised: addresses EIP-55 checksummed, bytes32 ids
lower-case 0x hex, task statuses as Task.STATUSES indices. Lists return lazy querysets ordered
for pagination, with the joins their serializers need so that a page costs a fixed number of
queries; `*_get` functions raise the model's DoesNotExist for an unknown id.
"""

from django.db.models import Prefetch, QuerySet

from marketplace.models import (
    Account,
    App,
    AssetTransfer,
    Category,
    Contribution,
    Dataset,
    Deal,
    IndexerCursor,
    Task,
    Workerpool,
)

# Newest first; the on-chain id breaks ties within a block so pages never overlap.
NEWEST_FIRST = "-block__number"


def indexed_chain_ids() -> list[int]:
    return list(IndexerCursor.objects.order_by("chain_id").values_list("chain_id", flat=True))


def categories_list(*, chain_id: int) -> QuerySet[Category]:
    return Category.objects.filter(chain_id=chain_id).select_related("block").order_by("catid")


def category_get(*, chain_id: int, catid: int) -> Category:
    return categories_list(chain_id=chain_id).get(catid=catid)


def _assets_list(model, *, chain_id: int, owner: str | None) -> QuerySet:
    assets = model.objects.filter(chain_id=chain_id).select_related("block")
    if owner is not None:
        assets = assets.filter(owner=owner)
    return assets.order_by(NEWEST_FIRST, "address")


def _asset_get(model, *, kind: str, chain_id: int, address: str):
    """The asset, with its registry transfers (mint first) in `.transfers`.

    AssetTransfer names its asset by address, not by foreign key, so a prefetch cannot load them.
    """
    asset = model.objects.select_related("block").get(chain_id=chain_id, address=address)
    asset.transfers = list(
        AssetTransfer.objects.filter(chain_id=chain_id, kind=kind, asset=address)
        .select_related("block")
        .order_by("block__number", "log_index")
    )
    return asset


def apps_list(*, chain_id: int, owner: str | None = None) -> QuerySet[App]:
    return _assets_list(App, chain_id=chain_id, owner=owner)


def app_get(*, chain_id: int, address: str) -> App:
    return _asset_get(App, kind=AssetTransfer.APP, chain_id=chain_id, address=address)


def datasets_list(*, chain_id: int, owner: str | None = None) -> QuerySet[Dataset]:
    return _assets_list(Dataset, chain_id=chain_id, owner=owner)


def dataset_get(*, chain_id: int, address: str) -> Dataset:
    return _asset_get(Dataset, kind=AssetTransfer.DATASET, chain_id=chain_id, address=address)


def workerpools_list(*, chain_id: int, owner: str | None = None) -> QuerySet[Workerpool]:
    return _assets_list(Workerpool, chain_id=chain_id, owner=owner)


def workerpool_get(*, chain_id: int, address: str) -> Workerpool:
    return _asset_get(Workerpool, kind=AssetTransfer.WORKERPOOL, chain_id=chain_id, address=address)


def deals_list(
    *,
    chain_id: int,
    requester: str | None = None,
    beneficiary: str | None = None,
    app: str | None = None,
    dataset: str | None = None,
    workerpool: str | None = None,
    category: int | None = None,
) -> QuerySet[Deal]:
    filters = {
        "requester": requester,
        "beneficiary": beneficiary,
        "app_pointer": app,
        "dataset_pointer": dataset,
        "workerpool_pointer": workerpool,
        "category": category,
    }
    return (
        Deal.objects.filter(chain_id=chain_id)
        .filter(**{name: value for name, value in filters.items() if value is not None})
        .select_related("block")
        .order_by(NEWEST_FIRST, "dealid")
    )


def deal_get(*, chain_id: int, dealid: str) -> Deal:
    """The deal, with its initialized tasks in `.tasks` by index."""
    return (
        Deal.objects.select_related("block")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.order_by("idx")))
        .get(chain_id=chain_id, dealid=dealid)
    )


def _tasks() -> QuerySet[Task]:
    # Contributions in the order the indexer stored them, which is the chain's log order.
    contributions = Contribution.objects.order_by("block__number", "id")
    return Task.objects.select_related("block", "deal").prefetch_related(
        Prefetch("contributions", queryset=contributions)
    )


def tasks_list(
    *, chain_id: int, dealid: str | None = None, status: int | None = None
) -> QuerySet[Task]:
    tasks = _tasks().filter(chain_id=chain_id)
    if dealid is not None:
        tasks = tasks.filter(deal__dealid=dealid)
    if status is not None:
        tasks = tasks.filter(status=status)
    return tasks.order_by(NEWEST_FIRST, "taskid")


def task_get(*, chain_id: int, taskid: str) -> Task:
    return _tasks().get(chain_id=chain_id, taskid=taskid)


def accounts_list(*, chain_id: int) -> QuerySet[Account]:
    return Account.objects.filter(chain_id=chain_id).order_by(NEWEST_FIRST, "address")


def account_get(*, chain_id: int, address: str) -> Account:
    return Account.objects.get(chain_id=chain_id, address=address)
