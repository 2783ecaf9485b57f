"""State tables hold JSON snapshots; decoding is skipped while the stored bytes are unchanged."""
from __future__ import annotations

from handlers.incidents import Incident, decide
from streams.runtime import Snapshots
from tests.unit.handlers.test_incidents import NOON, declaration


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
