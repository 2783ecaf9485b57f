"""HSDS 3.0 JSON read as tables: compiled services, compiled service_at_locations, organizations
with their services, and tabular JSON (one object of tables), alone, in a list or in an API page.

Nested objects become rows of their own tables with the column that names their parent filled in
(a schedule nested in a service gets its `service_id`), so the mapping reads JSON as it reads a
CSV package. Each row remembers where it was found (`$.contents[0].service_at_locations[1]`).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from formats.hsds_tables import CAPACITY, PATHS, SITE, Rejection, Row, table_names

NESTED: dict[str, dict[str, tuple[str, str]]] = {
    "organization": {"services": ("service", "organization_id"), "locations": ("location", "organization_id"),
                     "phones": ("phone", "organization_id")},
    "service": {"service_at_locations": ("service_at_location", "service_id"), "languages": ("language", "service_id"),
                "phones": ("phone", "service_id"), "schedules": ("schedule", "service_id"),
                "attributes": ("attribute", "link_id")},
    "service_at_location": {"phones": ("phone", "service_at_location_id"),
                            "schedules": ("schedule", "service_at_location_id"), "attributes": ("attribute", "link_id"),
                            CAPACITY: (CAPACITY, "service_at_location_id"), SITE: (SITE, "service_at_location_id")},
    "location": {"addresses": ("address", "location_id"), "languages": ("language", "location_id"),
                 "phones": ("phone", "location_id"), "schedules": ("schedule", "location_id"),
                 "accessibility": ("accessibility", "location_id")},
}
"""Lists nested in an object (Muster's extensions: one object), the table of their rows and the
column of each that names the object they are nested in."""

EMBEDDED: dict[str, dict[str, tuple[str, str]]] = {
    "service": {"organization": ("organization", "organization_id")},
    "service_at_location": {"service": ("service", "service_id"), "location": ("location", "location_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
}
"""Objects embedded in an object that refers to them, and the column of the referring row."""

SINGLE = (CAPACITY, SITE)


class Read(NamedTuple):
    """Tables read from a document, items that could not even be rows (they count as rows read,
    rejected), and warnings about nested parts left out."""

    tables: dict[str, list[Row]]
    rejected: list[Rejection]
    warnings: list[Rejection]


def tables_from_json(document: Any) -> Read:
    """An HSDS 3.0 JSON document as tables, whatever its form."""
    reader = _Reader()
    if (tabular := _tabular_keys(document)) is not None:
        for key, name in tabular.items():
            for i, item in enumerate(document[key]):
                reader.row(name, f"$[{json.dumps(key)}][{i}]", item)
        return reader.read()
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        items = [(f"$.contents[{i}]", item) for i, item in enumerate(document["contents"])]
    elif isinstance(document, list):
        items = [(f"$[{i}]", item) for i, item in enumerate(document)]
    else:
        items = [("$", document)]
    for ref, item in items:
        reader.item(ref, item)
    return reader.read()


def _tabular_keys(document: Any) -> dict[str, str] | None:
    """The keys of a tabular JSON document (`{"services.csv": [rows], ...}`) and their tables."""
    if not isinstance(document, dict) or "id" in document or "contents" in document:
        return None
    aliases = {alias: name for name in PATHS for alias in table_names(name)}
    keys = {key: aliases[key] for key in document if key in aliases}
    if not keys or not all(isinstance(document[key], list) for key in keys):
        return None
    return keys


class _Reader:
    def __init__(self) -> None:
        self.tables: dict[str, list[Row]] = {name: [] for name in PATHS}
        self.rejected: list[Rejection] = []
        self.warnings: list[Rejection] = []
        self._seen: set[tuple[str, str, str]] = set()

    def read(self) -> Read:
        return Read(self.tables, self.rejected, self.warnings)

    def item(self, ref: str, item: Any) -> None:
        """One top-level item: a service, a service_at_location or an organization."""
        if not isinstance(item, dict):
            self.rejected.append(Rejection(ref, None, ("not a JSON object",)))
        elif "service_at_locations" in item:
            self.add("service", ref, item, {})
        elif "services" in item:
            self.add("organization", ref, item, {})
        elif isinstance(item.get("service"), dict) or isinstance(item.get("location"), dict):
            self.add("service_at_location", ref, item, {})
        else:
            self.rejected.append(Rejection(ref, _id_of(item), (_not_a_site(item),)))

    def row(self, name: str, ref: str, item: Any) -> None:
        """One row of tabular JSON."""
        if isinstance(item, dict):
            self.tables[name].append(Row(ref, item))
        else:
            self._not_an_object(name, ref)

    def add(self, table: str, ref: str, item: Mapping[str, Any], links: Mapping[str, Any], parent: str = "") -> str:
        """`item` (nested in a `parent` table's object, if any) and everything nested in it as rows;
        returns its id (as text, '' if none)."""
        fields = {k: v for k, v in item.items() if k not in NESTED.get(table, {}) and k not in EMBEDDED.get(table, {})}
        fields.update({k: v for k, v in links.items() if v is not None})
        problems: list[str] = []
        for key, (name, column) in EMBEDDED.get(table, {}).items():
            value = item.get(key)
            if isinstance(value, dict):
                embedded = self.add(name, f"{ref}.{key}", value, {})
                if embedded and not fields.get(column):
                    fields[column] = embedded
            elif value is not None:
                problems.append(f"{key} is not an object")
        nested = self._nested(table, ref, item, problems)
        if table == "attribute" and parent:
            fields.setdefault("link_entity", parent)
        own_id = _id_of(fields) or ""
        seen = (table, own_id, json.dumps(links, sort_keys=True, default=str))
        if own_id and seen in self._seen:
            return own_id
        self._seen.add(seen)
        if table == "service_at_location":
            self.tables[table].append(Row(ref, fields, tuple(problems)))
        else:
            self.tables[table].append(Row(ref, fields))
            self.warnings += [Rejection(ref, own_id or None, (f"{problem}; left out",)) for problem in problems]
        for name, column, where, child in nested:
            self.add(name, where, child, {column: own_id or None}, table)
        return own_id

    def _nested(self, table: str, ref: str, item: Mapping[str, Any],
                problems: list[str]) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The objects nested in `item`, as (table, parent column, where, object); a value of the
        wrong JSON type is a problem of `item`, an item of a list that is no object is reported."""
        found = []
        for key, (name, column) in NESTED.get(table, {}).items():
            value = item.get(key)
            if value is None:
                continue
            if name in SINGLE:
                if isinstance(value, dict):
                    found.append((name, column, f"{ref}.{key}", value))
                else:
                    problems.append(f"{key} is not an object")
                continue
            if not isinstance(value, list):
                if name == "service_at_location":  # the sites themselves: rows read, and rejected
                    self.rejected.append(Rejection(f"{ref}.{key}", _id_of(item), (f"{key} is not a list",)))
                else:
                    problems.append(f"{key} is not a list")
                continue
            for j, child in enumerate(value):
                if isinstance(child, dict):
                    found.append((name, column, f"{ref}.{key}[{j}]", child))
                else:
                    self._not_an_object(name, f"{ref}.{key}[{j}]")
        return found

    def _not_an_object(self, table: str, ref: str) -> None:
        if table == "service_at_location":
            self.rejected.append(Rejection(ref, None, ("not a JSON object",)))
        else:
            self.warnings.append(Rejection(ref, None, (f"not a JSON object; this {table} is left out",)))


def _not_a_site(item: Mapping[str, Any]) -> str:
    if "status" in item:
        return "a service without service_at_locations: Muster needs to know where it is offered"
    if "latitude" in item or "addresses" in item:
        return "a location without a service: Muster needs to know what is offered there"
    return ("neither an HSDS service with service_at_locations, a service_at_location with its service and "
            "location, nor an organization with its services")


def _id_of(item: Any) -> str | None:
    return str(item["id"]) if isinstance(item, Mapping) and item.get("id") is not None else None
