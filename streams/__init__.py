"""Faust workers: decode each event, call a pure handler, send what it decided."""
