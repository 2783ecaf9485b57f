"""HSDS packages on disk: the shipped Kawartha sample, packages laid out by their datapackage.json,
what cannot be read at all, an export read back, and the import command's report and exit codes."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from handlers.hsds import EXTENSION
from muster import hsds
from muster.cli import cli

SAMPLE = Path(__file__).resolve().parents[2] / "muster" / "data" / "hsds"


@pytest.fixture
def package(tmp_path) -> Path:
    copy = tmp_path / "package"
    shutil.copytree(SAMPLE, copy)
    return copy


class TestTheKawarthaSample:
    def test_nine_shelters_and_three_rows_wrong_on_purpose(self):
        found = hsds.load(SAMPLE)
        assert found.rows == 12 and len(found.shelters) == 9
        assert [(r.row, r.reason) for r in found.rejected] == [
            ("service_at_location.csv line 6",
             "no x_muster_capacity row: HSDS has no bed count, and Muster needs one to offer beds here"),
            ("service_at_location.csv line 10", "latitude -77.8833 and longitude 44.4333 look swapped"),
            ("service_at_location.csv line 12", "service 'Summer cooling centre' is inactive"),
        ]
        assert [w.row for w in found.warnings] == ["languages.csv line 15"]

    def test_every_record_a_person_sees_says_it_is_a_sample(self):
        assert all(s.profile.name.startswith("Sample: ") for s in hsds.load(SAMPLE).shelters)

    def test_the_salvation_army_runs_the_peterborough_family_shelter_and_coboconk_is_closed(self):
        by_place = {s.profile.place: s.profile for s in hsds.load(SAMPLE).shelters}
        assert by_place["Peterborough, ON"].partner_id == "salvation-army-on"
        assert by_place["Coboconk, ON"].open is False


class TestReadingPackages:
    def test_tables_are_found_where_datapackage_json_says(self, package):
        (package / "services.csv").rename(package / "svc.csv")
        descriptor = json.loads((package / "datapackage.json").read_text())
        next(r for r in descriptor["resources"] if r["name"] == "service")["path"] = "svc.csv"
        (package / "datapackage.json").write_text(json.dumps(descriptor))
        assert len(hsds.load(package).shelters) == 9

    def test_without_a_descriptor_the_hsds_names_are_used_and_a_byte_order_mark_is_fine(self, package):
        (package / "datapackage.json").unlink()
        services = package / "services.csv"
        services.write_bytes(b"\xef\xbb\xbf" + services.read_bytes())
        assert len(hsds.load(package).shelters) == 9

    def test_without_the_extension_every_row_says_it_has_no_bed_count(self, package):
        (package / f"{EXTENSION}.csv").unlink()
        found = hsds.load(package)
        assert not found.shelters and all("no x_muster_capacity row" in r.reason for r in found.rejected)

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


def views(found) -> list[dict]:
    """What GET /v1/shelters answers for these shelters (with its live fields)."""
    return [{"id": s.id, **s.profile.model_dump(mode="json", exclude={"v"}), "held": 0, "confirmed": 0,
             "free": s.profile.capacity - s.profile.occupancy, "shortfall": 0, "distance_km": None,
             "inside_incidents": [], "updated_at": "2025-03-30T16:00:00+00:00"} for s in found.shelters]


def test_an_export_reads_back_as_the_same_shelters_across_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(hsds, "PAGE", 4)
    directory = views(hsds.load(SAMPLE))

    def serve(request: httpx.Request) -> httpx.Response:
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        records = {"/v1/shelters": directory,
                   "/v1/partners": [{"id": "salvation-army-on", "name": "The Salvation Army Ontario"}]}
        return httpx.Response(200, json=records[request.url.path][offset:offset + limit])

    with httpx.Client(base_url="http://muster.test", transport=httpx.MockTransport(serve)) as client:
        assert hsds.export(client, tmp_path / "out") == 9
    again = hsds.load(tmp_path / "out")
    assert (again.rows, again.rejected, again.warnings) == (9, (), ())
    assert views(again) == directory
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
        assert "swapped" in shown and "dry run: nothing sent" in shown
        written = json.loads(report.read_text())
        assert written["dry_run"] is True and written["rows"] == 12 and len(written["accepted"]) == 9
        assert [r["row"] for r in written["rejected"]] == [
            "service_at_location.csv line 6", "service_at_location.csv line 10", "service_at_location.csv line 12"]
        assert written["refused"] == [] and len(written["warnings"]) == 1

    def test_nothing_to_accept_fails(self, package):
        (package / f"{EXTENSION}.csv").unlink()
        result = CliRunner().invoke(cli, ["import", "hsds", str(package), "--url", "http://127.0.0.1:9"])
        assert result.exit_code == 1 and "no shelter was accepted" in " ".join(result.output.split())

    def test_an_unreadable_package_is_a_usage_error(self, package):
        (package / "services.csv").unlink()
        result = CliRunner().invoke(cli, ["import", "hsds", str(package), "--dry-run"])
        assert result.exit_code == 2 and "has no services.csv" in " ".join(result.output.split())

    def test_the_api_refusing_a_shelter_fails_the_import_and_names_the_row(self):
        found = hsds.load(SAMPLE)
        calls = hsds.calls(found)
        assert calls[0].path == f"/v1/shelters/{found.shelters[0].id}" and "id" not in calls[0].body
        from muster.seed import Refusal, Tally

        tally = Tally()
        tally.accepted["shelters"] = 8
        tally.refused.append(Refusal(calls[-1], 403, "only a manager, an admin or the owning partner"))
        summary = hsds.report(SAMPLE, found, tally)
        assert len(summary["accepted"]) == 8 and found.shelters[-1].id not in summary["accepted"]
        assert summary["refused"] == [{"row": "service_at_location.csv line 13", "id": found.shelters[-1].id,
                                       "status": 403, "reason": "only a manager, an admin or the owning partner"}]
