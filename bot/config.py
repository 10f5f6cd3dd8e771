"""Settings, parsed once from the environment and .env; every error names its variable."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from pathlib import Path

from dotenv import dotenv_values

from bot.office import (
    DEFAULT_OFFICE_HOURS,
    OfficeCalendar,
    OfficeHoursError,
    WeeklyHours,
    parse_closed_dates,
    parse_office_hours,
)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE = "data/ukm-bot.db"
TELEGRAM_MAX_RATE = 30.0  # messages per second Telegram allows a bot across all chats
_TOKEN_SECRET = re.compile(r"^[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which one and how to fix it."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


TOKEN_HELP = (
    "set it to the token @BotFather gave you (in Telegram, open @BotFather, send /newbot, "
    "and copy the token it replies with) in the environment or in a .env file. "
    'To try the bot without Telegram, run `ukm-bot chat` or `ukm-bot ask "..."`: '
    "they need no token."
)


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be configured with; see .env.example for each one."""

    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_base_url: str = DEFAULT_BASE_URL
    database_path: Path = Path(DEFAULT_DATABASE)
    admin_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    send_rate_limit: float = TELEGRAM_MAX_RATE
    broadcast_rate: float = 25.0
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    listen: str = "0.0.0.0"
    port: int = 8443
    log_level: str = "INFO"
    knowledge_dir: Path | None = None
    office_contact: str | None = None
    question_log_days: int = 180
    inbox_cards_per_hour: int = 5
    office_hours: WeeklyHours = field(
        default_factory=lambda: parse_office_hours(DEFAULT_OFFICE_HOURS)
    )
    office_closed_dates: frozenset[date] = frozenset()
    response_target_hours: float = 8.0

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Read settings: the process environment wins over the .env file."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.parse(values)

    @classmethod
    def parse(cls, env: Mapping[str, str]) -> Settings:
        def get(name: str) -> str | None:
            if name not in SETTING_NAMES:  # a new setting is a new field of Settings first
                raise KeyError(f"{name} is not a field of Settings")
            value = env.get(name, "").strip()
            return value or None

        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and (problem := token_problem(token)) is not None:
            # The token itself is never echoed back: it may be a real one with a typo.
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN", f"does not look like a bot token: {problem}. " + TOKEN_HELP
            )
        base_url = get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL
        if not re.match(r"^https?://[^\s/]+", base_url):
            raise ConfigError(
                "TELEGRAM_BASE_URL",
                f"must be an http(s) URL such as {DEFAULT_BASE_URL} (got {base_url!r})",
            )
        send_rate = _number(get("SEND_RATE_LIMIT"), "SEND_RATE_LIMIT", TELEGRAM_MAX_RATE, 0)
        broadcast_rate = _number(get("BROADCAST_RATE"), "BROADCAST_RATE", 25.0, 0.1)
        if send_rate and broadcast_rate > send_rate:
            raise ConfigError(
                "BROADCAST_RATE",
                f"is {broadcast_rate:g} messages/s but "
                f"SEND_RATE_LIMIT is {send_rate:g}; a broadcast must leave room "
                "for answers: lower BROADCAST_RATE (default 25) or raise "
                "SEND_RATE_LIMIT (Telegram allows about 30)",
            )
        if send_rate > TELEGRAM_MAX_RATE:
            raise ConfigError(
                "SEND_RATE_LIMIT",
                f"is {send_rate:g}, above the {TELEGRAM_MAX_RATE:g} "
                "messages/s Telegram allows; use 30 or less (0 lifts the limit "
                "for a local Bot API server)",
            )
        webhook_url = get("WEBHOOK_URL")
        if webhook_url is not None and not webhook_url.startswith("https://"):
            raise ConfigError(
                "WEBHOOK_URL",
                f"Telegram only delivers webhooks to https:// URLs (got {webhook_url!r})",
            )
        secret = get("WEBHOOK_SECRET")
        if secret is not None and not _SECRET.match(secret):
            raise ConfigError(
                "WEBHOOK_SECRET",
                "use 1-256 characters from A-Z, a-z, 0-9, _ "
                "and - (Telegram's rule for secret_token)",
            )
        port = int(_number(get("PORT"), "PORT", 8443, 1))
        if not 1 <= port <= 65535:
            raise ConfigError("PORT", f"must be between 1 and 65535 (got {port})")
        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}")
        knowledge = get("KNOWLEDGE_DIR")
        try:
            office_hours = parse_office_hours(get("OFFICE_HOURS") or DEFAULT_OFFICE_HOURS)
        except OfficeHoursError as err:
            raise ConfigError("OFFICE_HOURS", str(err)) from None
        try:
            closed = parse_closed_dates(get("OFFICE_CLOSED_DATES") or "")
        except OfficeHoursError as err:
            raise ConfigError("OFFICE_CLOSED_DATES", str(err)) from None
        target = _number(get("RESPONSE_TARGET_HOURS"), "RESPONSE_TARGET_HOURS", 8.0, 0.25)
        return cls(
            telegram_bot_token=token,
            telegram_base_url=base_url,
            database_path=Path(get("DATABASE_PATH") or DEFAULT_DATABASE),
            admin_ids=_ids(get("ADMIN_IDS"), "ADMIN_IDS"),
            staff_chat_id=_chat_id(get("STAFF_CHAT_ID")),
            send_rate_limit=send_rate,
            broadcast_rate=broadcast_rate,
            webhook_url=webhook_url,
            webhook_secret=secret,
            listen=get("LISTEN") or "0.0.0.0",
            port=port,
            log_level=log_level,
            knowledge_dir=Path(knowledge) if knowledge else None,
            office_contact=get("OFFICE_CONTACT"),
            question_log_days=int(_number(get("QUESTION_LOG_DAYS"), "QUESTION_LOG_DAYS", 180, 1)),
            inbox_cards_per_hour=_whole(get("INBOX_CARDS_PER_HOUR"), "INBOX_CARDS_PER_HOUR", 5, 1),
            office_hours=office_hours,
            office_closed_dates=closed,
            response_target_hours=target,
        )

    def require_token(self) -> str:
        if not self.telegram_bot_token:
            raise ConfigError("TELEGRAM_BOT_TOKEN", "is not set; " + TOKEN_HELP)
        return self.telegram_bot_token

    def require_webhook(self) -> tuple[str, str]:
        if not self.webhook_url:
            raise ConfigError(
                "WEBHOOK_URL",
                "is required for `ukm-bot run --webhook`: the "
                "public https:// address Telegram should post updates to",
            )
        if not self.webhook_secret:
            raise ConfigError(
                "WEBHOOK_SECRET",
                "is required for `ukm-bot run --webhook`, so "
                "the bot can refuse requests that do not come from Telegram; "
                "choose a random string of letters, digits, _ and -",
            )
        return self.webhook_url, self.webhook_secret

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids

    @cached_property
    def office(self) -> OfficeCalendar:
        """The office's working time: OFFICE_HOURS minus OFFICE_CLOSED_DATES."""
        return OfficeCalendar(self.office_hours, self.office_closed_dates)


# Every variable the bot reads: the fields of Settings, upper-cased. The one list of
# settings; .env.example, the README's table and the tests' clean environment are checked
# against it (tests/test_docs.py).
SETTING_NAMES = tuple(f.name.upper() for f in fields(Settings))


def token_problem(token: str) -> str | None:
    """Which part of a bot token is wrong (None: it looks right), without repeating it.
    @BotFather's tokens are the bot's number, a colon and a 35-character secret, e.g.
    123456789:AAH…; shorter secrets are let through (a local Bot API server's tests)."""
    number, colon, secret = token.partition(":")
    if not colon:
        return "it has no colon (a token is the bot's number, a colon, then its secret)"
    if not (number.isascii() and number.isdigit() and len(number) >= 3):
        return "before the colon must be the bot's number, at least 3 digits"
    if len(secret) < 10:
        return (
            f"after the colon there are {len(secret)} characters; a token's secret has at "
            "least 10 (@BotFather's have 35)"
        )
    if not _TOKEN_SECRET.match(secret):
        return "after the colon only letters, digits, _ and - may follow (no spaces or quotes)"
    return None


def _number(raw: str | None, name: str, default: float, minimum: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"must be a number (got {raw!r})") from None
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum:g} (got {raw})")
    return value


def _whole(raw: str | None, name: str, default: int, minimum: int) -> int:
    value = _number(raw, name, default, minimum)
    if value != int(value):
        raise ConfigError(name, f"must be a whole number (got {raw})")
    return int(value)


def _ids(raw: str | None, name: str) -> frozenset[int]:
    if raw is None:
        return frozenset()
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"\d{1,15}", part):
            raise ConfigError(
                name,
                f"must be comma-separated numeric Telegram user ids, e.g. "
                f"12345678,87654321 (got {part!r}); a user can learn their id "
                "from @userinfobot",
            )
        ids.add(int(part))
    return frozenset(ids)


def _chat_id(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not re.fullmatch(r"-?\d{1,20}", raw):
        raise ConfigError(
            "STAFF_CHAT_ID",
            "must be a numeric chat id; a group's id is negative, "
            f"e.g. -1001234567890 (got {raw!r})",
        )
    return int(raw)
