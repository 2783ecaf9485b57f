"""Kafka plumbing shared by workers and the API: topic names, clients, and tails of state topics."""
