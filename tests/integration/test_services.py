"""Service sites end to end against the real broker: a PUT becomes searchable, and an operator's
"closed, no power" takes the site out of a navigator's search with that reason."""
from __future__ import annotations

from tests.support.poll import until

ORILLIA = {"lat": 44.6087, "lon": -79.4207}
CHARGING = {"name": "Sample: Orillia library charging station", "service_type": "charging_station",
            "location": {"lat": 44.6083, "lon": -79.4190}, "place": "Orillia, ON",
            "address": {"address_1": "36 Mississaga St W", "city": "Orillia", "postal_code": "L3V 3A6"},
            "phone": "705-555-0170", "partner_id": "salvation-army-on"}


def found(navigator, **params) -> dict:
    response = navigator.get("/v1/services", params={"type": "charging_station", **params})
    assert response.status_code == 200, response.text
    answer = response.json()
    return {"results": [s["id"] for s in answer["results"]],
            "excluded": {s["id"]: [r["code"] for r in s["reasons"]] for s in answer["excluded"]}}


def test_a_site_put_by_its_partner_is_found_near_orillia_and_closing_it_takes_it_out(stack, tokens):
    with stack.client(tokens["partner"]) as partner, stack.client(tokens["navigator"]) as navigator:
        put = partner.put("/v1/services/it-orillia-library", json=CHARGING)
        assert put.status_code in (201, 202), put.text
        until(lambda: "it-orillia-library" in found(navigator, place="Orillia, ON")["results"],
              what="the charging station in a search from Orillia")

        closed = partner.post("/v1/services/it-orillia-library/status", json={"status": "closed", "reason": "no_power"})
        assert closed.status_code in (200, 202), closed.text
        after = until(lambda: (lambda seen: seen if seen["excluded"] else None)(found(navigator, **ORILLIA)),
                      what="the charging station left out as closed")
        assert after == {"results": [], "excluded": {"it-orillia-library": ["closed"]}}
        site = navigator.get("/v1/services/it-orillia-library").json()
        assert (site["status"], site["status_reason"], site["address"]["address_1"]) == (
            "closed", "no_power", "36 Mississaga St W")


def test_a_status_for_a_site_that_does_not_exist_is_a_404_and_beds_are_refused(stack, tokens):
    with stack.client(tokens["manager"]) as manager:
        assert manager.post("/v1/services/it-nowhere/status", json={"status": "open"}).status_code == 404
        beds = manager.put("/v1/services/it-beds", json={**CHARGING, "service_type": "overnight_shelter"})
        assert beds.status_code == 422
