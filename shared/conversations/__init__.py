"""Conversations: the state of each contact's chat and the use cases that change it."""
