"""Office hours and working-time arithmetic, against a frozen calendar (all times WIB).

2026-03-06 is a Friday; 2026-03-07 a Saturday; 2026-03-09 a Monday.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.announcement import JAKARTA
from bot.office import (
    DEFAULT_OFFICE_HOURS,
    OfficeCalendar,
    OfficeHoursError,
    WeeklyHours,
    parse_closed_dates,
    parse_office_hours,
)

OFFICE = OfficeCalendar(parse_office_hours(DEFAULT_OFFICE_HOURS))


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


# -- reading the settings -------------------------------------------------------------------


def test_the_default_is_monday_to_friday_eight_to_four() -> None:
    hours = parse_office_hours(DEFAULT_OFFICE_HOURS)
    assert hours.days == (((480, 960),),) * 5 + ((), ())
    assert hours.runs() == [(0, 4, ((480, 960),))]


def test_clauses_split_days_and_breaks_in_either_language() -> None:
    hours = parse_office_hours("Senin-Kamis 08.00-16.00; Jumat 08:00-11:30, 13:00-16:30")
    assert hours.days[3] == ((480, 960),)
    assert hours.days[4] == ((480, 690), (780, 990))
    assert hours.runs() == [(0, 3, ((480, 960),)), (4, 4, ((480, 690), (780, 990)))]
    assert parse_office_hours("sat-mon 09:00-12:00").days == (
        ((540, 720),),
        (),
        (),
        (),
        (),
        ((540, 720),),
        ((540, 720),),
    )
    assert parse_office_hours("Mon,Wed 00:00-24:00").days[2] == ((0, 1440),)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("08:00-16:00", "write days then hours"),
        ("Moon-Fri 08:00-16:00", "unknown day"),
        ("Mon-Fri 8-16", "cannot read the hours"),
        ("Mon-Fri 16:00-08:00", "not a span within one day"),
        ("Mon-Fri 08:00-25:00", "not a span within one day"),
        ("Mon 08:00-12:00, 11:00-14:00", "overlap"),
        ("Mon-Fri 08:00-16:00; Fri 09:00-10:00", "already set"),
        (" ; ", "no opening hours"),
    ],
)
def test_unreadable_office_hours_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(OfficeHoursError, match=problem):
        parse_office_hours(text)


def test_closed_dates_take_single_days_and_ranges() -> None:
    closed = parse_closed_dates("2026-01-01, 2026-03-19..2026-03-21\n2026-12-25")
    assert closed == {
        date(2026, 1, 1),
        date(2026, 3, 19),
        date(2026, 3, 20),
        date(2026, 3, 21),
        date(2026, 12, 25),
    }
    assert parse_closed_dates("") == frozenset()
    for bad in ("2026-02-30", "1/1/2026", "2026-03-21..2026-03-19", "2026-01-01..2028-01-01"):
        with pytest.raises(OfficeHoursError):
            parse_closed_dates(bad)


def test_a_week_without_any_opening_is_refused() -> None:
    with pytest.raises(OfficeHoursError):
        OfficeCalendar(WeeklyHours(((),) * 7))


# -- open or closed, and when it opens --------------------------------------------------------


def test_open_from_the_first_minute_to_before_the_last() -> None:
    assert not OFFICE.is_open(wib(2026, 3, 6, 7, 59))
    assert OFFICE.is_open(wib(2026, 3, 6, 8, 0))
    assert OFFICE.is_open(wib(2026, 3, 6, 15, 59))
    assert not OFFICE.is_open(wib(2026, 3, 6, 16, 0))
    assert not OFFICE.is_open(wib(2026, 3, 7, 10, 0))  # Saturday


def test_the_next_opening() -> None:
    assert OFFICE.next_opening(wib(2026, 3, 6, 10, 0)) == wib(2026, 3, 6, 10, 0)  # open now
    assert OFFICE.next_opening(wib(2026, 3, 6, 6, 30)) == wib(2026, 3, 6, 8, 0)
    assert OFFICE.next_opening(wib(2026, 3, 6, 16, 0)) == wib(2026, 3, 9, 8, 0)
    assert OFFICE.next_opening(wib(2026, 3, 7, 10, 0)) == wib(2026, 3, 9, 8, 0)


def test_times_in_another_zone_are_read_as_the_same_moment() -> None:
    utc = datetime.fromisoformat("2026-03-06T01:00:00+00:00")  # 08:00 WIB
    assert OFFICE.is_open(utc)
    assert OFFICE.add_working_hours(utc, 1) == wib(2026, 3, 6, 9, 0)


# -- a number of working hours later ----------------------------------------------------------


def test_within_one_working_day() -> None:
    assert OFFICE.add_working_hours(wib(2026, 3, 9, 9, 0), 3) == wib(2026, 3, 9, 12, 0)
    assert OFFICE.add_working_hours(wib(2026, 3, 9, 8, 0), 8) == wib(2026, 3, 9, 16, 0)


def test_friday_at_five_to_four_is_answered_by_monday_afternoon() -> None:
    due = OFFICE.add_working_hours(wib(2026, 3, 6, 15, 55), 8)
    assert due == wib(2026, 3, 9, 15, 55)  # 5 minutes on Friday, 7 h 55 on Monday


def test_a_saturday_question_counts_from_monday_morning() -> None:
    assert OFFICE.add_working_hours(wib(2026, 3, 7, 11, 0), 8) == wib(2026, 3, 9, 16, 0)
    assert OFFICE.add_working_hours(wib(2026, 3, 8, 23, 59), 2) == wib(2026, 3, 9, 10, 0)


def test_a_holiday_eve_skips_the_holiday() -> None:
    # Nyepi on Thursday 19 March 2026: asked on Wednesday at 15:00, one hour that day, then
    # seven on Friday.
    office = OfficeCalendar(OFFICE.hours, parse_closed_dates("2026-03-19"))
    assert office.add_working_hours(wib(2026, 3, 18, 15, 0), 8) == wib(2026, 3, 20, 15, 0)
    assert not office.is_open(wib(2026, 3, 19, 10, 0))
    assert office.next_opening(wib(2026, 3, 18, 16, 30)) == wib(2026, 3, 20, 8, 0)


def test_a_long_closure_and_the_year_end() -> None:
    # Lebaran leave (a week) and the new year's day: a Friday-evening question waits.
    office = OfficeCalendar(
        OFFICE.hours, parse_closed_dates("2026-03-20..2026-03-27, 2026-12-31..2027-01-01")
    )
    assert office.add_working_hours(wib(2026, 3, 19, 17, 0), 8) == wib(2026, 3, 30, 16, 0)
    # Wednesday 30 December 15:00: one hour, then (31st and 1st closed, a weekend) Monday.
    assert office.add_working_hours(wib(2026, 12, 30, 15, 0), 8) == wib(2027, 1, 4, 15, 0)
    assert office.next_opening(wib(2026, 12, 30, 16, 0)) == wib(2027, 1, 4, 8, 0)


def test_a_day_with_a_break() -> None:
    office = OfficeCalendar(parse_office_hours("Mon-Fri 08:00-11:30, 13:00-16:30"))
    # Friday 11:00: half an hour before the break, the rest after it.
    assert office.add_working_hours(wib(2026, 3, 6, 11, 0), 2) == wib(2026, 3, 6, 14, 30)
    assert not office.is_open(wib(2026, 3, 6, 12, 0))
    assert office.next_opening(wib(2026, 3, 6, 12, 0)) == wib(2026, 3, 6, 13, 0)


def test_fractions_of_an_hour() -> None:
    assert OFFICE.add_working_hours(wib(2026, 3, 6, 15, 0), 1.5) == wib(2026, 3, 9, 8, 30)
    assert OFFICE.add_working_hours(wib(2026, 3, 6, 10, 0), 0) == wib(2026, 3, 6, 10, 0)


# -- working hours between two moments --------------------------------------------------------


def test_working_hours_between_two_moments() -> None:
    friday = wib(2026, 3, 6, 15, 55)
    assert OFFICE.working_hours_between(friday, wib(2026, 3, 6, 16, 30)) == pytest.approx(5 / 60)
    assert OFFICE.working_hours_between(friday, wib(2026, 3, 9, 9, 0)) == pytest.approx(65 / 60)
    assert OFFICE.working_hours_between(wib(2026, 3, 7, 9, 0), wib(2026, 3, 8, 20, 0)) == 0
    assert OFFICE.working_hours_between(wib(2026, 3, 9, 9, 0), friday) == 0  # backwards
    # A whole week: five days of eight hours.
    assert OFFICE.working_hours_between(wib(2026, 3, 9), wib(2026, 3, 16)) == pytest.approx(40)


def test_between_and_add_agree() -> None:
    office = OfficeCalendar(
        parse_office_hours("Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30"),
        parse_closed_dates("2026-03-19, 2026-12-31..2027-01-01"),
    )
    for start in (wib(2026, 3, 6, 15, 55), wib(2026, 3, 18, 7, 0), wib(2026, 12, 30, 12, 5)):
        for hours in (0.25, 1, 7.5, 8, 20, 41):
            due = office.add_working_hours(start, hours)
            assert office.working_hours_between(start, due) == pytest.approx(hours)
