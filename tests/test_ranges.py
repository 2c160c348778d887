"""The indexer's range rules: lengths adapt to the events seen, busy ranges are cut short."""

from marketplace.indexer.ranges import next_range_blocks, range_cut


def test_ranges_grow_at_most_twofold_and_aim_at_the_target():
    assert next_range_blocks(current=100, events=0, blocks=100, maximum=2000) == 200
    assert next_range_blocks(current=100, events=8000, blocks=100, maximum=2000) == 50
    assert next_range_blocks(current=1500, events=10, blocks=1500, maximum=2000) == 2000


def test_a_busy_range_is_cut_at_a_block_boundary():
    assert range_cut([1, 2, 3], limit=3) is None
    assert range_cut([5, 1, 1, 2, 3], limit=3) == 2  # the first three logs end block 2
    assert range_cut([1, 2, 2, 2, 3], limit=3) == 1  # block 2 would straddle the limit
    assert range_cut([4, 4, 4, 4, 5], limit=3) == 4  # one block over the limit stays whole
