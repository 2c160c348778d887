"""What the home page shows of the index: where the cursor is, how much is indexed, recent deals."""

from marketplace.models import Account, App, Dataset, Deal, IndexerCursor, Task, Workerpool


def index_status() -> dict:
    cursor = IndexerCursor.objects.order_by("-updated_at").first()
    scope = {"chain_id": cursor.chain_id} if cursor else {}
    counts = {
        "deals": Deal.objects.filter(**scope).count(),
        "tasks": Task.objects.filter(**scope).count(),
        "apps": App.objects.filter(**scope).count(),
        "datasets": Dataset.objects.filter(**scope).count(),
        "workerpools": Workerpool.objects.filter(**scope).count(),
        "accounts": Account.objects.filter(**scope).count(),
    }
    recent = (
        Deal.objects.filter(**scope)
        .select_related("block")
        .order_by("-block__number", "-log_index")
    )
    return {"cursor": cursor, "counts": counts, "recent_deals": recent[:10]}
