"""Each navigator's referrals and the short codes in use, kept as referral states are read: the
holds list and the lookup by code read this instead of scanning every referral."""
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
