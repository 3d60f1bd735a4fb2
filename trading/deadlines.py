"""The deadlines a procedure's rules set, as real moments for one transaction.

A rule says "at least 3 working days after the notice", "within 5 working days", "within
30 days". These functions count them on the station's holiday calendar
(trading/workdays.py, which refuses a year it has no data for) and, for a sandbox
transaction, compress the period (trading/clock.py). The result is the one instant that is
shown, enforced and ledgered.
"""

from datetime import datetime, timedelta

from . import clock, workdays


def at_least_working_days(transaction, start: datetime, n: int) -> datetime:
    """The earliest moment "at least n working days after" `start` (00:00 of the n-th
    working day after its day, Beijing time)."""
    return clock.compress(transaction, start, workdays.earliest_deadline(start, n))


def within_working_days(transaction, start: datetime, n: int) -> datetime:
    """The end of "within n working days" of `start` (24:00 of the n-th working day)."""
    return clock.compress(transaction, start, workdays.working_days_deadline(start, n))


def within_days(transaction, start: datetime, days: int) -> datetime:
    """The end of "within n (calendar) days" of `start`."""
    return clock.compress(transaction, start, start + timedelta(days=days))


def at_least_days(transaction, start: datetime, days: int) -> datetime:
    """The earliest moment "at least n (calendar) days after" `start`."""
    return within_days(transaction, start, days)
