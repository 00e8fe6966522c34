"""Helpers of the entry points: the Pub/Sub envelope policy and the one HTTP JSON decoder."""
