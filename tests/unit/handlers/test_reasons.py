"""Reasons: a code and the parameters it takes, read also from the sentences stored before codes."""
from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from handlers.reasons import Reason, ValidReason, legacy_reasons

REASON: TypeAdapter[Reason] = TypeAdapter(ValidReason)


def test_a_reason_carries_the_parameters_its_code_takes():
    assert REASON.validate_python({"code": "only_free", "free": 2, "message": "only 2 free beds"})["free"] == 2


@pytest.mark.parametrize("reason", [
    {"code": "only_free", "message": "only 2 free beds"},
    {"code": "no_pets", "message": "no pets", "free": 2},
    {"code": "no_such_code", "message": "?"},
])
def test_a_reason_missing_a_parameter_its_code_needs_or_with_one_it_does_not_take_is_invalid(reason):
    with pytest.raises(ValidationError):
        REASON.validate_python(reason)


def test_a_stored_sentence_reads_as_each_of_its_reasons():
    found = legacy_reasons("beyond 25 km, only 3 free beds, no service in oj")
    assert found == [{"code": "beyond", "message": "beyond 25 km", "radius_km": 25.0},
                     {"code": "only_free", "message": "only 3 free beds", "free": 3},
                     {"code": "no_language", "message": "no service in oj", "language": "oj"}]


def test_a_sentence_that_cannot_be_read_whole_is_one_other_reason():
    assert legacy_reasons("no pets, and a grumpy cat") == [{"code": "other", "message": "no pets, and a grumpy cat"}]
