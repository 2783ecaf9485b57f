"""Referrals to test with: a family of three near Orillia, and the two shelters ranked for it."""
from __future__ import annotations

from handlers.referrals import Candidate, RequestReferral
from handlers.shelters import Needs

NEAR = Candidate(shelter_id="orillia-rotary", name="Sample: Rotary Place", distance_km=1.0)
FAR = Candidate(shelter_id="barrie-sadlon", name="Sample: Sadlon Arena", distance_km=30.0)


def request(**changes) -> RequestReferral:
    fields = dict(id="ref-1", household_size=3, needs=Needs(family=True), candidates=[NEAR, FAR], hold_ttl_s=7200)
    fields.update(changes)
    return RequestReferral(**fields)
