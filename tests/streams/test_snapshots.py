"""State tables hold JSON snapshots; decoding is skipped while the stored bytes are unchanged."""
from __future__ import annotations

from handlers.incidents import Incident, decide
from streams.runtime import Snapshots
from tests.support.clock import NOON
from tests.support.incidents import declaration


def test_a_snapshot_reads_back_equal_and_a_recovered_value_is_decoded_afresh():
    table: dict[bytes, bytes] = {}
    snapshots = Snapshots(table, Incident)
    incident, _ = decide(None, declaration(), NOON)
    snapshots.put(incident.id, incident)
    assert snapshots.get(incident.id) is incident
    changed = incident.model_copy(update={"title": "Recovered from the changelog"})
    table[incident.id.encode()] = changed.model_dump_json().encode()
    assert snapshots.get(incident.id) == changed
    snapshots.delete(incident.id)
    assert snapshots.get(incident.id) is None and incident.id.encode() not in table


def test_a_scan_of_every_snapshot_parses_each_once_while_its_bytes_stay_the_same():
    table: dict[bytes, bytes] = {}
    snapshots = Snapshots(table, Incident)
    incident, _ = decide(None, declaration(), NOON)
    recovered = incident.model_copy(update={"id": "recovered", "title": "Read from the changelog"})
    snapshots.put(incident.id, incident)
    table[b"recovered"] = recovered.model_dump_json().encode()
    table[b"deleted"] = None
    first = dict(snapshots.items())
    assert first == {incident.id: incident, "recovered": recovered}
    assert first[incident.id] is incident
    second = dict(snapshots.items())
    assert second["recovered"] is first["recovered"] and snapshots.get("recovered") is first["recovered"]
    table[b"recovered"] = recovered.model_copy(update={"title": "Changed"}).model_dump_json().encode()
    assert dict(snapshots.items())["recovered"].title == "Changed"


class Writes(dict):
    """A table that counts what is written to it and removed from it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.removals = 0

    def __setitem__(self, key, value) -> None:
        self.writes += 1
        super().__setitem__(key, value)

    def pop(self, key, default=None):
        self.removals += 1
        return super().pop(key, default)


def test_a_decision_is_saved_only_when_it_changes_the_snapshot_and_a_forgotten_one_is_deleted():
    table = Writes()
    snapshots = Snapshots(table, Incident)
    incident, _ = decide(None, declaration(), NOON)
    assert snapshots.save(incident.id, None, incident) is True and table.writes == 1
    assert snapshots.save(incident.id, incident, incident.model_copy()) is False and table.writes == 1
    closed = incident.model_copy(update={"status": "closed"})
    assert snapshots.save(incident.id, incident, closed) is True and snapshots.get(incident.id) == closed
    assert snapshots.save("never-declared", None, None) is False and table.removals == 0
    assert snapshots.save(incident.id, closed, None) is False
    assert snapshots.get(incident.id) is None and table.removals == 1
