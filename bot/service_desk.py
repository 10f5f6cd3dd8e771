"""The public-service desk's rules (pure): a request's reference, what a resident is promised
when their question goes to the office, and the weekly figures of requests for /statistik."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.announcement import JAKARTA
from bot.chart import Colour, stacked_bars
from bot.office import OfficeCalendar

WEEK = timedelta(days=7)
WEEKS_SHOWN = 8  # /statistik's table and chart of requests: the last eight weeks
CHART_COLOURS: dict[str, Colour] = {  # a request's outcome -> bar colour (legends: templates)
    "on_time": (46, 160, 67),
    "late": (240, 140, 0),
    "waiting": (90, 140, 220),
    "closed": (150, 150, 150),
}


def reference(request_id: int) -> str:
    """The number a resident quotes: UKM-0042."""
    return f"UKM-{request_id:04d}"


@dataclass(frozen=True, slots=True)
class Promise:
    """What a resident is told when their question goes to the office."""

    asked: datetime
    open_now: bool  # the office is open as they ask
    opens: datetime  # when staff can first look at it (`asked` when open now)
    due: datetime  # the answer at the latest: RESPONSE_TARGET_HOURS working hours on


def promise(office: OfficeCalendar, asked_at: float, target_hours: float) -> Promise:
    asked = datetime.fromtimestamp(asked_at, JAKARTA)
    return Promise(
        asked=asked,
        open_now=office.is_open(asked),
        opens=office.next_opening(asked),
        due=office.add_working_hours(asked, target_hours),
    )


def working_age(office: OfficeCalendar, since: float, now: float) -> float:
    """Working hours from `since` to `now` (timestamps): a card's age, a response time."""
    return office.working_hours_between(
        datetime.fromtimestamp(since, JAKARTA), datetime.fromtimestamp(now, JAKARTA)
    )


class RequestRow(Protocol):
    """What the figures read of a request (storage.requests.RequestFigures)."""

    @property
    def asked_at(self) -> float: ...
    @property
    def status(self) -> str: ...
    @property
    def response_hours(self) -> float | None: ...
    @property
    def vote(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class RequestFigures:
    """Requests received in a period, and how they were answered."""

    label: str  # a week's Monday, "02/03", or "total"
    received: int
    answered: int
    waiting: int
    closed: int  # set aside without an answer (Abaikan)
    on_time: int  # answered within the target
    median_hours: float | None  # first-response time in working hours, of those answered
    p90_hours: float | None
    helpful: int  # the residents' votes on staff answers
    unhelpful: int

    @property
    def late(self) -> int:
        return self.answered - self.on_time

    @property
    def within_target(self) -> float | None:
        """Share answered within the target, of the requests staff meant to answer (those
        set aside are left out; those still waiting count as not within)."""
        meant = self.received - self.closed
        return self.on_time / meant if meant else None

    @property
    def satisfaction(self) -> float | None:
        votes = self.helpful + self.unhelpful
        return self.helpful / votes if votes else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (0.9: the value 90 % of them do not exceed)."""
    if not values:
        return None
    ranked = sorted(values)
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)]


def figures(label: str, rows: Sequence[RequestRow], target_hours: float) -> RequestFigures:
    times = [
        r.response_hours for r in rows if r.status == "answered" and r.response_hours is not None
    ]
    return RequestFigures(
        label=label,
        received=len(rows),
        answered=sum(1 for r in rows if r.status == "answered"),
        waiting=sum(1 for r in rows if r.status == "waiting"),
        closed=sum(1 for r in rows if r.status == "closed"),
        on_time=sum(1 for t in times if t <= target_hours),
        median_hours=statistics.median(times) if times else None,
        p90_hours=percentile(times, 0.9),
        helpful=sum(1 for r in rows if r.vote == 1),
        unhelpful=sum(1 for r in rows if r.vote == 0),
    )


def week_start(moment: float) -> date:
    """The Monday (Jakarta time) of the week a moment falls in."""
    day = datetime.fromtimestamp(moment, JAKARTA).date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class DeskStats:
    weeks: list[RequestFigures]  # oldest first, WEEKS_SHOWN of them, this week last
    total: RequestFigures  # the same weeks together
    target_hours: float
    shared: int = 0  # answers residents shared into other chats (inline mode), same weeks

    def chart(self, legends: dict[str, str]) -> bytes:
        """Requests per week by outcome; `legends`: outcome -> its name (templates)."""
        values = {
            "on_time": [w.on_time for w in self.weeks],
            "late": [w.late for w in self.weeks],
            "waiting": [w.waiting for w in self.weeks],
            "closed": [w.closed for w in self.weeks],
        }
        series = [(legends[k], colour, values[k]) for k, colour in CHART_COLOURS.items()]
        return stacked_bars([w.label for w in self.weeks], series)


class RequestSource(Protocol):
    def request_rows(self, since: float) -> Sequence[RequestRow]: ...

    def shares_since(self, since: float) -> int: ...


def collect_desk_stats(
    source: RequestSource, target_hours: float, now: float, weeks: int = WEEKS_SHOWN
) -> DeskStats:
    """The figures of the last `weeks` weeks (this one included), per week and together."""
    first = week_start(now) - (weeks - 1) * WEEK
    since = datetime(first.year, first.month, first.day, tzinfo=JAKARTA).timestamp()
    rows = list(source.request_rows(since))
    by_week: dict[date, list[RequestRow]] = {}
    for row in rows:
        by_week.setdefault(week_start(row.asked_at), []).append(row)
    starts = [first + n * WEEK for n in range(weeks)]
    return DeskStats(
        weeks=[figures(f"{s:%d/%m}", by_week.get(s, []), target_hours) for s in starts],
        total=figures("total", rows, target_hours),
        target_hours=target_hours,
        shared=source.shares_since(since),
    )
