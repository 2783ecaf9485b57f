"""HSDS 3.0 directories on disk and through the API: `muster import hsds`, `muster export hsds`.

The mapping is formats/hsds.py (JSON forms: formats/hsds_json.py; the package written:
formats/hsds_export.py); this module reads and writes the files, sends the shelters and other
services through the API as any client would, and reports what became of every row.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from formats.hsds import Directory, sites_from
from formats.hsds_export import COLUMNS, datapackage, package_from
from formats.hsds_json import tables_from_json
from formats.hsds_tables import PATHS, Rejection, Row
from formats.spreadsheets import SafeDictWriter
from handlers.services import ServiceProfile
from handlers.shelters import ShelterProfile
from handlers.sites import BED_SERVICE
from muster.seed import BY_KEY, Call, Tally

REQUIRED = ("service", "location", "service_at_location")
"""Tables an HSDS package must have for Muster to find sites in it."""
SERVICES_LISTING = "/v1/exports/services.geojson"
"""Every service site: a GeoJSON FeatureCollection whose features carry the site's id, a Point
and its profile's fields as properties."""
PAGE = 1000
NOTICE = ("Exported from Muster's directory of shelters and services. Records named \"Sample:\" are illustrative "
          "samples; x_muster_capacity.csv (beds and household needs) and x_muster_service.csv (type, needs and "
          "status of other services) are Muster's extensions to HSDS 3.0.")


class PackageError(ValueError):
    """A directory that cannot be read at all (as opposed to rows that are rejected)."""


def load(path: Path, default_type: str | None = None) -> Directory:
    """A CSV package (a folder) or an HSDS JSON file, mapped to shelters, services and rejections;
    `default_type` goes to services whose type cannot be told (formats.hsds.sites_from)."""
    if path.is_dir():
        return sites_from(_read_package(path), default_type=default_type)
    try:
        document = json.loads(path.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PackageError(f"{path} is neither an HSDS CSV package folder nor an HSDS JSON file: {exc}") from None
    return sites_from(*tables_from_json(document), default_type=default_type)


def _read_package(folder: Path) -> dict[str, list[Row]]:
    """The tables Muster reads, found where datapackage.json says (or at the HSDS 3.0 names)."""
    paths = dict(PATHS)
    descriptor = folder / "datapackage.json"
    if descriptor.exists():
        try:
            listed = json.loads(descriptor.read_text("utf-8-sig")).get("resources") or []
        except (UnicodeDecodeError, ValueError, AttributeError) as exc:
            raise PackageError(f"{descriptor} is not a data package descriptor: {exc}") from None
        paths.update({r["name"]: r["path"] for r in listed
                      if isinstance(r, dict) and r.get("name") in paths and isinstance(r.get("path"), str)})
    tables = {}
    root = folder.resolve()
    for name, relative in paths.items():
        file = (folder / relative).resolve()
        if not file.is_relative_to(root):
            raise PackageError(f"datapackage.json puts {name} outside the package ({relative})")
        if not file.is_file():
            if name in REQUIRED:
                raise PackageError(f"{folder} has no {relative}: an HSDS package needs "
                                   f"{', '.join(PATHS[n] for n in REQUIRED)}")
            continue
        try:
            with file.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                tables[name] = [Row(f"{relative} line {reader.line_num}", row) for row in reader]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PackageError(f"{relative} cannot be read as UTF-8 CSV: {exc}") from None
    return tables


def calls(directory: Directory) -> list[Call]:
    """A PUT /v1/shelters/{id} for each shelter the directory holds, then a PUT /v1/services/{id}
    for each other service."""
    kinds = ((BY_KEY["shelters"], directory.shelters), (BY_KEY["services"], directory.services))
    return [kind.call({"id": s.id, **s.profile.model_dump(mode="json", exclude={"v"})}, s.row)
            for kind, sites in kinds for s in sites]


def report(source: Path, directory: Directory, tally: Tally | None) -> dict[str, Any]:
    """What became of every row; `tally` is None for a dry run, which sends nothing.

    `accepted` lists each site with its row, id and kind (`shelter`, or the service's type)."""
    sites = [{"row": s.row, "id": s.id, "kind": "shelter"} for s in directory.shelters]
    sites += [{"row": s.row, "id": s.id, "kind": s.profile.service_type} for s in directory.services]
    ids = {s["row"]: s["id"] for s in sites}
    refused = [{"row": r.call.ref, "id": ids[r.call.ref], "status": r.status, "reasons": [r.reason]}
               for r in (tally.refused if tally else [])]
    refused_rows = {r["row"] for r in refused}
    return {
        "source": str(source),
        "dry_run": tally is None,
        "rows": directory.rows,
        "accepted": [s for s in sites if s["row"] not in refused_rows],
        "rejected": [_entry(r) for r in directory.rejected],
        "refused": refused,
        "warnings": [_entry(r) for r in directory.warnings],
    }


def _entry(rejection: Rejection) -> dict[str, Any]:
    return {"row": rejection.row, "id": rejection.id, "reasons": list(rejection.reasons)}


def show(summary: dict[str, Any], console: Console) -> None:
    dry = " (dry run: nothing sent)" if summary["dry_run"] else ""
    counts = Table(title=escape(f"HSDS import of {summary['source']}{dry}"))
    for column in ("rows read", "shelters", "services", "rejected", "refused by the API"):
        counts.add_column(column, justify="right")
    shelters = sum(1 for s in summary["accepted"] if s["kind"] == "shelter")
    counts.add_row(str(summary["rows"]), str(shelters), str(len(summary["accepted"]) - shelters),
                   str(len(summary["rejected"])), str(len(summary["refused"])))
    console.print(counts)
    for title, entries in (("Rejected", summary["rejected"]), ("Refused by the API", summary["refused"]),
                           ("Warnings", summary["warnings"])):
        if entries:
            table = Table(title=title, title_justify="left")
            for column in ("row", "id", "reasons"):
                table.add_column(column, overflow="fold")
            for entry in entries:
                status = f"{entry['status']} " if "status" in entry else ""
                reasons = "\n".join(f"- {reason}" if len(entry["reasons"]) > 1 else reason
                                    for reason in entry["reasons"])
                table.add_row(escape(entry["row"]), escape(entry["id"] or ""), escape(status + reasons))
            console.print(table)


def export(client: httpx.Client, folder: Path) -> tuple[int, int]:
    """Write the API's directory as an HSDS 3.0 CSV package; returns how many shelters and services.

    Shelters are read from GET /v1/shelters, the other sites from SERVICES_LISTING (the navigator's
    search needs a place; this lists every site); a shelter listed there too is written once."""
    shelters = [(view["id"], shelter_profile(view)) for view in _all(client, "/v1/shelters")]
    beds = {sid for sid, _ in shelters}
    services = [(view["id"], service_profile(view)) for view in _service_sites(client)
                if view["id"] not in beds and view.get("service_type") != BED_SERVICE]
    partner_names = {p["id"]: p["name"] for p in _all(client, "/v1/partners")}
    tables = package_from(shelters, services, partner_names)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / PATHS[name]).open("w", encoding="utf-8", newline="") as f:
            writer = SafeDictWriter(f, fieldnames=[column for column, _ in COLUMNS[name]])
            writer.writeheader()
            writer.writerows(rows)
    (folder / "datapackage.json").write_text(json.dumps(datapackage(NOTICE), indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    return len(shelters), len(services)


def _service_sites(client: httpx.Client) -> list[dict[str, Any]]:
    """Every service site as its profile fields and id, from the GeoJSON export's features."""
    response = client.get(SERVICES_LISTING)
    response.raise_for_status()
    return [{**feature["properties"], "id": feature["id"],
             "location": dict(zip(("lon", "lat"), feature["geometry"]["coordinates"], strict=False))}
            for feature in response.json()["features"]]


def _all(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        response = client.get(path, params={"limit": PAGE, "offset": len(found)})
        response.raise_for_status()
        page = response.json()
        found += page
        if len(page) < PAGE:
            return found


def shelter_profile(view: dict[str, Any]) -> ShelterProfile:
    """What PUT /v1/shelters/{id} would set, read from the shelter's view in GET /v1/shelters."""
    return ShelterProfile.model_validate({k: view[k] for k in ShelterProfile.model_fields if k in view and k != "v"})


def service_profile(view: dict[str, Any]) -> ServiceProfile:
    """What PUT /v1/services/{id} would set, read from the service's view in GET /v1/services."""
    return ServiceProfile.model_validate({k: view[k] for k in ServiceProfile.model_fields if k in view and k != "v"})
