"""Bots: the definition files authors write (../shared/BOT_FORMAT.md) and the engine that runs them."""
