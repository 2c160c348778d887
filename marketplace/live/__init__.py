"""Live updates: LiveEvent rows fanned out to websockets, with catch-up after a reconnect."""
