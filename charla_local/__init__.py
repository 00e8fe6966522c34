"""The local stack: every function on one port, event functions wired to the bus."""
