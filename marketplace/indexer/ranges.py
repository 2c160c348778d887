"""How long the indexer's block ranges are: a pure rule, shared with the benchmarks' baseline
(which walks a chain in the very ranges the indexer would)."""

# Ranges adapt so that one holds about this many events: memory stays flat however busy the
# chain is, and quiet stretches are crossed in few round trips.
TARGET_EVENTS = 4000
FIRST_RANGE_BLOCKS = 100


def first_range_blocks(*, maximum: int) -> int:
    return min(FIRST_RANGE_BLOCKS, maximum)


def next_range_blocks(
    *, current: int, events: int, blocks: int, maximum: int, target: int = TARGET_EVENTS
) -> int:
    """The next range's length: about `target` events at the density of the range just read
    (`events` in `blocks`), at most twice the current length and at most `maximum`. A provider
    capping eth_getLogs's results makes the indexer aim lower than TARGET_EVENTS."""
    wanted = int(blocks * target / events) if events else blocks * 2
    return max(1, min(maximum, wanted, current * 2))


# A range read after a quiet stretch can land on a busy one: past this many events it is cut
# short, so that a batch's memory does not follow the chain's bursts.
MAX_RANGE_EVENTS = 2 * TARGET_EVENTS


def range_cut(block_numbers: list[int], *, limit: int = MAX_RANGE_EVENTS) -> int | None:
    """The last block to keep of a range whose logs are in `block_numbers` (one entry per
    log), or None to keep it whole: whole blocks only, at least the first block with logs."""
    if len(block_numbers) <= limit:
        return None
    ordered = sorted(block_numbers)
    last = ordered[limit - 1]
    if ordered[limit] != last:
        return last
    below = [n for n in ordered[:limit] if n < last]
    return below[-1] if below else last
