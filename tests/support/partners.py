"""Partners to test with: Orillia's community responders, as registered and as recorded."""
from __future__ import annotations

from handlers.partners import Partner, RegisterPartner, decide
from tests.support.clock import NOON

ORILLIA = {"lat": 44.6087, "lon": -79.4207, "place": "Orillia, ON"}


def responders(**changes) -> RegisterPartner:
    fields = dict(id="sample-orillia-responders", name="Sample: Orillia Community Responders", sample=True,
                  capabilities=["shelter", "debris_clearing", "generators", "transport"], base=ORILLIA,
                  service_area={"center": {"lat": 44.6087, "lon": -79.4207}, "radius_km": 40},
                  inventory={"cots": 10, "generators": 4, "vans": 2})
    fields.update(changes)
    return RegisterPartner(**fields)


def registered(**changes) -> Partner:
    partner, _ = decide(None, responders(**changes), NOON)
    return partner


def holding_cots(partner_id: str, lat: float, lon: float, cots: int) -> Partner:
    """A partner with `cots` cots and nothing else, based at (lat, lon)."""
    state, _ = decide(None, RegisterPartner(id=partner_id, name=f"Sample: {partner_id}", capabilities=["shelter"],
                                            base={"lat": lat, "lon": lon}, inventory={"cots": cots}), NOON)
    return state
