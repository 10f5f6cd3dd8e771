"""One jinja2 environment that turns decisions into Telegram HTML (and plain text)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from bot.answering import Decision, Entry, KnowledgeBase, Lang, Response, Topic

TELEGRAM_TEXT_LIMIT = 4096  # characters of one message, after entities are parsed
TELEGRAM_CAPTION_LIMIT = 1024
MAX_OFFERED = 4  # related questions offered under a reply of several answers
FALLBACKS_KEPT = 256  # rendered fallbacks remembered (reasons x years x languages)
ANNOUNCEMENT_TO_KNOWLEDGE = {"koperasi": "kelompok"}  # announcement topic -> knowledge topic

_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)


@dataclass(frozen=True, slots=True)
class Button:
    """A choice under a reply; the Telegram layer turns it into an inline button."""

    label: str
    action: str  # entry | topic | topics | fb | inbox | bc | ... (the handlers/ that reads it)
    value: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons

    @property
    def text(self) -> str:
        """The same reply as plain text: what `ukm-bot ask` prints and eval grades."""
        return to_plain(self.html)


def to_plain(markup: str) -> str:
    markup = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", markup)
    return html.unescape(_TAG.sub("", markup)).strip()


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split Telegram HTML into messages Telegram accepts, cutting only between characters
    of the text: never inside a tag or an entity such as `&amp;`.

    A part ends at the last line break that fits, else the last space, else after any
    character (a long run with neither, "&&&…" say). Tags still open at a cut are closed
    at the end of the part and opened again at the start of the next, so every part is
    well-formed. A part stays within `limit` both as HTML and as the text Telegram counts
    after parsing (UTF-16 units: an emoji is two).
    """
    text = text.strip()
    # Nearly every reply fits: its HTML, counted in UTF-16 units, is never shorter than the
    # text Telegram counts. Only longer ones are taken apart (a few microseconds a character).
    if len(text) <= limit and len(text.encode("utf-16-le")) // 2 <= limit:
        return [text] if text else []
    pieces = [_Piece.of(m.group()) for m in _PIECE.finditer(text)]
    parts: list[str] = []
    start = 0
    open_tags: list[tuple[str, str]] = []  # (name, opening tag) at `start`
    while start < len(pieces):
        while start < len(pieces) and pieces[start].blank:
            start += 1  # no part starts with the whitespace of a cut
        if start == len(pieces):
            break
        end, open_at_end = _cut(pieces, start, open_tags, limit)
        body = "".join(p.raw for p in pieces[start:end])
        if not open_at_end:
            body = body.rstrip()
        reopen = "".join(tag for _, tag in open_tags)
        close = "".join(f"</{name}>" for name, _ in reversed(open_at_end))
        part = reopen + body + close
        if to_plain(part):
            parts.append(part)
        start, open_tags = end, open_at_end
    return parts


# One tag, one entity, or one character of text.
_PIECE = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|[^<&]|[<&]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z0-9-]+)")


@dataclass(frozen=True, slots=True)
class _Piece:
    raw: str
    units: int  # UTF-16 units Telegram counts for it (tags: none)
    tag: str | None  # "b" for <b ...>, "/b" for </b>
    char: str  # the character it shows ("" for a tag)

    @classmethod
    def of(cls, raw: str) -> _Piece:
        if raw.startswith("<") and len(raw) > 1:
            found = _TAG_NAME.match(raw)
            name = found.group(1).lower() if found else ""
            return cls(raw, 0, f"/{name}" if raw.startswith("</") else name, "")
        char = html.unescape(raw) if raw.startswith("&") else raw
        return cls(raw, len(char.encode("utf-16-le")) // 2, None, char)

    @property
    def blank(self) -> bool:
        return self.tag is None and self.char.isspace()


def _cut(
    pieces: list[_Piece], start: int, open_tags: list[tuple[str, str]], limit: int
) -> tuple[int, list[tuple[str, str]]]:
    """Where the part that begins at `start` ends, and the tags still open there."""
    stack = list(open_tags)
    raw = sum(len(tag) for _, tag in stack)
    units = 0
    best: dict[int, tuple[int, list[tuple[str, str]]]] = {}  # rank -> latest cut of that rank
    for i in range(start, len(pieces)):
        piece = pieces[i]
        if piece.tag is not None and piece.tag.startswith("/"):
            name = piece.tag[1:]
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    del stack[depth]
                    break
        elif piece.tag is not None:
            stack.append((piece.tag, piece.raw))
        raw += len(piece.raw)
        units += piece.units
        closing = sum(len(name) + 3 for name, _ in stack)
        if raw + closing > limit or units > limit:
            break
        if piece.tag is None:
            # The best cut is after a line break, then a space, then any character; a cut
            # outside every tag is better than one inside.
            kind = 2 if piece.char == "\n" else 1 if piece.char.isspace() else 0
            best[kind * 2 + (not stack)] = (i + 1, list(stack))
    else:
        return len(pieces), stack
    if not best:  # not even one character fits after the tags to reopen: drop them
        return max(start + 1, i), []
    return best[max(best)]


class Renderer:
    """Every user-facing sentence comes from bot/templates/ (<lang>/ or shared/) through here."""

    def __init__(self, kb: KnowledgeBase, contact: str | None = None) -> None:
        self.kb = kb
        self.contact = contact or None
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("bot", "templates"),
            # Every template is escaped (select_autoescape() would skip *.j2): residents'
            # words must never become Telegram HTML.
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates ship with the package; no stat() per reply
        )
        self.env.filters["number"] = number_filter
        self._labels: dict[tuple[str, Lang], str] = {}
        # An entry's answer reads the same every time it is given (its facts, source and
        # the contact line are fixed for this renderer's knowledge base): rendered once.
        self._answers: dict[tuple[str, Lang], str] = {}
        self._fallbacks: dict[tuple[Lang, str, tuple[int, ...], bool], str] = {}
        self._own = set(self.env.list_templates(extensions=["j2"]))

    def label(self, template_name: str, lang: Lang) -> str:
        """A fixed text (a button label): rendered once, then remembered."""
        key = (template_name, lang)
        if key not in self._labels:
            self._labels[key] = self.render(template_name, lang)
        return self._labels[key]

    def template_path(self, template_name: str, lang: Lang) -> str:
        """templates/<lang>/NAME.j2, or templates/shared/NAME.j2 for a text that is the same
        in both languages (staff texts, always Indonesian; layouts with no words). A name in
        neither folder fails at once, so a missing translation is never silently shared."""
        own = f"{lang}/{template_name}.j2"
        return own if own in self._own else f"shared/{template_name}.j2"

    def button_label(self, template_name: str, lang: Lang, **context: Any) -> str:
        """A label that varies (a button naming an entry): plain text, as Telegram shows
        button labels, so an apostrophe in it is not turned into an HTML entity."""
        return to_plain(self.render(template_name, lang, **context))

    def render(self, template_name: str, lang: Lang, **context: Any) -> str:
        template = self.env.get_template(self.template_path(template_name, lang))
        base = {
            "lang": lang,
            "source": self.kb.source,
            "title": self.kb.source.title[lang],
            "topics": self.kb.browsable_topics(),
            "office": _fact(self.kb, "office", lang),
            "contact": self.contact,
        }
        return template.render({**base, **context}).strip()

    # -- replies to questions ---------------------------------------------------------

    def decision(self, decision: Decision, forwarded: bool = False) -> Reply:
        """The reply to a question; `forwarded` says staff were sent the question."""
        lang = decision.lang
        if decision.status == "answer" and decision.entry is not None:
            entry = decision.entry
            key = (entry.id, lang)
            if key not in self._answers:
                self._answers[key] = self.render(
                    "answer", lang, entry=entry, answer=entry.answer[lang]
                )
            return Reply(self._answers[key], self.entry_buttons(decision.related, lang))
        if decision.status == "clarify":
            return Reply(
                self.render("clarify", lang, suggestions=decision.suggestions),
                self.entry_buttons(decision.suggestions, lang),
            )
        if decision.status == "smalltalk":
            kind = decision.query.smalltalk or "greeting"
            inviting = kind in ("greeting", "identity", "story", "announce")
            buttons = self.topic_buttons(lang) if inviting else ()
            return Reply(self.render("smalltalk", lang, kind=kind), buttons)
        return self.fallback(decision, forwarded)

    def response(self, response: Response, forwarded: bool = False) -> Reply:
        """The reply to a whole message: one decision's reply, or every question's short
        answer in order with one source line (`forwarded`: staff were sent the parts that
        were not answered)."""
        if len(response.parts) == 1 and not response.more:
            return self.decision(response.parts[0], forwarded=forwarded)
        lang = response.lang
        parts = [
            {
                "question": _shorten(p.query.text),
                "status": p.status,
                "reason": p.reason,
                "answer": p.entry.answer[lang] if p.entry else "",
                "narrowing": p.narrowing,
                "years": p.years,
            }
            for p in response.parts
        ]
        speakers = list(
            dict.fromkeys(
                p.entry.said_by[lang]
                for p in response.parts
                if p.entry and p.entry.said_by and p.status == "answer"
            )
        )
        offered: list[Entry] = []
        for part in response.parts:
            for entry in (*part.suggestions, *part.related):
                if entry not in offered and all(entry is not p.entry for p in response.parts):
                    offered.append(entry)
        html = self.render(
            "parts",
            lang,
            parts=parts,
            more=response.more,
            forwarded=forwarded and bool(response.unanswered),
            speakers=speakers,
        )
        return Reply(html, self.entry_buttons(offered[:MAX_OFFERED], lang))

    def fallback(self, decision: Decision, forwarded: bool = False) -> Reply:
        lang = decision.lang
        if decision.reason == "narrower" and decision.entry is not None:
            entry = decision.entry
            return Reply(
                self.render(
                    "narrower",
                    lang,
                    entry=entry,
                    answer=entry.answer[lang],
                    narrowing=decision.narrowing,
                    forwarded=forwarded,
                ),
                self.entry_buttons(decision.related, lang),
            )
        gap = decision.entry if decision.reason == "gap" else None
        if gap is not None:
            related = [e for e in (self.kb.entry(r) for r in gap.related) if e and not e.gap]
            return Reply(
                self.render("gap", lang, entry=gap, answer=gap.answer[lang], forwarded=forwarded),
                self.entry_buttons(related, lang) or self.topic_buttons(lang),
            )
        # Its words depend on nothing of the question but these (the years are the few a
        # resident asked about): rendered once per combination, like an entry's answer.
        key = (lang, decision.reason, decision.years, forwarded)
        if key not in self._fallbacks:
            if len(self._fallbacks) >= FALLBACKS_KEPT:  # years typed at random: stay small
                self._fallbacks.clear()
            self._fallbacks[key] = self.render(
                "fallback", lang, reason=decision.reason, years=decision.years, forwarded=forwarded
            )
        return Reply(self._fallbacks[key], self.topic_buttons(lang))

    def entry(self, entry: Entry, lang: Lang) -> Reply:
        """The answer to an entry chosen from a button."""
        if entry.gap:
            return Reply(
                self.render("gap", lang, entry=entry, answer=entry.answer[lang], forwarded=False)
            )
        related = [e for e in (self.kb.entry(r) for r in entry.related) if e and not e.gap]
        return Reply(
            self.render("answer", lang, entry=entry, answer=entry.answer[lang]),
            self.entry_buttons(related, lang),
        )

    # -- menus ------------------------------------------------------------------------

    def topics_menu(self, lang: Lang) -> Reply:
        return Reply(self.render("topics", lang), self.topic_buttons(lang))

    def topic(self, topic: Topic, lang: Lang) -> Reply:
        entries = self.kb.entries_in(topic.id)
        rows = self.entry_buttons(entries, lang)
        back = (Button(self.label("button_back", lang), "topics"),)
        return Reply(self.render("topic", lang, topic=topic, entries=entries), (*rows, back))

    def announcement_topic(self, topic: str, lang: Lang) -> str:
        """The label of an announcement topic, shared with the knowledge topics."""
        known = self.kb.topic(ANNOUNCEMENT_TO_KNOWLEDGE.get(topic, topic))
        return known.label[lang] if known else topic

    def chart_legends(self, lang: Lang) -> dict[str, str]:
        """The names of the decisions on the statistics chart."""
        decisions = ("answer", "clarify", "fallback", "smalltalk")
        return {d: self.label(f"chart_{d}", lang) for d in decisions}

    def welcome_buttons(self, lang: Lang) -> tuple[tuple[Button, ...], ...]:
        subscribe = (Button(self.label("button_subscribe", lang), "subscribe"),)
        return (*self.topic_buttons(lang), subscribe)

    def entry_buttons(
        self, entries: Sequence[Entry], lang: Lang
    ) -> tuple[tuple[Button, ...], ...]:
        return tuple((Button(e.label(lang), "entry", e.id),) for e in entries)

    def topic_buttons(self, lang: Lang) -> tuple[tuple[Button, ...], ...]:
        buttons = [Button(t.label[lang], "topic", t.id) for t in self.kb.browsable_topics()]
        return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def _shorten(text: str, limit: int = 90) -> str:
    """A question quoted above its answer: one line, cut at a word."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit].rsplit(" ", 1)[0] + "…"


def format_number(value: object, lang: str) -> str:
    """1234 -> "1.234" in Indonesian, "1,234" in English."""
    if not isinstance(value, int | float):
        return str(value)
    text = f"{value:,.0f}"
    return text.replace(",", ".") if lang == "id" else text


@jinja2.pass_context
def number_filter(context: jinja2.runtime.Context, value: object) -> str:
    """The `number` filter of every template: in the language being rendered."""
    return format_number(value, str(context.get("lang")))


def _fact(kb: KnowledgeBase, name: str, lang: Lang) -> str:
    value = kb.facts.get(name, "")
    if isinstance(value, dict):
        return str(value.get(lang, ""))
    return str(value)
