"""Usage figures for staff: questions, decisions, votes, top entries, subscribers, chart."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.announcement import JAKARTA
from bot.chart import stacked_bars
from bot.storage import Storage

DAY = 86400
CHART_COLOURS = {  # decision -> bar colour; the legend's words come from a template
    "answer": (46, 160, 67),
    "clarify": (240, 180, 0),
    "fallback": (220, 60, 50),
    "smalltalk": (150, 150, 150),
}


@dataclass(frozen=True)
class Period:
    label: str
    total: int
    by_decision: dict[str, int]

    def share(self, decision: str) -> float:
        return self.by_decision.get(decision, 0) / self.total if self.total else 0.0


@dataclass(frozen=True)
class Stats:
    periods: list[Period]
    helpful: tuple[int, int]  # (thumbs up, thumbs down) over 30 days
    top_entries: list[tuple[str, int]]
    top_unanswered: list[tuple[str, int]]
    open_cards: int
    subscribers: dict[str, int]
    broadcasts: int
    daily: list[tuple[str, dict[str, int]]] = field(default_factory=list)  # last 30 days

    def chart(self, legends: dict[str, str]) -> bytes:
        """`legends`: decision -> its name on the chart (from the chart_legend template)."""
        days = [day_label(d) for d, _ in self.daily]
        series = [
            (legends[decision], colour, [counts.get(decision, 0) for _, counts in self.daily])
            for decision, colour in CHART_COLOURS.items()
        ]
        return stacked_bars(days, series)


def day_label(day: str) -> str:
    """A bar's label on the chart: "2026-11-28" -> "28/11"."""
    return datetime.strptime(day, "%Y-%m-%d").strftime("%d/%m")


def collect_stats(storage: Storage, now: float | None = None) -> Stats:
    now = time.time() if now is None else now
    local = datetime.fromtimestamp(now, JAKARTA)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    periods = []
    for label, since in (
        ("today", midnight),
        ("7 days", now - 7 * DAY),
        ("30 days", now - 30 * DAY),
    ):
        counts = storage.question_counts(since)
        periods.append(Period(label, sum(counts.values()), counts))
    first_day = (local - timedelta(days=29)).replace(hour=0, minute=0, second=0, microsecond=0)
    offset = 7 * 3600.0  # JAKARTA is UTC+7 all year
    rows = storage.daily_counts(first_day.timestamp(), offset)
    by_day: dict[str, dict[str, int]] = {}
    for day, status, n in rows:
        by_day.setdefault(day, {})[status] = n
    days = [(first_day + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(30)]
    daily = [(day, by_day.get(day, {})) for day in days]
    return Stats(
        periods=periods,
        helpful=storage.helpful_votes(now - 30 * DAY),
        top_entries=storage.top_entries(now - 30 * DAY),
        top_unanswered=storage.top_unanswered(),
        open_cards=storage.count_open_cards(),
        subscribers=storage.subscriber_counts(),
        broadcasts=storage.broadcast_count(),
        daily=daily,
    )
