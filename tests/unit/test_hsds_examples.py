"""The HSDS 3.0 specification's own examples (tests/unit/data/hsds/openreferral, CC BY-SA 4.0):
what Muster reports about each and why, and, once its coordinates are moved to Ontario and its
schedule is made weekly, what it imports, with which fields, from every form alike."""
from __future__ import annotations

import csv
import json
import shutil
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from handlers.services import ServiceProfile
from handlers.sites import Schedule
from muster import hsds

EXAMPLES = Path(__file__).resolve().parent / "data" / "hsds" / "openreferral"
SITE = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
NO_TYPE = ("no service type: neither its taxonomy terms (none) nor its name 'Community Counselling' say one; add "
           "a 211 taxonomy term such as 'Warming Centers', a service_type in x_muster_service, or import with "
           "--default-type")
WEEKLY_ONLY = ("byweekno 41,42, bymonthday 2,3,4, byyearday 2,3,4, count 3: not supported; Muster reads hours that "
               "repeat every week (byday, opens_at, closes_at, valid_from, valid_to)")
NOT_ONTARIO_TIME = "timezone 3 is not Ontario's UTC offset (-5 or -4)"
NOT_A_SITE = ("neither an HSDS service with service_at_locations, a service_at_location with its service and "
              "location, nor an organization with its services")
MY_STATE = "address left out: state_province 'MyState' is not a province code such as ON"


@pytest.mark.parametrize(("example", "row", "schedule"), [
    ("csv", "service_at_location.csv line 2", "schedules.csv line 2"),
    ("tabular.json", '$["service_at_location.csv"][0]', '$["schedules.csv"][0]'),
    ("service_full.json", "$.service_at_locations[0]", "$.service_at_locations[0].schedules[0]"),
    ("organization_full.json", "$.services[0].service_at_locations[0]",
     "$.services[0].service_at_locations[0].schedules[0]"),
    ("service_at_location_full.json", "$", "$.schedules[0]"),
])
def test_the_full_example_in_each_form_is_rejected_for_the_same_four_reasons(example, row, schedule):
    found = hsds.load(EXAMPLES / example)
    assert (found.rows, found.shelters, found.services) == (1, (), ())
    (rejected,) = found.rejected
    assert (rejected.row, rejected.id) == (row, SITE)
    assert rejected.reasons == ("latitude 100 is outside -90 to 90", NO_TYPE, f"{schedule}: {WEEKLY_ONLY}",
                                f"{schedule}: {NOT_ONTARIO_TIME}")
    assert [w.reason for w in found.warnings] == [MY_STATE]


@pytest.mark.parametrize(("example", "reasons"), [
    ("service_at_location_list.json", ("latitude 100 is outside -90 to 90", NO_TYPE)),
    ("service_list.json", ("a service without service_at_locations: Muster needs to know where it is offered",)),
    ("location.json", ("a location without a service: Muster needs to know what is offered there",)),
    ("organization_list.json", (NOT_A_SITE,)),
    ("base.json", (NOT_A_SITE,)),
    ("taxonomy.json", (NOT_A_SITE,)),
    ("taxonomy_list.json", (NOT_A_SITE,)),
    ("taxonomy_term.json", (NOT_A_SITE,)),
    ("taxonomy_term_list.json", (NOT_A_SITE,)),
])
def test_the_other_examples_say_why_they_hold_no_site(example, reasons):
    found = hsds.load(EXAMPLES / example)
    assert (found.rows, found.shelters, found.services, found.warnings) == (1, (), (), ())
    assert found.rejected[0].reasons == reasons


def test_every_example_file_is_tried():
    tried = {"csv", "tabular.json", "service_full.json", "organization_full.json", "service_at_location_full.json",
             "service_at_location_list.json", "service_list.json", "location.json", "organization_list.json",
             "base.json", "taxonomy.json", "taxonomy_list.json", "taxonomy_term.json", "taxonomy_term_list.json"}
    assert {p.name for p in EXAMPLES.iterdir() if p.suffix in ("", ".json")} == tried


# --- The example brought to Lindsay -----------------------------------------------------------

LINDSAY = {"latitude": 44.35212, "longitude": -78.72654}
NOT_WEEKLY = ("byweekno", "bymonthday", "byyearday", "count", "timezone")
EXPECTED = ServiceProfile(
    name="MyCity Civic Center — Community Counselling", service_type="information_centre",
    location={"lat": 44.35212, "lon": -78.72654}, place="MyCity, MyState", phone="+44 1234 234567 x100",
    schedules=[Schedule(byday=["TH", "FR"], opens_at=time(10), closes_at=time(18), valid_from=date(2005, 1, 1),
                        valid_to=date(2005, 1, 1),
                        description="The service is available from 10 am to 6pm weekdays. The service is not "
                                    "available on public holidays.")],
    languages=["ur"], accessible=True, status="open",
    description="Counselling Services provided by trained professionals in the MyCity area.",
)


def in_lindsay(value: Any) -> Any:
    """The example with every location at Lindsay and every schedule weekly."""
    if isinstance(value, list):
        return [in_lindsay(v) for v in value]
    if not isinstance(value, dict):
        return value
    fixed = {k: in_lindsay(v) for k, v in value.items() if k not in NOT_WEEKLY or "opens_at" not in value}
    return {**fixed, **LINDSAY} if "latitude" in value else fixed


@pytest.fixture
def csv_in_lindsay(tmp_path) -> Path:
    folder = tmp_path / "csv"
    shutil.copytree(EXAMPLES / "csv", folder)
    for name, change in (("locations.csv", LINDSAY), ("schedules.csv", dict.fromkeys(NOT_WEEKLY, ""))):
        with (folder / name).open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header, records = reader.fieldnames, [{**r, **change} for r in reader]
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            writer.writerows(records)
    return folder


@pytest.mark.parametrize("example", ["tabular.json", "service_full.json", "organization_full.json",
                                     "service_at_location_full.json"])
def test_brought_to_lindsay_each_form_imports_the_same_counselling_site(example, csv_in_lindsay, tmp_path):
    document = tmp_path / example
    document.write_text(json.dumps(in_lindsay(json.loads((EXAMPLES / example).read_text()))))
    from_csv = hsds.load(csv_in_lindsay, default_type="information_centre")
    from_json = hsds.load(document, default_type="information_centre")
    assert [(s.id, s.profile) for s in from_csv.services] == [(SITE, EXPECTED)]
    assert [(s.id, s.profile) for s in from_json.services] == [(SITE, EXPECTED)]
    assert [w.reason for w in from_json.warnings] == [w.reason for w in from_csv.warnings] == [
        "no service type in its taxonomy terms or name; imported as information_centre (the default type)", MY_STATE]
