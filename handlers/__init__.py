"""Muster's rules: event schemas and pure decision functions `(state, event, now) -> (state, events)`.

Nothing here touches Kafka, HTTP or the clock; time is passed in.
"""
