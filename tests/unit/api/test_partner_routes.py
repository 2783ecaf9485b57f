"""Partner, resource request and volunteer hour routes in-process: who may do what, and what they see."""
from __future__ import annotations

import csv as csv_module
import io

from bus.topics import HOURS_LOG, PARTNER_STATE, REQUEST_STATE
from handlers import partners as P
from handlers.hours import HoursLogged
from handlers.requests import Context, RaiseRequest, decide as decide_request
from tests.support.api import NOW, SCENARIO, body, with_incident, with_partner


def test_only_admins_register_partners(api):
    assert api.client.put("/v1/partners/feed-ontario", json=body("feed-ontario"), headers=api.as_("manager")).status_code == 403
    response = api.client.put("/v1/partners/feed-ontario", json=body("feed-ontario"), headers=api.as_("admin"))
    assert response.status_code == 202
    (topic, key, command), = [s for s in api.publisher.sent if s[0] == "partners"]
    assert key == "feed-ontario" and command.type == "RegisterPartner" and command.inventory == {"food_kits": 5000}


def test_inventory_the_capabilities_do_not_provide_is_a_422(api):
    bad = {**body("feed-ontario"), "inventory": {"cots": 5}}
    response = api.client.put("/v1/partners/feed-ontario", json=bad, headers=api.as_("admin"))
    assert response.status_code == 422 and "cots needs shelter" in response.text
    assert api.publisher.sent == []


def test_the_same_profile_again_is_answered_from_the_view(api):
    with_partner(api)
    response = api.client.put("/v1/partners/salvation-army-on", json=body("salvation-army-on"), headers=api.as_("admin"))
    assert response.status_code == 200 and api.publisher.sent == []


def test_commitments_are_shown_only_to_admins_managers_and_the_partner_itself(api):
    with_partner(api)
    url = "/v1/partners/salvation-army-on"
    for headers in (api.as_("admin"), api.as_("manager"), api.as_("partner", partner_id="salvation-army-on")):
        seen = api.client.get(url, headers=headers).json()
        assert seen["committed"] == {"cots": 40} and seen["commitments"][0]["request_id"] == "rr-1"
    for headers in (api.as_("navigator"), api.as_("partner", partner_id="feed-ontario")):
        seen = api.client.get(url, headers=headers).json()
        assert "committed" not in seen and "commitments" not in seen and seen["inventory"]["cots"] == 400
    listed = api.client.get("/v1/partners?capability=shelter", headers=api.as_("navigator")).json()
    assert [p["id"] for p in listed] == ["salvation-army-on"] and "committed" not in listed[0]
    assert api.client.get("/v1/partners/nobody", headers=api.as_("navigator")).status_code == 404


def test_a_resource_request_needs_a_manager_and_a_known_incident(api):
    request = SCENARIO["resource_requests"][0]
    assert api.client.post("/v1/resource-requests", json=request, headers=api.as_("navigator")).status_code == 403
    unknown = api.client.post("/v1/resource-requests", json=request, headers=api.as_("manager"))
    assert unknown.status_code == 422 and "unknown incident" in unknown.text
    with_incident(api)
    accepted = api.client.post("/v1/resource-requests", json=request, headers=api.as_("manager"))
    assert accepted.status_code == 202 and accepted.json()["href"] == "/v1/resource-requests/rr-001"


def test_the_same_request_id_returns_the_request_or_conflicts(api):
    with_incident(api)
    body_ = SCENARIO["resource_requests"][0]
    state, _ = decide_request(None, RaiseRequest(**body_), NOW, Context("active", [], None))
    api.record(REQUEST_STATE, state.id, state)
    again = api.client.post("/v1/resource-requests", json=body_, headers=api.as_("manager"))
    assert again.status_code == 200 and again.json()["remaining"] == 40
    different = api.client.post("/v1/resource-requests", json={**body_, "quantity": 41}, headers=api.as_("manager"))
    assert different.status_code == 409
    assert api.client.get("/v1/resource-requests?status=open", headers=api.as_("navigator")).json()[0]["id"] == "rr-001"


def test_a_partner_logs_hours_only_for_itself(api):
    with_incident(api)
    with_partner(api)
    entry = SCENARIO["volunteer_hours"][1]
    assert entry["partner_id"] == "salvation-army-on"
    other = api.client.post("/v1/volunteer-hours", json=entry, headers=api.as_("partner", partner_id="feed-ontario"))
    assert other.status_code == 403
    assert api.client.post("/v1/volunteer-hours", json=entry, headers=api.as_("manager")).status_code == 403
    own = api.client.post("/v1/volunteer-hours", json=entry, headers=api.as_("partner", partner_id="salvation-army-on"))
    assert own.status_code == 202 and api.publisher.sent[-1][0] == "volunteer-hours"


def test_hours_for_unknown_incidents_partners_or_entries_are_a_422(api):
    with_incident(api)
    with_partner(api)
    entry = SCENARIO["volunteer_hours"][1]
    admin = api.as_("admin")
    assert api.client.post("/v1/volunteer-hours", json={**entry, "incident_id": "nope"}, headers=admin).status_code == 422
    assert api.client.post("/v1/volunteer-hours", json={**entry, "partner_id": "nope"}, headers=admin).status_code == 422
    fix = api.client.post("/v1/volunteer-hours", json={**entry, "id": "fix", "corrects": "missing"}, headers=admin)
    assert fix.status_code == 422 and "no entry" in fix.text
    future = api.client.post("/v1/volunteer-hours", json={**entry, "date": "2030-01-01"}, headers=admin)
    assert future.status_code == 422 and "future" in future.text


def test_totals_as_json_and_as_csv_for_funders(api):
    incident = with_incident(api)
    with_partner(api)
    for e in SCENARIO["volunteer_hours"][:3]:
        api.record(HOURS_LOG, e["id"], HoursLogged(**e, logged_at=NOW))
    api.record(HOURS_LOG, "vh-0002", HoursLogged(**SCENARIO["volunteer_hours"][1], logged_at=NOW))
    totals = api.client.get(f"/v1/incidents/{incident.id}/volunteer-hours", headers=api.as_("manager")).json()
    assert (totals["entries"], totals["hours"]) == (3, 96.0 + 72.0 + 48.0)
    assert totals["by_partner"]["salvation-army-on"]["volunteers"] == 12
    csv = api.client.get(f"/v1/incidents/{incident.id}/volunteer-hours?format=csv", headers=api.as_("manager"))
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "incident_id,partner_id,partner_name,activity,date,entries,volunteers,hours"
    assert "salvation-army-on,The Salvation Army Ontario,meals,2025-03-30,1,12,72.00" in csv.text
    assert len(lines) == 4
    assert api.client.get("/v1/incidents/nope/volunteer-hours", headers=api.as_("manager")).status_code == 404


def test_the_hours_csv_writes_no_cell_a_spreadsheet_would_run_as_a_formula(api):
    incident = with_incident(api)
    for name in ("=HYPERLINK(\"http://evil.example\", \"Sample\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"):
        api.record(PARTNER_STATE, "salvation-army-on", P.decide(None, P.RegisterPartner(
            id="salvation-army-on", **{**body("salvation-army-on"), "name": name}), NOW)[0])
        api.record(HOURS_LOG, "vh-0002", HoursLogged(**SCENARIO["volunteer_hours"][1], logged_at=NOW))
        text = api.client.get(f"/v1/incidents/{incident.id}/volunteer-hours?format=csv", headers=api.as_("manager")).text
        row = next(csv_module.reader(io.StringIO(text.splitlines()[1])))
        assert row[2] == "'" + name
        assert row[5:] == ["1", "12", "72.00"]


def test_incidents_read_with_their_hour_totals_and_a_partner_sees_its_own(api):
    incident = with_incident(api)
    for e in SCENARIO["volunteer_hours"][:4]:
        api.record(HOURS_LOG, e["id"], HoursLogged(**e, logged_at=NOW))
    one = api.client.get(f"/v1/incidents/{incident.id}", headers=api.as_("navigator")).json()
    assert one["volunteer_hours"] == {"entries": 4, "volunteers": 18 + 12 + 6 + 9, "hours": 96.0 + 72.0 + 48.0 + 81.0}
    assert one["id"] == incident.id and one["area"] == incident.area
    listed = api.client.get("/v1/incidents", headers=api.as_("manager")).json()
    assert [i["volunteer_hours"]["entries"] for i in listed] == [4]
    assert listed == [api.client.get(f"/v1/incidents/{incident.id}", headers=api.as_("manager")).json()]
    as_partner = api.as_("partner", partner_id="salvation-army-on")
    own = api.client.get(f"/v1/incidents/{incident.id}", headers=as_partner)
    assert own.json()["volunteer_hours"] == {"entries": 1, "volunteers": 12, "hours": 72.0}
    assert api.client.get("/v1/incidents", headers=as_partner).json() == [own.json()]


def test_the_same_entry_again_is_200_and_different_details_409(api):
    with_incident(api)
    with_partner(api)
    entry = SCENARIO["volunteer_hours"][1]
    api.record(HOURS_LOG, entry["id"], HoursLogged(**entry, logged_at=NOW))
    admin = api.as_("admin")
    assert api.client.post("/v1/volunteer-hours", json=entry, headers=admin).status_code == 200
    assert api.client.post("/v1/volunteer-hours", json={**entry, "hours": 70}, headers=admin).status_code == 409
