"""CSV files as spreadsheet programs open them: UTF-8 with a byte-order mark (without
it, Excel reads UTF-8 as the Windows code page and garbles every non-ASCII letter),
and no cell a spreadsheet would run as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

BYTE_ORDER_MARK = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """`value`, with a text that starts like a formula quoted; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """The lines of a CSV file of `rows` (None as an empty cell), byte-order mark
    first, for a streamed response."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK
    for row in rows:
        yield writer.writerow(["" if cell is None else formula_safe(cell) for cell in row])
