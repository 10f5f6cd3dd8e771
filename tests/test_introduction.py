"""End to end, the bot introduces itself: its description (before Start) and short
description (the profile) in Indonesian and English, set on start-up only when they changed."""

from __future__ import annotations

from pathlib import Path

from bot.assistant import Assistant
from bot.office import parse_office_hours
from bot.rendering import to_plain
from tests.conftest import BotStarter, stop_bot
from tests.fake_bot_api import FakeBotAPI


def setting_calls(fake: FakeBotAPI) -> list[tuple[str, str]]:
    return [
        (call.method, str(call.params.get("language_code") or ""))
        for call in fake.calls
        if call.method in ("setMyDescription", "setMyShortDescription")
    ]


async def test_descriptions_are_set_in_both_languages_and_not_again_when_unchanged(
    fake: FakeBotAPI, start_bot: BotStarter, tmp_path: Path
) -> None:
    app = await start_bot()
    assert fake.description().startswith("Asisten UKM Kota Tangerang Selatan")
    assert "Senin–Jumat 08.00–16.00 WIB" in fake.description()
    assert "ketik @ukm_test_bot" in fake.description()
    assert fake.description("en").startswith("The SME assistant of South Tangerang")
    assert "Monday–Friday 08:00–16:00 WIB" in fake.description("en")
    assert fake.description(short=True).startswith("Tanya soal UKM Tangsel")
    assert fake.description("en", short=True).startswith("Ask about South Tangerang SMEs")
    assert sorted(setting_calls(fake)) == [
        ("setMyDescription", ""),
        ("setMyDescription", "en"),
        ("setMyShortDescription", ""),
        ("setMyShortDescription", "en"),
    ]
    # A restart with nothing changed asks, and sets nothing.
    await stop_bot(app)
    fake.reset_records()
    app = await start_bot()
    assert fake.calls_to("getMyDescription") and setting_calls(fake) == []
    # New office hours change the descriptions (not the short ones): only those are set.
    await stop_bot(app)
    fake.reset_records()
    await start_bot(OFFICE_HOURS="Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30")
    assert sorted(setting_calls(fake)) == [("setMyDescription", ""), ("setMyDescription", "en")]
    assert "Jumat 08.00–11.30, 13.00–16.30" in fake.description()


def test_descriptions_stay_within_telegrams_limits(assistant: Assistant) -> None:
    renderer = assistant.renderer
    busy_week = parse_office_hours(
        "Mon 08:00-16:00; Tue 08:00-15:00; Wed 08:00-14:00; Thu 08:00-13:00; "
        "Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00; Sun 09:00-10:00"
    )
    for lang in ("id", "en"):
        plain = to_plain(renderer.render("bot_description", lang, hours=None, bot="x" * 32))
        assert len(plain) <= 512
        assert len(to_plain(renderer.render("bot_short_description", lang))) <= 120
        # A week too elaborate to fit is left out rather than cut (start.introduce_bot).
        full = to_plain(renderer.render("bot_description", lang, hours=busy_week, bot="x" * 32))
        assert len(full) > 512
