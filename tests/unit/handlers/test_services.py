"""Service sites: registered by their operators, marked open, limited or closed with a reason, and
each change applied once however often it is sent."""
from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.errors import Rejected
from handlers.services import ServiceSite, SetServiceStatus, decide, service_commands
from handlers.sites import StatusChange
from tests.support.services import LIBRARY, NOON, charging_station

LATER = NOON + timedelta(minutes=5)


def registered() -> ServiceSite:
    site, _ = decide(None, charging_station(), NOON)
    return site


def test_a_new_site_is_registered_open_with_its_address_phone_and_hours():
    site, facts = decide(None, charging_station(), NOON)
    assert facts == []
    assert (site.id, site.status, site.open, site.version, site.updated_at) == (LIBRARY, "open", True, 1, NOON)
    assert site.address.line() == "345 Aylmer St N, Peterborough, ON K9H 3V7"
    assert (site.phone, site.schedules[0].opens_at.hour) == ("705-555-0150", 9)


def test_the_same_profile_again_changes_nothing_and_a_new_one_is_the_next_version():
    site = registered()
    again, _ = decide(site, charging_station(), LATER)
    assert again is site
    moved, _ = decide(site, charging_station(phone="705-555-0151"), LATER)
    assert (moved.phone, moved.version, moved.updated_at) == ("705-555-0151", 2, LATER)


def test_closing_a_site_says_why_in_one_action_and_the_same_news_twice_is_applied_once():
    site = registered()
    closed, facts = decide(site, SetServiceStatus(id=LIBRARY, status="closed", reason="no_power"), LATER)
    assert facts == []
    assert (closed.status, closed.status_reason, closed.open, closed.version) == ("closed", "no_power", False, 2)
    assert decide(closed, SetServiceStatus(id=LIBRARY, status="closed", reason="no_power"), LATER)[0] is closed


def test_a_limited_site_stays_open_and_reopening_clears_the_reason():
    limited, _ = decide(registered(), SetServiceStatus(id=LIBRARY, status="limited", reason="no_heat"), LATER)
    assert (limited.status, limited.status_reason, limited.open) == ("limited", "no_heat", True)
    reopened, _ = decide(limited, SetServiceStatus(id=LIBRARY, status="open"), LATER)
    assert (reopened.status, reopened.status_reason, reopened.open) == ("open", None, True)


def test_a_status_for_a_site_never_registered_is_rejected_for_the_dead_letters():
    with pytest.raises(Rejected, match="no service site 'nowhere'"):
        decide(None, SetServiceStatus(id="nowhere", status="closed", reason="damaged"), NOON)


@pytest.mark.parametrize("body, complaint", [
    ({"status": "closed"}, "say why the site is closed"),
    ({"status": "limited"}, "say why the site is limited"),
    ({"status": "open", "reason": "no_power"}, "an open site has no reason"),
])
def test_a_status_change_must_say_why_a_site_is_limited_or_closed_and_nothing_when_open(body, complaint):
    with pytest.raises(ValueError, match=complaint):
        StatusChange.model_validate(body)


def test_both_commands_read_back_from_the_wire_by_their_type():
    for command in (charging_station(), SetServiceStatus(id=LIBRARY, status="limited", reason="full")):
        assert service_commands.validate_json(command.model_dump_json()) == command
