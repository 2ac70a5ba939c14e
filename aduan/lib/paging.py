"""Pages of long lists without COUNT(*).

Counting a million reports costs more than showing a page of them, so a page fetches one
row more than it shows to learn whether a next page exists, and offers newer/older links
instead of a page count.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.has_previous else None

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.has_next else None


MAX_PAGE = 1_000_000  # a page past the last is empty; far past, its offset would overflow


def page_number(param) -> int:
    """The 1-based page number in ?page (at most `MAX_PAGE`), or 1 for anything else."""
    try:
        return min(max(1, int(param or 1)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def paginate(queryset: QuerySet, page_param, size: int) -> Page:
    """One page of an ordered `queryset` in one query."""
    number = page_number(page_param)
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)
