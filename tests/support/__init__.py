"""Helpers shared by the test tiers: deadlines, processes, Kafka clients."""
