"""The fake Bot API's text helpers: Telegram HTML (tdlib's parser) and automatic entities."""

from __future__ import annotations

import pytest

from tests.fake_bot_api import TelegramHTMLError, detect_entities, parse_telegram_html, utf16_len


@pytest.mark.parametrize(
    ("html", "plain", "entities"),
    [
        ("<b>Halo</b> &lt;UKM&gt; &amp; co", "Halo <UKM> & co", [("bold", 0, 4)]),
        ("🙂 <i>x</i>", "🙂 x", [("italic", 3, 1)]),
        ("<B>upper</B>", "upper", [("bold", 0, 5)]),
        ("<b><i>both</i></b>", "both", [("bold", 0, 4), ("italic", 0, 4)]),
        (
            "<tg-spoiler>s</tg-spoiler><span class='tg-spoiler'>t</span>",
            "st",
            [
                ("spoiler", 0, 1),
                ("spoiler", 1, 1),
            ],
        ),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ("AT&T &nbsp; &#128512;", "AT&T &nbsp; 😀", []),
        ("<b>x</>", "x", [("bold", 0, 1)]),
    ],
)
def test_parse_telegram_html(html: str, plain: str, entities: list[tuple[str, int, int]]) -> None:
    text, parsed = parse_telegram_html(html)
    assert text == plain
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_parse_telegram_html_links_and_pre() -> None:
    text, entities = parse_telegram_html(
        '<a href="example.com">web</a> <pre><code class="language-python">x=1</code></pre>'
    )
    assert text == "web x=1"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 3, "url": "http://example.com/"},
        {"type": "pre", "offset": 4, "length": 3, "language": "python"},
    ]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("plain</b>", "Unexpected end tag at byte offset 5"),
        ("harga < 10rb", 'Unsupported start tag "" at byte offset 6'),
        ("a<b", "Unclosed start tag at byte offset 1"),
        (
            "<b><i>x</b></i>",
            'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        ),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_parse_telegram_html_errors(html: str, reason: str) -> None:
    with pytest.raises(TelegramHTMLError) as info:
        parse_telegram_html(html)
    assert info.value.reason == reason
    assert info.value.description == f"Bad Request: can't parse entities: {reason}"


def test_strict_html_rejects_bare_ampersand() -> None:
    assert parse_telegram_html("Tom & Jerry")[0] == "Tom & Jerry"
    with pytest.raises(TelegramHTMLError, match=r'escape sequence "&" at byte offset 4'):
        parse_telegram_html("Tom & Jerry", strict=True)
    assert parse_telegram_html("Tom &amp; Jerry", strict=True)[0] == "Tom & Jerry"


def test_detect_entities_in_utf16() -> None:
    text = "/start@ukm_test_bot 🙂 @alice_w #promo"
    assert utf16_len(text) == len(text) + 1
    assert detect_entities(text) == [
        {"type": "bot_command", "offset": 0, "length": 19},
        {"type": "mention", "offset": 23, "length": 8},
        {"type": "hashtag", "offset": 32, "length": 6},
    ]
    assert detect_entities("a/b x@y.z") == []
