"""The referral sheet a caller keeps, in-process: the shelter's street address, phone and hours from
its snapshot, the short code, and the services "also near you" around the shelter."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bus.topics import REFERRAL_STATE, SERVICE_STATE, SHELTER_STATE
from handlers.referrals import Referral, short_code
from handlers.shelters import Needs
from tests.support.api import NOW
from tests.support.sites import DAY_9_TO_21, WEEKDAYS_8_TO_16, service_site, shelter

ARENA = (44.5953, -79.4417)
EVENINGS = [{"opens_at": "18:00", "closes_at": "08:00"}]


def near_arena(site_id, service_type, km_north, **profile):
    return service_site(site_id, service_type, ARENA[0] + km_north / 111.1, ARENA[1], NOW, **profile)


@pytest.fixture
def referred(api):
    """A caller's bed held at the Rotary Place arena, with services around it."""
    arena = shelter("rotary-place", *ARENA, NOW, name="Sample: Rotary Place arena", schedules=EVENINGS,
                    address={"address_1": "200 Barnfield Pt", "city": "Orillia", "postal_code": "L3V 0B4"},
                    phone="705-555-0150")
    api.record(SHELTER_STATE, arena.id, arena)
    for site in (near_arena("library", "charging_station", 2.0, schedules=DAY_9_TO_21),
                 near_arena("far-library", "charging_station", 3.0),
                 near_arena("soup", "meals", -1.0, schedules=WEEKDAYS_8_TO_16),
                 near_arena("warming", "warming_centre", 0.5, status="closed", status_reason="no_power"),
                 near_arena("stairs", "pharmacy", 0.8, accessible=False),
                 near_arena("ramp", "pharmacy", 1.5),
                 near_arena("too-far", "warming_centre", 25.0)):
        api.record(SERVICE_STATE, site.id, site)
    api.record(REFERRAL_STATE, "call-0042", Referral(
        id="call-0042", code=short_code("call-0042"), status="held", household_size=2,
        needs=Needs(wheelchair=True), hold_ttl_s=7200, requested_by="nav-1", created_at=NOW, updated_at=NOW,
        shelter_id="rotary-place", shelter_name="Sample: Rotary Place arena", distance_km=1.8,
        hold_expires_at=NOW + timedelta(hours=2)))
    return api


def sheet(api, lang):
    response = api.client.get(f"/v1/referrals/call-0042/sheet?lang={lang}", headers=api.as_("navigator", sub="nav-1"))
    assert response.status_code == 200, response.text
    return response.text


def test_the_sheet_gives_the_shelters_street_address_phone_and_hours(referred):
    page = sheet(referred, "en")
    assert "<th>Street address</th><td>200 Barnfield Pt, Orillia, ON L3V 0B4</td>" in page
    assert "<th>Phone</th><td>705-555-0150</td>" in page and "<th>Distance</th><td>1.8 km</td>" in page
    assert "<th>Hours</th><td>closed now, opens at 18:00 · every day 18:00–08:00</td>" in page
    code = short_code("call-0042")
    assert f"<td>{code[:3]}-{code[3:]}</td>" in page


def test_in_french_too(referred):
    page = sheet(referred, "fr")
    assert "<th>Adresse</th><td>200 Barnfield Pt, Orillia, ON L3V 0B4</td>" in page
    assert "<th>Téléphone</th><td>705-555-0150</td>" in page
    assert "<th>Heures</th><td>fermé maintenant, ouvre à 18 h · tous les jours 18 h–8 h</td>" in page
    assert "<th>Distance</th><td>1,8 km</td>" in page


def test_also_near_you_lists_the_nearest_open_site_of_each_kind_that_the_caller_can_reach(referred):
    page = sheet(referred, "en")
    also = page[page.index("<h2>Also near you</h2>"):]
    names = [name for name in ("library", "far-library", "soup", "warming", "stairs", "ramp", "too-far")
             if f"Sample: {name}</p>" in also]
    assert names == ["library", "soup", "ramp"]  # closed, wheelchair-unfriendly, too far and second ones left off
    assert "2.0 km N · <span class=\"hours\">open now, closes 21:00</span>" in also
    assert "1.0 km S · <span class=\"hours\">closed now, opens tomorrow at 08:00</span>" in also
    assert "Distances are straight-line from the shelter." in also


def test_also_near_you_reads_in_french(referred):
    page = sheet(referred, "fr")
    also = page[page.index("<h2>Aussi près de vous</h2>"):]
    assert "2,0 km N · <span class=\"hours\">ouvert maintenant, ferme à 21 h</span>" in also
    assert "Borne de recharge</span> — Sample: library" in also and "Pharmacie</span> — Sample: ramp" in also
    assert "Distances à vol d’oiseau depuis le refuge." in also


def test_a_shelter_with_nothing_near_and_no_address_prints_without_them(api):
    bare = shelter("rotary-place", *ARENA, NOW, name="Sample: <Rotary> & Co")
    api.record(SHELTER_STATE, bare.id, bare)
    api.record(REFERRAL_STATE, "call-0042", Referral(
        id="call-0042", status="held", household_size=1, needs=Needs(), hold_ttl_s=7200, requested_by="nav-1",
        created_at=NOW, updated_at=NOW, shelter_id="rotary-place", shelter_name=bare.name, distance_km=1.0,
        hold_expires_at=NOW + timedelta(hours=2)))
    page = sheet(api, "en")
    assert "Street address" not in page and "<th>Phone</th>" not in page and "Also near you" not in page
    assert "<th>Hours</th><td>open now, around the clock</td>" in page
    assert "Sample: &lt;Rotary&gt; &amp; Co" in page and "<Rotary>" not in page
