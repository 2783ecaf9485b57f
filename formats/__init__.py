"""Muster's adapters for the formats other systems speak: CAP 1.2 alerts (XML), Open Referral HSDS
3.0 directories (CSV packages and JSON) and the exports (GeoJSON, CSV).

Each reads another system's format into Muster's commands and profiles, or writes Muster's
records in it; the rules those feed stay in handlers/. No Kafka, HTTP, files or clock: bytes and
parsed documents in, values out (time is passed in).
"""
