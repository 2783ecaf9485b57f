"""Muster: event-driven emergency response coordinator for Ontario."""
