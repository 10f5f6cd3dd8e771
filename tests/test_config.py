"""Settings: every mistake names its variable and how to fix it; the token is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings

TOKEN = "123456789:AAFakeTokenForTestsOnly_0123456789"


def test_defaults_need_nothing() -> None:
    settings = Settings.parse({})
    assert settings.telegram_bot_token is None
    assert settings.send_rate_limit == 30 and settings.broadcast_rate == 25
    assert str(settings.database_path) == "data/ukm-bot.db"


@pytest.mark.parametrize(
    ("env", "variable", "hint"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN", "@BotFather"),
        ({"ADMIN_IDS": "12, abc"}, "ADMIN_IDS", "@userinfobot"),
        ({"STAFF_CHAT_ID": "staff"}, "STAFF_CHAT_ID", "negative"),
        ({"SEND_RATE_LIMIT": "fast"}, "SEND_RATE_LIMIT", "number"),
        ({"SEND_RATE_LIMIT": "45"}, "SEND_RATE_LIMIT", "30"),
        ({"BROADCAST_RATE": "29", "SEND_RATE_LIMIT": "20"}, "BROADCAST_RATE", "SEND_RATE_LIMIT"),
        ({"WEBHOOK_URL": "http://x.id/hook"}, "WEBHOOK_URL", "https"),
        ({"WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET", "A-Z"),
        ({"PORT": "70000"}, "PORT", "65535"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "DEBUG"),
        ({"TELEGRAM_BASE_URL": "api.telegram.org"}, "TELEGRAM_BASE_URL", "http"),
        ({"INBOX_CARDS_PER_HOUR": "2.5"}, "INBOX_CARDS_PER_HOUR", "whole number"),
        ({"INBOX_CARDS_PER_HOUR": "0"}, "INBOX_CARDS_PER_HOUR", "at least 1"),
        ({"OFFICE_HOURS": "08:00-16:00"}, "OFFICE_HOURS", "Mon-Fri 08:00-16:00"),
        ({"OFFICE_HOURS": "Mon-Jum 8-16"}, "OFFICE_HOURS", "08:00-16:00"),
        ({"OFFICE_CLOSED_DATES": "17-08-2026"}, "OFFICE_CLOSED_DATES", "YYYY-MM-DD"),
        ({"RESPONSE_TARGET_HOURS": "soon"}, "RESPONSE_TARGET_HOURS", "number"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.parse(env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(variable) and hint in str(caught.value)


@pytest.mark.parametrize(
    ("token", "rule"),
    [
        ("123:abc", "after the colon there are 3 characters; a token's secret has at least 10"),
        ("123456789AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "no colon"),
        ("bot:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "before the colon must be the bot's number"),
        ("123456789:AAHdqTcvCH1vGWJ xfSeofSAs0K5PAL", "only letters, digits, _ and -"),
    ],
)
def test_a_malformed_token_is_told_the_rule_it_breaks(token: str, rule: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.parse({"TELEGRAM_BOT_TOKEN": token})
    assert rule in str(caught.value) and token not in str(caught.value)


def test_a_malformed_token_is_not_echoed() -> None:
    secret = "12345:" + "x" * 5 + " leaked"
    with pytest.raises(ConfigError) as caught:
        Settings.parse({"TELEGRAM_BOT_TOKEN": secret})
    assert secret not in str(caught.value)


def test_the_token_is_not_in_the_settings_repr() -> None:
    settings = Settings.parse({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "abc_DEF-123"})
    assert TOKEN not in repr(settings) and "abc_DEF-123" not in repr(settings)


def test_broadcast_rate_alone_paces_when_the_limit_is_lifted() -> None:
    settings = Settings.parse({"SEND_RATE_LIMIT": "0", "BROADCAST_RATE": "290"})
    assert settings.broadcast_rate == 290


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_IDS=1,2\nLOG_LEVEL=debug\n")
    settings = Settings.from_env({"ADMIN_IDS": "3"}, env_file)
    assert settings.telegram_bot_token == TOKEN
    assert settings.admin_ids == frozenset({3}) and settings.log_level == "DEBUG"


def test_webhook_mode_requires_url_and_secret() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        Settings.parse({}).require_webhook()
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        Settings.parse({"WEBHOOK_URL": "https://x.id/hook"}).require_webhook()


def test_office_hours_and_closed_dates_make_the_office_calendar() -> None:
    settings = Settings.parse(
        {
            "OFFICE_HOURS": "Senin-Kamis 08.00-16.00; Jumat 08:00-11:30, 13:00-16:30",
            "OFFICE_CLOSED_DATES": "2026-08-17, 2026-12-24..2026-12-26",
            "RESPONSE_TARGET_HOURS": "4",
        }
    )
    assert settings.office_hours.days[4] == ((480, 690), (780, 990))
    assert len(settings.office_closed_dates) == 4
    assert settings.response_target_hours == 4
    assert settings.office.closed == settings.office_closed_dates
