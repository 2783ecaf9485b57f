"""Each navigator's referrals and the short codes in use, kept as referral states are read: the
holds list and the lookup by code read this instead of scanning every referral. And the referrals
in flight, which the cap on a navigator's holds counts with those the view has read."""
from __future__ import annotations

from collections import defaultdict

from handlers.referrals import Referral


class ReferralIndex:
    """Referral ids by navigator (the `requested_by` subject) and by short code."""

    def __init__(self) -> None:
        self._by_navigator: dict[str, set[str]] = defaultdict(set)
        self._by_code: dict[str, set[str]] = defaultdict(set)

    def apply(self, key: str, old: Referral | None, new: Referral | None) -> None:
        """Follow one change of the referral `key` (None: not there, before or after)."""
        for referral, add in ((old, False), (new, True)):
            if referral is None:
                continue
            places = [(self._by_code, referral.code), (self._by_navigator, referral.requested_by)]
            for index, name in places:
                if name is None:
                    continue
                if add:
                    index[name].add(key)
                else:
                    index[name].discard(key)
                    if not index[name]:
                        del index[name]

    def of(self, navigator: str) -> set[str]:
        """The ids of the navigator's referrals."""
        return set(self._by_navigator.get(navigator, ()))

    def with_code(self, code: str) -> set[str]:
        """The ids of the referrals with this code (more than one only across navigators)."""
        return set(self._by_code.get(code, ()))


class InFlight:
    """Referral ids this API replica has admitted but its view has not read yet, per navigator.

    The view learns of a referral a Kafka round trip after it is sent; a burst of a navigator's
    requests all read the same count in that time, so the cap counts these too. Admitting is a
    check and a reservation with no await between them: the event loop runs one at a time."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = defaultdict(set)

    def count(self, navigator: str) -> int:
        return len(self._ids.get(navigator, ()))

    def reserve(self, navigator: str, referral_id: str) -> None:
        self._ids[navigator].add(referral_id)

    def landed(self, navigator: str, referral_id: str) -> None:
        """The view has read the referral (it counts it from here), or it was never sent."""
        ids = self._ids.get(navigator)
        if ids is not None:
            ids.discard(referral_id)
            if not ids:
                del self._ids[navigator]
