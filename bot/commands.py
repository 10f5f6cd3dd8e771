"""Every Telegram command, declared once: its names, who may use it, the handler that does
it, and its line in each command menu. app.py registers the handlers and sets the menus from
here; a test checks the README's table against it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from telegram import Update

from bot.answering import Lang
from bot.context import BotContext
from bot.handlers import (
    broadcasting,
    groups,
    privacy,
    questions,
    requests,
    staff,
    start,
    subscriptions,
)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
Menu = Literal["private", "group", "staff"]


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # as residents type it (Indonesian)
    aliases: tuple[str, ...]  # other names that do the same; English menus show the first
    who: str  # who may use it, as the README's table says
    handler: Handler
    edits_too: bool = True  # an edited command message runs it again

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def shown_as(self, lang: Lang) -> str:
        """The name a menu in `lang` shows."""
        return self.aliases[0] if lang == "en" and self.aliases else self.name


COMMANDS = (
    Command("start", (), "everyone", start.welcome),
    Command("bantuan", ("help",), "everyone", start.show_help),
    Command("topik", ("topics",), "everyone", start.show_topics),
    # An edited /tanya is not a new question (edits of questions are followed elsewhere).
    Command("tanya", (), "groups", questions.ask_in_group, edits_too=False),
    Command(
        "langganan",
        ("subscribe",),
        "residents; group admins for a group",
        subscriptions.subscribe,
    ),
    Command(
        "berhenti",
        ("unsubscribe",),
        "residents; group admins for a group",
        subscriptions.unsubscribe,
    ),
    Command("otomatis", (), "group admins", groups.set_automatic),
    Command("hapusdata", (), "everyone (private chat)", privacy.show_my_data),
    Command(
        "pertanyaansaya", ("myquestions",), "residents (private chat)", requests.show_my_requests
    ),
    # Staff only: each handler checks ADMIN_IDS and refuses anyone else.
    Command("umumkan", ("broadcast",), "staff", broadcasting.announce),
    Command("laporan", (), "staff", broadcasting.show_reports),
    Command("belumterjawab", ("unanswered",), "staff", staff.show_unanswered),
    Command("statistik", ("stats",), "staff", staff.show_stats),
    Command("muatulang", ("reload",), "staff", staff.reload_knowledge),
)


@dataclass(frozen=True, slots=True)
class MenuLine:
    command: str
    id: str
    en: str | None = None  # None: Indonesian only (staff menus)


# The command menus, in the order Telegram shows them. Staff chats (each staff member's
# private chat, the staff group) get their chat's menu followed by the staff lines.
MENUS: dict[Menu, tuple[MenuLine, ...]] = {
    "private": (
        MenuLine("start", "Mulai dan lihat topik", "Start and see the topics"),
        MenuLine("bantuan", "Cara bertanya", "How to ask"),
        MenuLine("topik", "Daftar topik", "Topics"),
        MenuLine("langganan", "Terima pengumuman", "Get announcements"),
        MenuLine("berhenti", "Berhenti berlangganan", "Stop announcements"),
        MenuLine("pertanyaansaya", "Pertanyaan saya ke petugas", "My questions to staff"),
        MenuLine("hapusdata", "Hapus data saya", "Erase my data"),
    ),
    "group": (
        MenuLine("tanya", "Tanya bot: /tanya pertanyaan", "Ask the bot: /tanya question"),
        MenuLine("topik", "Daftar topik", "Topics"),
        MenuLine("bantuan", "Cara bertanya", "How to ask"),
        MenuLine("otomatis", "Jawaban otomatis (admin)", "Automatic answers (admins)"),
        MenuLine(
            "langganan", "Grup menerima pengumuman (admin)", "Group gets announcements (admins)"
        ),
        MenuLine(
            "berhenti", "Grup berhenti berlangganan (admin)", "Group stops announcements (admins)"
        ),
    ),
    "staff": (
        MenuLine("umumkan", "Buat pengumuman (petugas)"),
        MenuLine("laporan", "Laporan pengumuman"),
        MenuLine("belumterjawab", "Pertanyaan belum terjawab"),
        MenuLine("statistik", "Statistik pemakaian"),
        MenuLine("muatulang", "Muat ulang basis pengetahuan"),
    ),
}

_BY_NAME = {c.name: c for c in COMMANDS}


def menu(which: Menu, lang: Lang) -> list[tuple[str, str]]:
    """(command as the menu shows it, description) for one menu in one language."""
    return [
        (_BY_NAME[line.command].shown_as(lang), line.en if lang == "en" and line.en else line.id)
        for line in MENUS[which]
    ]
