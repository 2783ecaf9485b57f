"""Open Referral HSDS 3.0 as tables: the rows Muster reads, where each table lies in a package,
and what a report says about a row. Shared by the readers (CSV, JSON), the mapping and the export.

Every HSDS form Muster reads (a CSV package, tabular JSON, compiled or organisation-nested JSON)
is first turned into these tables, one list of `Row`s per HSDS resource name, so that one mapping
(formats/hsds.py) reads them all alike.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from formats.spreadsheets import spreadsheet_safe

CAPACITY = "x_muster_capacity"
"""Muster's extension for beds: one row per bed service_at_location (formats/hsds.py)."""
SITE = "x_muster_service"
"""Muster's extension for every other service: its type, needs and status, one row per
service_at_location; optional."""

PATHS: dict[str, str] = {
    "organization": "organizations.csv",
    "service": "services.csv",
    "location": "locations.csv",
    "service_at_location": "service_at_location.csv",
    "address": "addresses.csv",
    "phone": "phones.csv",
    "schedule": "schedules.csv",
    "language": "languages.csv",
    "accessibility": "accessibility.csv",
    "attribute": "attributes.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "taxonomy": "taxonomies.csv",
    CAPACITY: f"{CAPACITY}.csv",
    SITE: f"{SITE}.csv",
}
"""The tables Muster reads, by HSDS 3.0 resource name, and their file in a CSV package (unless
its datapackage.json says otherwise). HSDS tables not named here (contacts, funding, ...) are
not read."""

_FORMULA_GUARD = "'"


@dataclass(frozen=True)
class Row:
    """One record of an HSDS table, where it was read (for the report), and any problem the
    reader found in its shape (a nested value of the wrong JSON type), reported with the row's."""

    ref: str
    fields: Mapping[str, Any]
    problems: tuple[str, ...] = ()

    def text(self, name: str) -> str:
        """The field as trimmed text; a missing field or JSON null is ''."""
        value = self.fields.get(name)
        return "" if value is None else str(value).strip()

    def clean(self, name: str) -> str:
        """The field as written before an export guarded it against spreadsheets."""
        return unguarded(self.text(name))

    def label(self) -> str:
        """How a report names the record: its name if it has one, else its id."""
        return repr(self.clean("name")) if self.text("name") else self.text("id")


@dataclass(frozen=True)
class Rejection:
    """A row that is not imported (or a warning about one), where it is and every reason."""

    row: str
    id: str | None
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


Tables = Mapping[str, Sequence[Row]]


def table_names(name: str) -> tuple[str, ...]:
    """What a table may be called in tabular JSON: `service`, `services` or `services.csv`."""
    path = PATHS[name]
    return (name, path, path.removesuffix(".csv"))


def unguarded(text: str) -> str:
    """Text as written before an export guarded it against spreadsheets (see spreadsheet_safe)."""
    return text[1:] if text.startswith(_FORMULA_GUARD) and spreadsheet_safe(text[1:]) != text[1:] else text
