"""Reading a staff member's /umumkan line: topic, send time and text (pure, no Telegram)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

# Asia/Jakarta has had no daylight saving since 1964: a fixed UTC+7 needs no tz database.
JAKARTA = timezone(timedelta(hours=7), "WIB")
TOPIC_ALIASES = {
    "pelatihan": "pelatihan",
    "training": "pelatihan",
    "workshop": "pelatihan",
    "ekspor": "ekspor",
    "export": "ekspor",
    "koperasi": "koperasi",
    "kelompok": "koperasi",
    "cooperative": "koperasi",
}
_COMMAND = re.compile(r"^/\w+(?:@\w+)?\s*")
_TOPIC = re.compile(r"^#(\w+)\s*")
_ASK = re.compile(r"^\+tanya(?:[=:]([A-Za-z0-9_-]{1,64}))?(?:\s+|$)", re.I)
_WHEN = re.compile(r"^@(?:(\d{4}-\d{2}-\d{2})\s+|(besok)\s+)?(\d{1,2})[:.](\d{2})\s*", re.I)


class AnnouncementError(ValueError):
    """The /umumkan line cannot be used. `problem` names what is wrong (the template
    broadcast_usage says it to staff in words), `detail` is the offending text."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Announcement:
    body_html: str
    topic: str | None
    send_at: datetime | None  # None: as soon as Kirim is pressed
    # A "Tanya soal ini" button into the bot: None none, "" the bot's welcome, else the
    # entry whose answer it opens on.
    ask: str | None = None


def parse_announcement(html: str, now: datetime) -> Announcement:
    """`/umumkan [#topik] [@YYYY-MM-DD HH:MM | @besok HH:MM | @HH:MM] [+tanya[=ENTRY-ID]] text`.

    `html` is the message as Telegram HTML (the staff member's bold, links and so on are
    kept); the command and the options at its start are plain characters in it.
    """
    rest = _COMMAND.sub("", html.strip(), count=1)
    topic: str | None = None
    send_at: datetime | None = None
    ask: str | None = None
    while True:
        if match := _ASK.match(rest):
            ask = match.group(1) or ""
        elif match := _TOPIC.match(rest):
            name = match.group(1).lower()
            if name not in TOPIC_ALIASES:
                raise AnnouncementError("unknown_topic", f"#{name}")
            topic = TOPIC_ALIASES[name]
        elif match := _WHEN.match(rest):
            send_at = _time(match, now)
        else:
            break
        rest = rest[match.end() :]
    return Announcement(rest.strip(), topic, send_at, ask)


def _time(match: re.Match[str], now: datetime) -> datetime:
    date, tomorrow, hour, minute = match.groups()
    local_now = now.astimezone(JAKARTA)
    if not (0 <= int(hour) <= 23 and 0 <= int(minute) <= 59):
        raise AnnouncementError("bad_time", f"{hour}:{minute}")
    if date:
        try:
            day = datetime.strptime(date, "%Y-%m-%d").date()
        except ValueError:
            raise AnnouncementError("bad_date", date) from None
    else:
        day = local_now.date() + timedelta(days=1 if tomorrow else 0)
    at = datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=JAKARTA)
    if not date and not tomorrow and at <= local_now:
        at += timedelta(days=1)  # "@09:00" after nine: tomorrow morning
    if at <= local_now:
        raise AnnouncementError("past", f"{at:%Y-%m-%d %H:%M} WIB")
    return at.astimezone(UTC)


def jakarta(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, JAKARTA).strftime("%d-%m-%Y %H:%M WIB")
