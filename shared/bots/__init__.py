"""Bots: the definition files authors write (docs/bot-format.md) and the engine that runs them."""
