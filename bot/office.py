"""Office hours and working-time arithmetic (pure: no Telegram, no storage, no clock).

When the office is open (OFFICE_HOURS, minus OFFICE_CLOSED_DATES), when it next opens, what
time a number of working hours after a moment is, and how many working hours lie between
two moments. Everything is in Jakarta time (WIB), which has no daylight saving.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.announcement import JAKARTA

DEFAULT_OFFICE_HOURS = "Mon-Fri 08:00-16:00"
DAY = timedelta(days=1)

# Day names staff may write, English and Indonesian, full or short: 0 is Monday.
_DAY_NAMES = {
    0: ("mon", "monday", "sen", "senin"),
    1: ("tue", "tues", "tuesday", "sel", "selasa"),
    2: ("wed", "wednesday", "rab", "rabu"),
    3: ("thu", "thur", "thurs", "thursday", "kam", "kamis"),
    4: ("fri", "friday", "jum", "jumat", "jum'at"),
    5: ("sat", "saturday", "sab", "sabtu"),
    6: ("sun", "sunday", "min", "minggu", "ahad"),
}
WEEKDAYS = {name: day for day, names in _DAY_NAMES.items() for name in names}
_CLAUSE = re.compile(r"^(?P<days>[^\d]+?)\s+(?P<times>\d.*)$")
_SPAN = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})$")

Interval = tuple[int, int]  # minutes after midnight: [start, end)


class OfficeHoursError(ValueError):
    """OFFICE_HOURS or OFFICE_CLOSED_DATES cannot be read; the message says what and how."""


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """The office's regular week: for each weekday (0 = Monday), its open intervals."""

    days: tuple[tuple[Interval, ...], ...]

    def runs(self) -> list[tuple[int, int, tuple[Interval, ...]]]:
        """(first weekday, last weekday, intervals) for consecutive days open alike: what a
        sentence like "Monday-Friday 08:00-16:00" describes."""
        runs: list[tuple[int, int, tuple[Interval, ...]]] = []
        for day, intervals in enumerate(self.days):
            if not intervals:
                continue
            if runs and runs[-1][1] == day - 1 and runs[-1][2] == intervals:
                runs[-1] = (runs[-1][0], day, intervals)
            else:
                runs.append((day, day, intervals))
        return runs


def parse_office_hours(text: str) -> WeeklyHours:
    """ "Mon-Fri 08:00-16:00", or clauses joined by ";" such as
    "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30" (Indonesian day names too)."""
    days: list[tuple[Interval, ...] | None] = [None] * 7
    for clause in (c.strip() for c in text.split(";")):
        if not clause:
            continue
        match = _CLAUSE.match(clause)
        if match is None:
            raise OfficeHoursError(
                f"cannot read {clause!r}: write days then hours, e.g. {DEFAULT_OFFICE_HOURS!r}"
            )
        intervals = _intervals(match.group("times"), clause)
        for day in _days(match.group("days"), clause):
            if days[day] is not None:
                raise OfficeHoursError(f"{clause!r} names a day another clause already set")
            days[day] = intervals
    hours = WeeklyHours(tuple(d or () for d in days))
    if not any(hours.days):
        raise OfficeHoursError(f"no opening hours at all; e.g. {DEFAULT_OFFICE_HOURS!r}")
    return hours


def _days(text: str, clause: str) -> list[int]:
    found: list[int] = []
    for part in (p.strip().lower() for p in text.split(",")):
        first, _, last = (s.strip() for s in part.partition("-"))
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise OfficeHoursError(
                f"unknown day in {clause!r}: use Mon, Tue, Wed, Thu, Fri, Sat, Sun "
                "(or Senin ... Minggu), and a range such as Mon-Fri"
            )
        start, end = WEEKDAYS[first], WEEKDAYS[last or first]
        found.extend(
            range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
        )
    return found


def _intervals(text: str, clause: str) -> tuple[Interval, ...]:
    intervals: list[Interval] = []
    for part in (p.strip() for p in text.split(",")):
        match = _SPAN.match(part)
        if match is None:
            raise OfficeHoursError(
                f"cannot read the hours {part!r} in {clause!r}: e.g. 08:00-16:00"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or h1 > 23 or end > 24 * 60 or start >= end:
            raise OfficeHoursError(f"{part!r} in {clause!r} is not a span within one day")
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if start < end:
            raise OfficeHoursError(f"the hours in {clause!r} overlap")
    return tuple(intervals)


def parse_closed_dates(text: str) -> frozenset[date]:
    """ "2026-01-01, 2026-03-19..2026-03-21": single dates and ranges (both ends closed),
    separated by commas or spaces."""
    closed: set[date] = set()
    for part in (p for p in re.split(r"[,\s]+", text) if p):
        first, _, last = part.partition("..")
        try:
            start = date.fromisoformat(first)
            end = date.fromisoformat(last) if last else start
        except ValueError:
            raise OfficeHoursError(
                f"cannot read the date {part!r}: write YYYY-MM-DD, or a range "
                "YYYY-MM-DD..YYYY-MM-DD"
            ) from None
        if end < start:
            raise OfficeHoursError(f"the range {part!r} ends before it starts")
        if (end - start).days > 366:
            raise OfficeHoursError(f"the range {part!r} is longer than a year")
        closed.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return frozenset(closed)


@dataclass(frozen=True)
class OfficeCalendar:
    """The regular week minus the closed dates: the office's working time."""

    hours: WeeklyHours
    closed: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not any(self.hours.days):  # every search for an opening would run for ever
            raise OfficeHoursError("the office has no opening hours at all")

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(JAKARTA)
        minute = local.hour * 60 + local.minute + local.second / 60
        return any(start <= minute < end for start, end in self._intervals(local.date()))

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when the office is open then, else when it next opens."""
        for start, _ in self._spans_from(at):
            return max(start, at.astimezone(JAKARTA))
        raise AssertionError("unreachable: the week has opening hours")  # pragma: no cover

    def add_working_hours(self, at: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `at` (from the next opening when closed)."""
        left = timedelta(hours=hours)
        moment = at.astimezone(JAKARTA)
        for start, end in self._spans_from(at):
            start = max(start, moment)
            if end - start >= left:
                return start + left
            left -= end - start
        raise AssertionError("unreachable: _spans_from never ends")  # pragma: no cover

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        total = timedelta()
        stop = end.astimezone(JAKARTA)
        for span_start, span_end in self._spans_from(start):
            if span_start >= stop:
                break
            total += min(span_end, stop) - max(span_start, start.astimezone(JAKARTA))
        return total / timedelta(hours=1)

    def _intervals(self, day: date) -> tuple[Interval, ...]:
        return () if day in self.closed else self.hours.days[day.weekday()]

    def _spans_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open spans (start, end) that end after `at`, in order, without end."""
        local = at.astimezone(JAKARTA)
        day = local.date()
        while True:
            midnight = datetime.combine(day, time(), JAKARTA)
            for start, end in self._intervals(day):
                span_end = midnight + timedelta(minutes=end)
                if span_end > local:
                    yield midnight + timedelta(minutes=start), span_end
            day += DAY
