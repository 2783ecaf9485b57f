"""Shelters to test with: Orillia's Rotary Place and holds on its beds."""
from __future__ import annotations

from handlers.shelters import HoldBed, Needs, RegisterShelter


def rotary_place(capacity: int = 2, **changes) -> RegisterShelter:
    fields = dict(id="orillia-rotary", name="Sample: Orillia Rotary Place", location={"lat": 44.6, "lon": -79.42},
                  capacity=capacity, occupancy=0, families=True, languages=["en", "fr"])
    fields.update(changes)
    return RegisterShelter(**fields)


def hold(referral: str, beds: int = 1, **needs) -> HoldBed:
    return HoldBed(shelter_id="orillia-rotary", referral_id=referral, beds=beds, needs=Needs(**needs), ttl_s=7200)
