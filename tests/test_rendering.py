"""Replies: jinja templates, escaped for Telegram HTML, the same text for the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jinja2
import pytest

import bot
from bot.answering import KnowledgeBase
from bot.assistant import Assistant
from bot.rendering import Renderer, split_message, to_plain
from tests.fake_bot_api import parse_telegram_html, utf16_len


def test_every_template_renders_in_both_languages(assistant: Assistant, kb: KnowledgeBase) -> None:
    renderer = assistant.renderer
    replies = [renderer.topics_menu("id"), renderer.topics_menu("en")]
    for lang in ("id", "en"):
        replies += [renderer.topic(t, lang) for t in kb.browsable_topics()]
        replies += [renderer.entry(e, lang) for e in kb.entries]
    for reply in replies:
        parse_telegram_html(reply.html, strict=True)
        assert reply.text.strip()


def test_entry_text_is_escaped_not_interpreted(kb: KnowledgeBase) -> None:
    entry = dataclasses.replace(kb.entries[0], answer={"id": "A <b> & B </a>", "en": "x < y"})
    hostile = dataclasses.replace(kb, entries=(entry, *kb.entries[1:]))
    reply = Renderer(hostile).entry(entry, "id")
    assert "A &lt;b&gt; &amp; B &lt;/a&gt;" in reply.html
    assert "A <b> & B </a>" in reply.text
    parse_telegram_html(reply.html, strict=True)


def test_contact_comes_from_settings_never_invented(kb: KnowledgeBase) -> None:
    entry = kb.entry("pelatihan-ikut")
    assert entry is not None and entry.show_contact
    without = Renderer(kb).entry(entry, "id").text
    with_contact = Renderer(kb, contact="Dinas KUKM, telp 021-000 <kantor>").entry(entry, "id")
    assert "021" not in without
    assert "Dinas KUKM, telp 021-000 <kantor>" in with_contact.text
    assert "&lt;kantor&gt;" in with_contact.html


def test_an_answer_says_who_told_the_reporter(assistant: Assistant) -> None:
    exports = assistant.ask("kerupuk tangsel diekspor ke mana?").reply.text
    assert "ANTARA" in exports and "Ismunandar" in exports.split("Sumber:")[1]
    group = assistant.ask("where is the cipta karya group?").reply.text
    assert "as told by Maulini Zeda" in group
    # Nobody in the report spoke of prices, so a "not in the report" reply names no one.
    gap = assistant.ask("harga batik cipta karya berapa?").reply.text
    assert "keterangan" not in gap.split("Sumber:")[1]


def test_plain_text_unescapes_and_keeps_link_targets() -> None:
    assert (
        to_plain('<b>A</b> &amp; <a href="https://x.id">situs</a>') == "A & situs (https://x.id)"
    )


@pytest.mark.parametrize("size", [10, 4096, 9000, 20000])
def test_long_replies_split_under_the_limit_on_line_breaks(size: int) -> None:
    paragraph = "<b>Judul</b> " + "kata &amp; lain " * 20
    text = "\n\n".join([paragraph] * max(1, size // len(paragraph)))
    parts = split_message(text)
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()  # nothing lost, only cut at breaks
    for part in parts:
        parse_telegram_html(part, strict=True)


def test_one_huge_line_is_cut_at_a_space_outside_tags() -> None:
    text = " ".join(["<i>kata</i> &amp;"] * 1500)
    parts = split_message(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    for part in parts:
        parse_telegram_html(part, strict=True)


def accepted_parts(text: str) -> list[str]:
    """The parts of a split, each as Telegram reads it (strictly: no stray '&'), checked
    against Telegram's limit on the parsed text; their texts joined give the whole text."""
    parts = split_message(text)
    plains = []
    for part in parts:
        plain, _ = parse_telegram_html(part, strict=True)
        assert utf16_len(plain) <= 4096 and len(part) <= 4096
        plains.append(plain)
    whole, _ = parse_telegram_html(text, strict=True)
    assert "".join("".join(plains).split()) == "".join(whole.split())  # only cut whitespace
    return plains


def test_a_run_of_entities_is_never_cut_inside_one() -> None:
    # "&" 3,000 times is 15,000 characters of "&amp;" with no line break or space: the
    # /statistik message that Telegram refused (the chart never came).
    plains = accepted_parts("Belum terjawab: “" + "&amp;" * 3000 + "”")
    assert len(plains) > 1 and "".join(plains).count("&") == 3000


def test_a_tag_open_across_a_cut_is_closed_and_opened_again() -> None:
    text = "<b>Pengumuman</b>\n<blockquote>" + "kata &lt;penting&gt; " * 700 + "</blockquote>"
    parts = split_message(text)
    assert len(parts) > 1
    for part in parts[1:]:
        assert part.startswith("<blockquote>") and part.endswith("</blockquote>")
    accepted_parts(text)


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    plains = accepted_parts("👍" * 3000)  # 3,000 characters, 6,000 UTF-16 units
    assert len(plains) == 2 and sum(len(p) for p in plains) == 3000


def test_a_cut_prefers_a_line_break_then_a_space() -> None:
    lines = "\n".join(f"baris {i}: " + "x" * 60 for i in range(200))
    for part in split_message(lines):
        assert part.endswith("x" * 60)  # whole lines only
    words = " ".join(["kata"] * 2000)
    assert all(part.endswith("kata") for part in split_message(words))


def test_the_greeting_keeps_proper_nouns(assistant: Assistant) -> None:
    for text, lang in (("halo", "id"), ("hello", "en")):
        reply = assistant.ask(text).reply.text
        assert "Cipta Karya Sejahtera" in reply and "cipta karya" not in reply, lang
        assert "tangsel" not in reply and "south tangerang" not in reply, lang


TEMPLATES = Path(bot.__file__).parent / "templates"


def names_in(folder: str) -> set[str]:
    return {p.stem for p in (TEMPLATES / folder).glob("*.j2")}


def test_each_text_is_translated_or_shared_never_both() -> None:
    """A text is in id/ and en/ (translated), or once in shared/ (the same in both: staff
    texts, always Indonesian, and layouts with no words). Nothing is in between."""
    assert names_in("id") == names_in("en")
    assert not names_in("shared") & names_in("id")


def test_only_shared_texts_are_shown_alike_in_both_languages(assistant: Assistant) -> None:
    renderer = assistant.renderer
    assert renderer.template_path("welcome", "en") == "en/welcome.j2"
    assert renderer.template_path("inbox_closed", "en") == "shared/inbox_closed.j2"
    assert renderer.render("staff_only", "en") != renderer.render("staff_only", "id")
    assert renderer.render("broadcast_gone", "en") == renderer.render("broadcast_gone", "id")
    with pytest.raises(jinja2.TemplateNotFound):  # no silent stand-in for a missing text
        renderer.render("no_such_text", "en")
