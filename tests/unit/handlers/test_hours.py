"""Volunteer hour rules without Kafka: entries validated, duplicates counted once, corrections supersede."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from handlers.errors import Rejected
from handlers.hours import HoursLogged, HoursTotals, LogHours, log_hours
from tests.support.hours import NOON, ORILLIA, entry


def fold(*entries: HoursLogged) -> HoursTotals:
    totals = HoursTotals()
    for e in entries:
        totals.apply(e.id, totals.entries.get(e.id), e)
    return totals


def test_an_entry_is_accepted_for_a_known_incident():
    logged = log_hours(LogHours(**entry("vh-1").model_dump(include=set(LogHours.model_fields) - {"type"})), NOON, "active")
    assert logged.type == "HoursLogged" and logged.hours == 72.0


def test_hours_can_be_logged_after_the_incident_is_stood_down():
    body = entry("vh-1").model_dump(include=set(LogHours.model_fields) - {"type"})
    assert log_hours(LogHours(**body), NOON, "closed").id == "vh-1"


def test_an_unknown_incident_or_a_future_day_is_rejected():
    body = entry("vh-1").model_dump(include=set(LogHours.model_fields) - {"type"})
    with pytest.raises(Rejected, match="unknown incident"):
        log_hours(LogHours(**body), NOON, None)
    with pytest.raises(Rejected, match="future"):
        log_hours(LogHours(**{**body, "date": date(2025, 4, 5)}), NOON, "active")


@pytest.mark.parametrize("changes, fragment", [
    ({"volunteers": 0}, "volunteers"),
    ({"volunteers": 10_001}, "volunteers"),
    ({"hours": 0}, "hours"),
    ({"hours": 0.001}, "greater than or equal to 0.01"),
    ({"hours": 0.006}, "greater than or equal to 0.01"),
    ({"volunteers": 2, "hours": 48.5}, "24 per volunteer"),
    ({"activity": "karaoke"}, "activity"),
    ({"corrects": "vh-1"}, "cannot correct itself"),
])
def test_implausible_entries_are_refused_with_the_reason(changes, fragment):
    body = {**entry("vh-1").model_dump(include=set(LogHours.model_fields) - {"type"}), **changes}
    with pytest.raises(ValidationError, match=fragment):
        LogHours(**body)


def test_hours_are_kept_to_the_hundredth():
    assert entry("vh-1", hours=7.333).hours == 7.33


def test_totals_by_partner_activity_and_day():
    totals = fold(entry("a"), entry("b", partner="211-ontario", activity="information_referral", volunteers=6, hours=48),
                  entry("c", day="2025-03-31", hours=97.5, volunteers=15)).for_incident(ORILLIA)
    assert (totals.entries, totals.volunteers, totals.hours) == (3, 33, 217.5)
    assert totals.by_partner["salvation-army-on"].hours == 169.5
    assert totals.by_activity["information_referral"].volunteers == 6
    assert totals.by_day["2025-03-31"].hours == 97.5
    assert [(r.partner_id, r.activity, r.date.isoformat()) for r in totals.rows] == [
        ("211-ontario", "information_referral", "2025-03-30"),
        ("salvation-army-on", "meals", "2025-03-30"),
        ("salvation-army-on", "meals", "2025-03-31"),
    ]


def test_a_duplicate_entry_counts_once():
    totals = fold(entry("a"), entry("a"), entry("a")).for_incident(ORILLIA)
    assert (totals.entries, totals.hours) == (1, 72.0)


def test_a_correction_supersedes_the_entry_it_references():
    totals = fold(entry("a", hours=72), entry("a-fix", hours=60, corrects="a")).for_incident(ORILLIA)
    assert (totals.entries, totals.hours) == (1, 60.0)


def test_a_correction_arriving_first_still_supersedes():
    totals = fold(entry("a-fix", hours=60, corrects="a"), entry("a", hours=72)).for_incident(ORILLIA)
    assert (totals.entries, totals.hours) == (1, 60.0)


def test_a_chain_of_corrections_counts_the_last():
    totals = fold(entry("a", hours=72), entry("b", hours=60, corrects="a"), entry("c", hours=50, corrects="b"))
    assert totals.for_incident(ORILLIA).hours == 50.0


def test_removing_a_correction_restores_the_entry():
    totals = fold(entry("a", hours=72), entry("b", hours=60, corrects="a"))
    totals.apply("b", totals.entries["b"], None)
    assert totals.for_incident(ORILLIA).hours == 72.0


def test_totals_are_per_incident():
    totals = fold(entry("a"), entry("b", incident="ice-storm-2025-peterborough", hours=10))
    assert totals.for_incident(ORILLIA).hours == 72.0
    assert totals.for_incident("ice-storm-2025-peterborough").hours == 10.0
    assert totals.for_incident("nowhere").entries == 0


def _expected(entries: dict[str, HoursLogged]) -> tuple[int, int, int]:
    """A plain fold: every entry no other live entry corrects, summed once."""
    corrected = {e.corrects for e in entries.values() if e.corrects}
    counted = [e for k, e in entries.items() if k not in corrected]
    return len(counted), sum(e.volunteers for e in counted), sum(round(e.hours * 100) for e in counted)


record = st.builds(
    lambda i, h, v, c, a: entry(f"e{i}", hours=h, volunteers=v, corrects=f"e{c}" if c is not None and c != i else None,
                                activity=a),
    st.integers(0, 12), st.floats(0.01, 24, allow_nan=False).map(lambda h: round(h, 2)), st.integers(1, 3),
    st.one_of(st.none(), st.integers(0, 12)), st.sampled_from(["meals", "debris_clearing"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(record, st.integers(0, 12)), max_size=60))
def test_any_order_of_entries_duplicates_and_removals_gives_the_plain_fold(stream):
    totals = HoursTotals()
    live: dict[str, HoursLogged] = {}
    for item in stream:
        if isinstance(item, int):
            key = f"e{item}"
            totals.apply(key, live.get(key), None)
            live.pop(key, None)
        else:
            totals.apply(item.id, live.get(item.id), item)
            live[item.id] = item
    result = totals.for_incident(ORILLIA)
    entries, volunteers, centihours = _expected(live)
    assert (result.entries, result.volunteers, round(result.hours * 100)) == (entries, volunteers, centihours)
