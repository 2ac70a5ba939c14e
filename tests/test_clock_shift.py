"""The demonstration clock shift moves a whole process into the future, or refuses."""

import datetime

import pytest
from django.utils import timezone

from aduan.system.apps import shift_clock


def test_no_shift_by_default():
    assert shift_clock("") is None


def test_shift_moves_the_clock_forward_and_keeps_it_ticking():
    before = timezone.now()
    traveller = shift_clock("10")
    try:
        shifted = timezone.now()
        assert (
            datetime.timedelta(days=9, hours=23)
            < shifted - before
            < datetime.timedelta(days=10, hours=1)
        )
    finally:
        traveller.stop()
    assert timezone.now() - before < datetime.timedelta(hours=1)


def test_shift_that_is_not_a_number_is_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="ADUAN_CLOCK_SHIFT_DAYS"):
        shift_clock("next week")
