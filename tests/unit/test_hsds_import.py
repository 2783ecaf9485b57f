"""HSDS packages on disk: the shipped Kawartha storm sample (shelters and the other services a
caller needs), packages laid out by their datapackage.json, what cannot be read at all, an
export read back, and the import command's report and exit codes."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from formats.hsds_tables import CAPACITY
from muster import hsds
from muster.cli import cli
from muster.seed import Refusal, Tally

SAMPLE = Path(__file__).resolve().parents[2] / "muster" / "data" / "hsds"
WRONG_ON_PURPOSE = ["service_at_location.csv line 6", "service_at_location.csv line 10",
                    "service_at_location.csv line 12", "service_at_location.csv line 21"]


@pytest.fixture
def package(tmp_path) -> Path:
    copy = tmp_path / "package"
    shutil.copytree(SAMPLE, copy)
    return copy


class TestTheKawarthaSample:
    def test_nine_shelters_seven_services_and_four_rows_wrong_on_purpose(self):
        found = hsds.load(SAMPLE)
        assert (found.rows, len(found.shelters), len(found.services)) == (20, 9, 7)
        assert [(r.row, r.reasons) for r in found.rejected] == [
            ("service_at_location.csv line 6",
             ("no x_muster_capacity row: HSDS has no bed count, and Muster needs one to offer beds here",)),
            ("service_at_location.csv line 10", ("latitude -77.8833 and longitude 44.4333 look swapped",)),
            ("service_at_location.csv line 12", ("service 'Summer cooling centre' is inactive",)),
            ("service_at_location.csv line 21", (
                "latitude -77.8833 and longitude 44.4333 look swapped",
                "no service type: neither its taxonomy terms (none) nor its name 'Community drop-in' say one; add a "
                "211 taxonomy term such as 'Warming Centers', a service_type in x_muster_service, or import with "
                "--default-type",
                "schedules.csv line 12: freq MONTHLY: not supported; Muster reads hours that repeat every week "
                "(byday, opens_at, closes_at, valid_from, valid_to)",
                "schedules.csv line 12: byday 1SA counts weekdays in a month, which is not supported")),
        ]
        assert [w.row for w in found.warnings] == ["languages.csv line 16"]

    def test_every_record_a_person_sees_says_it_is_a_sample(self):
        found = hsds.load(SAMPLE)
        assert all(s.profile.name.startswith("Sample: ") for s in found.shelters + found.services)

    def test_the_salvation_army_runs_the_peterborough_family_shelter_and_coboconk_is_closed(self):
        by_place = {s.profile.place: s.profile for s in hsds.load(SAMPLE).shelters}
        assert by_place["Peterborough, ON"].partner_id == "salvation-army-on"
        assert by_place["Coboconk, ON"].open is False

    def test_the_services_a_caller_in_the_storm_needs(self):
        services = {s.profile.service_type: s.profile for s in hsds.load(SAMPLE).services}
        assert sorted(services) == ["charging_station", "drinking_water", "food_bank", "information_centre", "meals",
                                    "showers", "transport"]
        meals = services["meals"]
        assert (meals.phone, meals.address.line(), meals.partner_id) == (
            "705-555-0177 x2", "219 Simcoe St, Peterborough, ON K9H 2H6", "salvation-army-on")
        assert [(s.byday, s.opens_at.isoformat(), s.closes_at.isoformat()) for s in meals.schedules] == [
            (["MO", "TU", "WE", "TH", "FR"], "11:30:00", "13:30:00"), (["SA", "SU"], "12:00:00", "13:00:00")]
        assert services["charging_station"].accessible is True and services["information_centre"].accessible is False
        assert services["information_centre"].languages == ["en", "fr"]
        assert services["information_centre"].phone == "705-555-0100"  # the organization's line
        assert (services["showers"].status, services["showers"].status_reason) == ("limited", "no_water")


class TestReadingPackages:
    def test_tables_are_found_where_datapackage_json_says(self, package):
        (package / "schedules.csv").rename(package / "hours.csv")
        descriptor = json.loads((package / "datapackage.json").read_text())
        next(r for r in descriptor["resources"] if r["name"] == "schedule")["path"] = "hours.csv"
        (package / "datapackage.json").write_text(json.dumps(descriptor))
        found, sample = hsds.load(package), hsds.load(SAMPLE)
        assert (found.shelters, found.services) == (sample.shelters, sample.services)
        assert "hours.csv line 12: byday 1SA counts weekdays in a month" in found.rejected[-1].reason

    def test_without_a_descriptor_the_hsds_names_are_used_and_a_byte_order_mark_is_fine(self, package):
        (package / "datapackage.json").unlink()
        services = package / "services.csv"
        services.write_bytes(b"\xef\xbb\xbf" + services.read_bytes())
        assert hsds.load(package) == hsds.load(SAMPLE)

    def test_without_the_capacity_table_the_beds_are_gone_but_not_the_warming_centres(self, package):
        (package / f"{CAPACITY}.csv").unlink()
        found = hsds.load(package)
        assert not found.shelters and len(found.services) == 14
        assert sum("no x_muster_capacity row" in r.reason for r in found.rejected) == 3  # the overnight shelters

    @pytest.mark.parametrize(("damage", "says"), [
        (lambda p: (p / "locations.csv").unlink(), "has no locations.csv: an HSDS package needs services.csv, "
                                                   "locations.csv, service_at_location.csv"),
        (lambda p: (p / "datapackage.json").write_text('{"resources": [{"name": "service", "path": "../../etc/x"}]}'),
         "datapackage.json puts service outside the package"),
        (lambda p: (p / "datapackage.json").write_text("{"), "is not a data package descriptor"),
        (lambda p: (p / "services.csv").write_bytes(b"id,name\n\xff\xfe,x\n"), "services.csv cannot be read as UTF-8"),
    ])
    def test_a_package_that_cannot_be_read_says_why(self, package, damage, says):
        damage(package)
        with pytest.raises(hsds.PackageError, match=re.escape(says)):
            hsds.load(package)

    def test_a_json_file_and_a_file_that_is_not_json(self, tmp_path):
        document = tmp_path / "directory.json"
        document.write_text(json.dumps([{"id": "sal-1", "x_muster_capacity": {"capacity": 5},
                                         "service": {"id": "s1", "name": "Warming centre", "status": "active"},
                                         "location": {"id": "l1", "name": "Sample: Kenora hall",
                                                      "latitude": 49.7671, "longitude": -94.4894}}]))
        assert [s.id for s in hsds.load(document).shelters] == ["sal-1"]
        document.write_text("id,name\n")
        with pytest.raises(hsds.PackageError, match="neither an HSDS CSV package folder nor an HSDS JSON file"):
            hsds.load(document)


def views(found) -> tuple[list[dict], list[dict]]:
    """What GET /v1/shelters and GET /v1/services answer for these sites (with their live fields)."""
    shelters = [{"id": s.id, **s.profile.model_dump(mode="json", exclude={"v"}), "held": 0, "confirmed": 0,
                 "free": s.profile.capacity - s.profile.occupancy, "shortfall": 0, "distance_km": None,
                 "inside_incidents": [], "updated_at": "2025-03-30T16:00:00+00:00"} for s in found.shelters]
    services = [{"id": s.id, **s.profile.model_dump(mode="json", exclude={"v"}), "distance_km": None,
                 "updated_at": "2025-03-30T16:00:00+00:00"} for s in found.services]
    return shelters, services


def features(sites: list[dict]) -> dict:
    """The services export: each site a Point with its profile's fields as properties."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": s["id"], "properties": {k: v for k, v in s.items() if k not in ("id", "location")},
         "geometry": {"type": "Point", "coordinates": [s["location"]["lon"], s["location"]["lat"]]}} for s in sites]}


def test_an_export_reads_back_as_the_same_directory_across_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(hsds, "PAGE", 4)
    shelters, services = views(hsds.load(SAMPLE))
    listed_twice = {**shelters[0], "service_type": "overnight_shelter"}  # a listing of every site, beds too

    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path == hsds.SERVICES_LISTING:
            return httpx.Response(200, json=features([listed_twice, *services]))
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        records = {"/v1/shelters": shelters,
                   "/v1/partners": [{"id": "salvation-army-on", "name": "The Salvation Army Ontario"}]}
        return httpx.Response(200, json=records[request.url.path][offset:offset + limit])

    with httpx.Client(base_url="http://muster.test", transport=httpx.MockTransport(serve)) as client:
        assert hsds.export(client, tmp_path / "out") == (9, 7)
    again = hsds.load(tmp_path / "out")
    assert (again.rows, again.rejected, again.warnings) == (16, (), ())
    assert views(again) == (shelters, services)
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert {r["path"] for r in descriptor["resources"]} == {p.name for p in (tmp_path / "out").glob("*.csv")}
    assert "The Salvation Army Ontario" in (tmp_path / "out" / "organizations.csv").read_text()


class TestTheImportCommand:
    def test_a_dry_run_reports_every_row_and_sends_nothing(self, tmp_path):
        report = tmp_path / "report.json"
        result = CliRunner().invoke(cli, ["import", "hsds", str(SAMPLE), "--dry-run", "--report", str(report),
                                          "--url", "http://127.0.0.1:9"])
        assert result.exit_code == 0, result.output
        shown = " ".join(result.output.split())  # the table wraps at the terminal's width
        assert "swapped" in shown and "dry run: nothing sent" in shown and "byday 1SA" in shown
        written = json.loads(report.read_text())
        assert written["dry_run"] is True and written["rows"] == 20 and len(written["accepted"]) == 16
        assert [r["row"] for r in written["rejected"]] == WRONG_ON_PURPOSE
        assert len(written["rejected"][3]["reasons"]) == 4
        assert written["refused"] == [] and len(written["warnings"]) == 1
        assert {"row": "service_at_location.csv line 14", "id": "5b924fa4-4955-4d60-8b88-57aeb45d23d5",
                "kind": "charging_station"} in written["accepted"]

    def test_a_default_type_takes_the_drop_in_when_its_type_is_its_only_problem(self, package):
        schedules = (package / "schedules.csv").read_text().splitlines()
        (package / "schedules.csv").write_text("\n".join(line for line in schedules if "MONTHLY" not in line) + "\n")
        locations = (package / "locations.csv").read_text().replace("-77.88330,44.43330", "44.43330,-77.88330")
        (package / "locations.csv").write_text(locations)
        result = CliRunner().invoke(cli, ["import", "hsds", str(package), "--dry-run", "--default-type",
                                          "information_centre", "--report", str(package / "r.json")])
        assert result.exit_code == 0, result.output
        written = json.loads((package / "r.json").read_text())
        assert {"row": "service_at_location.csv line 21", "id": "f9c6bbd8-041a-4d5d-90ce-9b5dce3127a4",
                "kind": "information_centre"} in written["accepted"]
        assert any("(the default type)" in w["reasons"][0] for w in written["warnings"])

    def test_a_default_type_that_is_beds_or_nothing_is_a_usage_error(self):
        for kind in ("overnight_shelter", "bouncy castle"):
            result = CliRunner().invoke(cli, ["import", "hsds", str(SAMPLE), "--dry-run", "--default-type", kind])
            assert result.exit_code == 2 and "--default-type must be one of" in " ".join(result.output.split())

    def test_nothing_to_accept_fails(self, package):
        for name in ("services.csv", "locations.csv"):
            text = (package / name).read_text()
            (package / name).write_text(text.replace(",active", ",inactive").replace(",temporarily closed", ",defunct"))
        result = CliRunner().invoke(cli, ["import", "hsds", str(package), "--url", "http://127.0.0.1:9"])
        assert result.exit_code == 1 and "no shelter or service was accepted" in " ".join(result.output.split())

    def test_an_unreadable_package_is_a_usage_error(self, package):
        (package / "services.csv").unlink()
        result = CliRunner().invoke(cli, ["import", "hsds", str(package), "--dry-run"])
        assert result.exit_code == 2 and "has no services.csv" in " ".join(result.output.split())

    def test_shelters_go_to_the_shelters_and_services_to_the_services(self):
        found = hsds.load(SAMPLE)
        calls = hsds.calls(found)
        assert [c.path for c in calls] == ([f"/v1/shelters/{s.id}" for s in found.shelters]
                                           + [f"/v1/services/{s.id}" for s in found.services])
        assert all(c.method == "PUT" and "id" not in c.body for c in calls)
        assert calls[-1].body["service_type"] == found.services[-1].profile.service_type

    def test_the_api_refusing_a_site_fails_the_import_and_names_the_row(self):
        found = hsds.load(SAMPLE)
        calls = hsds.calls(found)
        tally = Tally()
        tally.accepted["shelters"], tally.accepted["service sites"] = 9, 6
        tally.refused.append(Refusal(calls[-1], 403, "only a manager or an admin may import services"))
        summary = hsds.report(SAMPLE, found, tally)
        assert len(summary["accepted"]) == 15 and found.services[-1].id not in {s["id"] for s in summary["accepted"]}
        assert summary["refused"] == [{"row": found.services[-1].row, "id": found.services[-1].id, "status": 403,
                                       "reasons": ["only a manager or an admin may import services"]}]
