"""Domain model: the messages and records that cross function boundaries."""
