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
