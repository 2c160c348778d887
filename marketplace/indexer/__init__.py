"""The chain indexer: bounded block ranges, decoded logs, view reads, reorg-safe writes."""
