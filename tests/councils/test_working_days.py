"""Working days in England and Wales (councils/working_days.py, pure)."""

import datetime as dt

from councils.working_days import (
    add_working_days,
    england_and_wales_bank_holidays,
    working_days_between,
)

HOLIDAYS_2026 = england_and_wales_bank_holidays([2026])


def test_bank_holidays_come_from_the_maintained_list():
    assert dt.date(2026, 4, 3) in HOLIDAYS_2026  # Good Friday
    assert dt.date(2026, 8, 31) in HOLIDAYS_2026  # Summer bank holiday (England, not Scotland)
    assert dt.date(2026, 12, 28) in HOLIDAYS_2026  # Boxing Day substitute
    assert dt.date(2026, 8, 3) not in HOLIDAYS_2026  # Scotland's summer holiday


def test_a_friday_request_is_one_working_day_old_on_monday():
    friday = dt.date(2026, 11, 27)

    assert working_days_between(friday, dt.date(2026, 11, 30), bank_holidays=HOLIDAYS_2026) == 1
    assert working_days_between(friday, dt.date(2026, 12, 2), bank_holidays=HOLIDAYS_2026) == 3


def test_christmas_bank_holidays_are_skipped():
    assert add_working_days(dt.date(2026, 12, 23), 3, bank_holidays=HOLIDAYS_2026) == dt.date(
        2026, 12, 30
    )


def test_no_working_days_before_or_on_the_day_itself():
    day = dt.date(2026, 11, 30)

    assert working_days_between(day, day, bank_holidays=HOLIDAYS_2026) == 0
    assert working_days_between(day, day - dt.timedelta(days=3), bank_holidays=HOLIDAYS_2026) == 0
