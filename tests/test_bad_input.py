"""Hostile and odd input never crashes the core and always yields valid Telegram HTML."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from tests.fake_bot_api import parse_telegram_html

HOSTILE = [
    "",
    "   \n\t  ",
    "🙏🙏🙏😂",
    "a" * 10_000,
    "berapa jumlah ukm " * 600,
    "ukm\x00\x01\x02 pelatihan\x7f",
    "\u202eكم عدد المشاريع الصغيرة\u202c",
    "<b>berapa</b> jumlah & ukm </a> <script>alert(1)</script>",
    "*bold* _italic_ [link](http://x.y) `code`",
    "&amp; &lt; &#0; &#x110000;",
    "\ud83d",  # a lone surrogate, as broken clients send
    "ﷺ" * 500,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gets_a_decision_and_valid_html(assistant: Assistant, text: str) -> None:
    answer = assistant.ask(text)
    assert answer.decision.status in {"answer", "clarify", "smalltalk", "fallback"}
    parse_telegram_html(answer.reply.html, strict=True)  # raises on invalid Telegram HTML
    assert len(answer.reply.text) < 4096


def test_empty_message_asks_for_a_question(assistant: Assistant) -> None:
    answer = assistant.ask("   ")
    assert answer.decision.status == "fallback" and answer.decision.reason == "empty"
    assert "pertanyaan" in answer.reply.text.lower()


def test_markup_in_a_question_is_not_markup_in_the_reply(assistant: Assistant) -> None:
    # The reply never echoes the question, but the matcher must still see the words.
    answer = assistant.ask("<b>berapa</b> jumlah <i>ukm</i> di tangsel?")
    assert answer.decision.status == "answer"
    assert answer.decision.entry is not None and answer.decision.entry.id == "data-jumlah"
