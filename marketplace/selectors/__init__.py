"""Reads of the indexed chain state, one module per subject; the pages, the APIs and the
consumers call them, nothing here writes."""
