"""What the pages and APIs tell of the index: where the cursor is, and whether it is stale.

`index_staleness` is the one answer to "can the data shown be trusted to be current?": the API
headers (marketplace.index_headers), /metrics, /api/v1/status and the pages' banner all use it,
and publication checks (orderbook.facts) ask it, with a stricter bound, whether the index may
stand in for the node.
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from marketplace.models import IndexerCursor

# Every API response asks; a cursor read this recently is good enough (one query per interval).
CACHE_SECONDS = 0.5
_cache: dict[int | None, tuple[float, "IndexStaleness"]] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class IndexStaleness:
    chain_id: int | None
    last_block: int | None  # the cursor: every block up to it is indexed
    head: int | None  # the node's head as the indexer last saw it
    checked_at: datetime | None  # when the indexer last stored a range or confirmed the head
    age_seconds: float | None

    def current(self, *, seconds: float, blocks: int) -> bool:
        """The indexer checked the head less than `seconds` ago and is at most `blocks` behind
        it (beyond the confirmations it keeps back)."""
        if self.age_seconds is None or self.lag_blocks is None:
            return False
        return (
            self.age_seconds <= seconds and self.lag_blocks <= settings.CHAIN_CONFIRMATIONS + blocks
        )

    @property
    def stale(self) -> bool:
        return not self.current(
            seconds=settings.INDEX_STALE_SECONDS, blocks=settings.INDEX_STALE_BLOCKS
        )

    @property
    def lag_blocks(self) -> int | None:
        if self.head is None or self.last_block is None:
            return None
        return max(0, self.head - self.last_block)

    def as_json(self) -> dict:
        return {
            "chainId": self.chain_id,
            "lastBlock": self.last_block,
            "head": self.head,
            "lag": self.lag_blocks,
            "checkedAt": self.checked_at.isoformat() if self.checked_at else None,
            "age": None if self.age_seconds is None else round(self.age_seconds, 1),
            "stale": self.stale,
        }


def _read(chain_id: int | None) -> IndexStaleness:
    cursors = IndexerCursor.objects.only("chain_id", "block_number", "head_number", "updated_at")
    cursor = (
        cursors.filter(chain_id=chain_id).first()
        if chain_id is not None
        else cursors.order_by("-updated_at").first()
    )
    if cursor is None:
        return IndexStaleness(chain_id, None, None, None, None)
    return IndexStaleness(
        chain_id=cursor.chain_id,
        last_block=cursor.block_number,
        head=cursor.head_number,
        checked_at=cursor.updated_at,
        age_seconds=max(0.0, (timezone.now() - cursor.updated_at).total_seconds()),
    )


def index_staleness(*, chain_id: int | None = None) -> IndexStaleness:
    """The index of `chain_id` (default: the chain indexed most recently), at most
    CACHE_SECONDS old. Stale: nothing indexed, the indexer has not checked the node's head for
    INDEX_STALE_SECONDS (node or indexer down), or it is more than INDEX_STALE_BLOCKS behind."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(chain_id)
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    fresh = _read(chain_id)
    with _cache_lock:
        _cache[chain_id] = (now, fresh)
    return fresh
