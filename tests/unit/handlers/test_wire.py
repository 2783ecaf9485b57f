"""What goes on the topics, byte for byte: one of every message as tests/unit/data/wire.json pins
its JSON (whole, and without nulls as snapshots and the API write it). A change there is a change
of wire format, which needs a new schema version and an upcast of what is stored; once made on
purpose, `python -m tests.unit.handlers.test_wire` pins the new JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from handlers import hours, incidents, partners, referrals, requests, services, shelters
from handlers.audit import AuditRecord
from handlers.common import Actor
from tests.support.clock import NOON
from tests.support.hours import entry
from tests.support.incidents import declaration
from tests.support.partners import responders
from tests.support.referrals import request
from tests.support.services import LIBRARY, charging_station
from tests.support.shelters import hold, rotary_place

PINNED = Path(__file__).resolve().parents[1] / "data" / "wire.json"
MANAGER = Actor(sub="emo-orillia", role="manager")
ZONE = {"id": "downtown", "kind": "inundation", "area": {"center": {"lat": 44.61, "lon": -79.42}, "radius_km": 1.5}}
SOURCE = {"sender": "cap-pac@canada.ca", "identifier": "urn:oid:2.49.0.1.124.1.2026", "sent": NOON}


def _messages() -> dict[str, tuple[object, str]]:
    """Each message on a topic and the id its topic is keyed by, built by the rules where they make it."""
    declared = declaration(actor=MANAGER, accepted_at=NOON, danger_zones=[ZONE], source=SOURCE, area_note="approximate")
    reach = [incidents.PartnerReach("salvation-army-on", 3.2, ("shelter", "canteen_truck"))]
    incident, alerted = incidents.decide(None, declared, NOON, reach)
    asked = incidents.AlertPartner(id=incident.id, partner_id="feed-ontario", distance_km=4.0, capabilities=["food_kits"])

    shelter, _ = shelters.decide(None, rotary_place(), NOON)
    shelter, (held,) = shelters.decide(shelter, hold("ref-1").model_copy(update={"request": {"id": "ref-1"}}), NOON)
    extend = shelters.ExtendHold(shelter_id=shelter.id, referral_id="ref-1", extension_id="ext-1", extend_s=3600,
                                 max_hold_s=4 * 3600)
    _, (extended,) = shelters.decide(shelter, extend, NOON)
    closed = shelters.SetShelterStatus(shelter_id=shelter.id, status="closed", reason="no_power")
    _, (flagged,) = shelters.decide(shelter, closed, NOON)
    _, (refused,) = shelters.decide(shelter, hold("ref-2", beds=5), NOON)
    _, (confirmed,) = shelters.decide(shelter, shelters.ConfirmHold(shelter_id=shelter.id, referral_id="ref-1"), NOON)
    _, (ended,) = shelters.decide(shelter, shelters.ReleaseHold(shelter_id=shelter.id, referral_id="ref-1"), NOON)
    _, (extend_refused,) = shelters.decide(shelter, extend.model_copy(update={"referral_id": "ref-9"}), NOON)

    asking = request(code="K7M4QX", caller_ref="crm:1234", accepted_at=NOON)
    referral, _ = referrals.decide(None, asking, NOON)

    partner, _ = partners.decide(None, responders(), NOON)
    claim = partners.ClaimInventory(partner_id=partner.id, claim_id="rr-1.1", request_id="rr-1", resource_type="cots",
                                    quantity=4)
    partner, (claimed,) = partners.decide(partner, claim, NOON)
    _, (claim_refused,) = partners.decide(partner, claim.model_copy(update={"claim_id": "rr-2.1", "request_id": "rr-2",
                                                                           "resource_type": "food_kits", "quantity": 9,
                                                                           "wait": False}), NOON)
    raised = requests.RaiseRequest(id="rr-1", incident_id=incident.id, resource_type="cots", quantity=6,
                                   location={"lat": 44.5953, "lon": -79.4417}, needed_by="2025-03-30T18:00:00-04:00")
    candidates = [requests.Candidate(partner_id=partner.id, distance_km=1.5, free=6)]
    wanted, _ = requests.decide(None, raised, NOON, requests.Context("active", candidates, partner.id))

    site, _ = services.decide(None, charging_station(), NOON)
    logged = entry("vh-1", incident=incident.id).model_copy(update={"logged_by": "salvation-army-on"})
    return {
        "DeclareIncident": (declared, incident.id),
        "UpdateIncident": (incidents.UpdateIncident(id=incident.id, update_id="u-1", title="Ice storm"), incident.id),
        "CloseIncident": (incidents.CloseIncident(id=incident.id), incident.id),
        "SetDangerZone": (incidents.SetDangerZone(id=incident.id, zone_id="downtown", update_id="u-2",
                                                  kind="inundation", area=ZONE["area"]), incident.id),
        "RemoveDangerZone": (incidents.RemoveDangerZone(id=incident.id, zone_id="downtown", update_id="u-3"),
                             incident.id),
        "EndAlert": (incidents.EndAlert(id=incident.id, update_id="u-4"), incident.id),
        "AlertPartner": (asked, incident.id),
        "Incident": (incident, incident.id),
        "PartnerAlerted": (alerted[0], incident.id),
        "RegisterShelter": (rotary_place(actor=MANAGER, accepted_at=NOON), shelter.id),
        "SetShelterStatus": (closed, shelter.id),
        "HoldBed": (hold("ref-1"), shelter.id),
        "ConfirmHold": (shelters.ConfirmHold(shelter_id=shelter.id, referral_id="ref-1"), shelter.id),
        "ReleaseHold": (shelters.ReleaseHold(shelter_id=shelter.id, referral_id="ref-1"), shelter.id),
        "ExtendHold": (extend, shelter.id),
        "ExpireHolds": (shelters.ExpireHolds(shelter_id=shelter.id), shelter.id),
        "FlagHolds": (shelters.FlagHolds(shelter_id=shelter.id), shelter.id),
        "Shelter": (shelter, shelter.id),
        "BedHeld": (held, "ref-1"),
        "HoldRefused": (refused, "ref-2"),
        "HoldConfirmed": (confirmed, "ref-1"),
        "HoldEnded": (ended, "ref-1"),
        "HoldFlagged": (flagged, "ref-1"),
        "HoldExtended": (extended, "ref-1"),
        "ExtendRefused": (extend_refused, "ref-9"),
        "RequestReferral": (asking, "ref-1"),
        "ConfirmReferral": (referrals.ConfirmReferral(id="ref-1"), "ref-1"),
        "ReleaseReferral": (referrals.ReleaseReferral(id="ref-1"), "ref-1"),
        "PurgeReferral": (referrals.PurgeReferral(id="ref-1", retention_s=86400), "ref-1"),
        "Referral": (referral, "ref-1"),
        "RegisterPartner": (responders(), partner.id),
        "ClaimInventory": (claim, partner.id),
        "ReleaseClaim": (partners.ReleaseClaim(partner_id=partner.id, claim_id="rr-1.1", request_id="rr-1",
                                               resource_type="cots"), partner.id),
        "ConsumeClaim": (partners.ConsumeClaim(partner_id=partner.id, claim_id="rr-1.1", request_id="rr-1",
                                               resource_type="cots"), partner.id),
        "Partner": (partner, partner.id),
        "InventoryClaimed": (claimed, "rr-1"),
        "ClaimRefused": (claim_refused, "rr-2"),
        "RaiseRequest": (raised, "rr-1"),
        "CancelRequest": (requests.CancelRequest(id="rr-1"), "rr-1"),
        "FulfilRequest": (requests.FulfilRequest(id="rr-1"), "rr-1"),
        "ResourceRequest": (wanted, "rr-1"),
        "RegisterService": (charging_station(), LIBRARY),
        "SetServiceStatus": (services.SetServiceStatus(id=LIBRARY, status="closed", reason="no_power"), LIBRARY),
        "ServiceSite": (site, LIBRARY),
        "LogHours": (hours.LogHours(**logged.model_dump(exclude={"type", "logged_at", "logged_by"}), actor=MANAGER), "vh-1"),
        "HoursLogged": (logged, "vh-1"),
        "AuditRecord": (AuditRecord(id="a-1", at=NOON, sub="emo-orillia", role="manager", action="DeclareIncident",
                                    target="incidents/ice-storm-orillia"), "a-1"),
    }


MESSAGES = _messages()


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_is_written_as_its_schema_was_pinned(name):
    message, _ = MESSAGES[name]
    pinned = json.loads(PINNED.read_text())[name]
    assert type(message).__name__ == name
    assert message.model_dump_json() == pinned["json"]
    assert message.model_dump_json(exclude_none=True) == pinned["without_nulls"]


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_names_the_id_its_topic_is_keyed_by(name):
    message, key = MESSAGES[name]
    assert message.key == key
    assert "key" not in json.loads(message.model_dump_json())


def test_every_message_pinned_is_built():
    assert set(json.loads(PINNED.read_text())) == set(MESSAGES)


if __name__ == "__main__":
    PINNED.write_text(json.dumps({name: {"json": message.model_dump_json(),
                                         "without_nulls": message.model_dump_json(exclude_none=True)}
                                  for name, (message, _) in sorted(MESSAGES.items())}, indent=1, ensure_ascii=False) + "\n")
