"""CSV that a spreadsheet opens as data, never as formulas: the one writer every CSV export uses
(the API's commitments and volunteer hours, `muster export hsds`).

A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
Excel, LibreOffice and Google Sheets (OWASP "CSV injection"): `=HYPERLINK("http://x", "Sample")`
in a partner's name becomes a link on a funder's screen. Such a cell is written with a leading
apostrophe, which the spreadsheet shows as text. A cell that is only a number ("-79.38", "-2")
is left as it is: it is no formula, and data packages type those columns as numbers.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def spreadsheet_safe(value: Any) -> str:
    """The text of `value` as a spreadsheet will show it and not run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not NUMBER.match(text):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer's `writerow`/`writerows`, every cell through `spreadsheet_safe`."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n", **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """csv.DictWriter whose rows (and header) go through `spreadsheet_safe`."""

    def __init__(self, out: IO[str], fieldnames: list[str], **options: Any) -> None:
        super().__init__(out, fieldnames, **options)
        self.writer = SafeWriter(out)  # type: ignore[assignment]  # csv's writer type is not nameable; SafeWriter quacks as one
