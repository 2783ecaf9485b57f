"""HSDS tables for tests: the Lindsay warming centre, one service at one location with its bed
count, which a test changes table by table, and helpers that read it as the import would."""
from __future__ import annotations

from typing import Any

from formats.hsds import Directory, ImportedService, ImportedShelter, sites_from
from formats.hsds_tables import CAPACITY, PATHS, Row

ORG = "3e6c7171-c01e-4fcd-b8e9-bb7c040916b7"
WARMING = "bee18ace-f96d-4bdd-b97b-184d566fb8cb"
LINDSAY = "a6491097-718b-4710-b37d-5c44e382888c"
FENELON = "41a4a1f6-babf-40cd-9eee-d5d54a710054"
AT_LINDSAY = "4a165df5-ac01-4cc8-9eb0-3f5175bb73aa"
AT_FENELON = "ec859b21-4010-46a5-bbea-b107e08da803"
SAL_ROW = "service_at_location.csv line 2"


def rows(name: str, *records: dict[str, Any]) -> list[Row]:
    """Records as the rows of a CSV package's table, line 2 onwards."""
    return [Row(f"{PATHS[name]} line {i + 2}", record) for i, record in enumerate(records)]


def lindsay_records() -> dict[str, list[dict[str, Any]]]:
    return {
        "organization": [{"id": ORG, "name": "Sample: Kawartha Lakes Emergency Social Services"}],
        "service": [{"id": WARMING, "organization_id": ORG, "name": "Emergency warming centre", "status": "active"}],
        "location": [{"id": LINDSAY, "location_type": "physical", "organization_id": ORG,
                      "name": "Sample: Lindsay Recreation Complex", "latitude": "44.35212", "longitude": "-78.72654"}],
        "service_at_location": [{"id": AT_LINDSAY, "service_id": WARMING, "location_id": LINDSAY}],
        "address": [{"id": "addr-1", "location_id": LINDSAY, "address_1": "133 Adelaide St S", "city": "Lindsay",
                     "state_province": "ON", "postal_code": "K9V 3K2", "country": "CA", "address_type": "physical"}],
        "language": [{"id": "lang-1", "location_id": LINDSAY, "code": "en"},
                     {"id": "lang-2", "location_id": LINDSAY, "code": "fr"}],
        CAPACITY: [{"service_at_location_id": AT_LINDSAY, "capacity": "120", "occupancy": "38",
                    "accepts_pets": "true", "accessible": "true", "families": "TRUE", "partner_id": ""}],
    }


def directory(**changes: list[dict[str, Any]] | dict[str, Any]) -> dict[str, list[Row]]:
    """The Lindsay warming centre; `changes` replace whole tables (a list of records, which may be
    a table it lacks) or update the single record of one of its tables (a dict)."""
    tables = lindsay_records()
    for name, change in changes.items():
        tables[name] = change if isinstance(change, list) else [{**tables[name][0], **change}]
    return {name: rows(name, *records) for name, records in tables.items()}


def without_beds(**changes: list[dict[str, Any]] | dict[str, Any]) -> dict[str, list[Row]]:
    """The Lindsay site with no bed count: a service site, whose type its name or terms say."""
    return directory(**{CAPACITY: [], **changes})


def read(tables: dict[str, list[Row]], default_type: str | None = None) -> Directory:
    return sites_from(tables, default_type=default_type)


def the_site(tables: dict[str, list[Row]], default_type: str | None = None) -> ImportedShelter | ImportedService:
    """The one site the tables hold; fails the test with the reasons if it was rejected."""
    found = read(tables, default_type)
    assert not found.rejected, found.rejected
    (site,) = found.shelters + found.services
    return site


def reasons(tables: dict[str, list[Row]]) -> tuple[str, ...]:
    """Every reason the Lindsay service_at_location is rejected."""
    found = read(tables)
    assert not found.shelters and not found.services, found
    (rejected,) = found.rejected
    assert rejected.row == SAL_ROW and rejected.id == AT_LINDSAY
    return rejected.reasons
