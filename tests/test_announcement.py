"""Reading /umumkan: topic, send time (Asia/Jakarta) and text, with clear mistakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.announcement import AnnouncementError, parse_announcement
from bot.assistant import Assistant
from bot.rendering import to_plain

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10:00 WIB


def test_plain_text_keeps_formatting() -> None:
    parsed = parse_announcement("/umumkan Pelatihan <b>batik</b> &amp; ekspor", NOW)
    assert parsed.body_html == "Pelatihan <b>batik</b> &amp; ekspor"
    assert parsed.topic is None and parsed.send_at is None


def test_topic_and_date_time_in_any_order() -> None:
    parsed = parse_announcement("/umumkan@ukm_bot @2026-12-01 09:30 #training Kelas ekspor", NOW)
    assert parsed.topic == "pelatihan"
    assert parsed.send_at == datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    assert parsed.body_html == "Kelas ekspor"


def test_a_time_already_past_today_means_tomorrow() -> None:
    assert parse_announcement("/umumkan @09:00 x", NOW).send_at == datetime(
        2026, 11, 29, 2, 0, tzinfo=UTC
    )
    assert parse_announcement("/umumkan @15:00 x", NOW).send_at == datetime(
        2026, 11, 28, 8, 0, tzinfo=UTC
    )
    assert parse_announcement("/umumkan @besok 08.00 x", NOW).send_at == datetime(
        2026, 11, 29, 1, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("line", "problem", "detail"),
    [
        ("/umumkan #harga diskon", "unknown_topic", "#harga"),
        ("/umumkan @25:00 x", "bad_time", "25:00"),
        ("/umumkan @2026-02-30 09:00 x", "bad_date", "2026-02-30"),
        ("/umumkan @2025-01-01 09:00 x", "past", "2025-01-01 09:00 WIB"),
    ],
)
def test_mistakes_are_named_and_explained_to_staff(
    line: str, problem: str, detail: str, assistant: Assistant
) -> None:
    with pytest.raises(AnnouncementError) as caught:
        parse_announcement(line, NOW)
    assert (caught.value.problem, caught.value.detail) == (problem, detail)
    text = assistant.renderer.render("broadcast_usage", "id", problem=problem, detail=detail)
    assert detail in to_plain(text)
    assert problem not in text  # said in words, not as a code
