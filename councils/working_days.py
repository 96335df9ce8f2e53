"""Working days in England and Wales: weekdays that are not bank holidays.

Pure date arithmetic (no models, no settings), so reminders and the staff
queue's ages are testable without a database. The bank holidays come from
the maintained `holidays` package (England's list, which Wales shares), not
a table we would have to remember to update each year.
"""

import datetime as dt
from collections.abc import Container, Iterable

import holidays


def england_and_wales_bank_holidays(years: Iterable[int]) -> frozenset[dt.date]:
    """Bank holidays (substitute days included) in the given years."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=list(years)).keys())


def is_working_day(day: dt.date, *, bank_holidays: Container[dt.date]) -> bool:
    return day.weekday() < 5 and day not in bank_holidays


def working_days_between(start: dt.date, end: dt.date, *, bank_holidays: Container[dt.date]) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start).

    A request made on Friday is 1 working day old on Monday, 3 on Wednesday.
    """
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, bank_holidays=bank_holidays):
            count += 1
    return count


def add_working_days(start: dt.date, days: int, *, bank_holidays: Container[dt.date]) -> dt.date:
    """The date `days` working days after `start`."""
    day = start
    added = 0
    while added < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, bank_holidays=bank_holidays):
            added += 1
    return day
