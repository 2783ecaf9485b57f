"""The one CSV writer: every cell a spreadsheet would run as a formula is written as text."""
from __future__ import annotations

import csv
import io

import pytest

from formats.spreadsheets import SafeDictWriter, SafeWriter, spreadsheet_safe

FORMULAS = ['=HYPERLINK("http://evil.example", "Sample: Orillia")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "-", "+"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_cell_that_starts_a_formula_is_written_as_text(cell):
    out = io.StringIO()
    SafeWriter(out).writerow(["Sample: Orillia arena", cell])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["Sample: Orillia arena", "'" + cell]


@pytest.mark.parametrize("cell", ["-79.3877", "-2", "+1.5", "44.6", "1e-3", "The Salvation Army", "'=already text", ""])
def test_numbers_plain_text_and_guarded_text_are_written_as_they_are(cell):
    assert spreadsheet_safe(cell) == cell


def test_the_dict_writer_guards_every_row_and_keeps_numbers():
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=["name", "longitude"])
    writer.writeheader()
    writer.writerows([{"name": "=1+1", "longitude": "-79.38"}, {"name": "@cmd", "longitude": -80}])
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == [
        {"name": "'=1+1", "longitude": "-79.38"}, {"name": "'@cmd", "longitude": "-80"}]
