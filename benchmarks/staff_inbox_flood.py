"""The staff inbox under floods, against a fake Bot API that enforces Telegram's limits.

    python benchmarks/staff_inbox_flood.py [--junk 200] [--restart 60] [--crowd 2000]
        [--staff-first 400,2000]

The bot and the fake run in one process (the delays measured here come from Telegram's
limit of 20 messages a minute per group, which the fake enforces with 429s, not from CPU).
The fake allows 35 messages/s overall, a little over the bot's own 30 (SEND_RATE_LIMIT):
residents' answers are not what is measured here, and the two limiters' windows never line
up exactly. Each scenario starts from a fresh database. Prints:

  * junk: one resident sends --junk distinct junk lines, then a staff member sends
    /umumkan in the staff group: how long until its preview is there, against the same
    command with an idle inbox (same run) and against the inbox as it was before the queue
    (each card posted at once at the group's full pace, no digest, no cap, no yielding to
    staff: the same run with those rules switched off); and how many cards of that
    resident reached the staff group (target: at most INBOX_CARDS_PER_HOUR, 5).
  * restart: --restart residents ask different things; the bot is stopped while cards are
    still queued and started again: open cards missing from the staff group after the
    queue drained (target 0), and how long that took.
  * staff-first: --staff-first residents ask at once; once their answers go out, a staff
    member's /umumkan in the staff group: how long until its preview is there, with staff
    first and, same run, without (every request in arrival order, as before)
  * crowd: --crowd residents ask different things: staff-group messages and how long until
    every card is in the staff group, and a staff command's answer time in the middle of it;
    beside it, what posting one message per card at the group's 20 a minute would take.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot import inbox as rules  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.context import BotApplication, BotContext  # noqa: E402
from bot.handlers import cards  # noqa: E402
from tests.fake_bot_api import FakeBotAPI, running_fake  # noqa: E402
from tests.fake_bot_api.model import Call  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-fake-api"
ADMIN = 900
STAFF_GROUP = -100500
FLOODER = 7
FIRST_RESIDENT = 10_000
GROUP_PER_MINUTE = 20  # Telegram's limit for one group

ITEMS = [
    "sewa kios",
    "pupuk",
    "semen",
    "bensin",
    "tiket bus",
    "beras",
    "minyak goreng",
    "gas elpiji",
    "obat batuk",
    "seragam sekolah",
    "sepatu",
    "kulkas",
    "motor bekas",
    "laptop",
    "pulsa",
    "listrik",
    "air pdam",
    "kopi",
    "gula",
    "telur",
    "ayam",
    "ikan",
    "sayur",
    "buah",
    "tepung",
    "kain",
    "benang",
    "cat tembok",
    "paku",
    "kayu",
    "genteng",
    "keramik",
    "pipa",
    "kabel",
    "lampu",
    "kipas",
    "kompor",
    "panci",
    "piring",
    "gelas",
]
PLACES = [
    "pasar ciputat",
    "serpong",
    "pamulang",
    "bintaro",
    "pondok aren",
    "setu",
    "ciputat timur",
    "rawa buntu",
    "jombang",
    "pagedangan",
    "cisauk",
    "lengkong",
    "jurangmangu",
    "pondok cabe",
    "kedaung",
    "benda baru",
    "parigi",
    "sawah baru",
    "cempaka putih",
    "rempoa",
    "bambu apus",
    "pisangan",
    "cirendeu",
    "paku jaya",
    "buaran",
    "serua",
    "pondok jagung",
    "ciater",
    "muncul",
    "keranggan",
    "babakan",
    "kademangan",
    "jelupang",
    "pondok benda",
    "pondok kacang",
    "perigi",
    "pondok pucung",
    "pakulonan",
    "rawa mekar",
    "lengkong gudang",
]
FORMS = ("dimana beli {item} murah dekat {place}?", "ada yang jual {item} grosir di {place}?")


def different_questions(count: int) -> list[str]:
    """Residents asking different things the report does not cover (distinct wording)."""
    found = [
        form.format(item=item, place=place) for form in FORMS for item in ITEMS for place in PLACES
    ]
    random.Random(3).shuffle(found)
    return found[:count]


def junk_lines(count: int) -> list[str]:
    rng = random.Random(7)
    syllables = [
        "ka",
        "lo",
        "mi",
        "tu",
        "ra",
        "se",
        "pu",
        "di",
        "no",
        "ge",
        "ba",
        "zu",
        "we",
        "yo",
        "fa",
        "ci",
    ]
    return [
        " ".join(
            "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(3, 6))
        )
        for _ in range(count)
    ]


async def post_every_card_at_once(self: cards.CardPoster, context: BotContext) -> None:
    """How cards went before the queue: a task per card, all waiting in the rate limiter."""
    storage = context.services.storage
    queued = storage.queued_cards(1_000_000)
    storage.mark_posted([card.id for card in queued])
    loop = asyncio.get_running_loop()
    for card in queued:
        # Not the application's create_task: stopping the bot would wait for every card.
        OLD_TASKS.append(loop.create_task(cards.post_card(context, card.id, self.chat_id)))


OLD_TASKS: list[asyncio.Task[object]] = []


@contextmanager
def old_rules() -> Iterator[None]:
    """The inbox as it was before the queue: a card per question, each sent at once by a
    task of its own (the rate limiter then holds them all), no digest, no per-resident cap,
    no yielding to staff."""
    changes = {
        "CARD_BURST": 1_000_000,
        "STAFF_YIELD": 0.0,
    }
    saved = {name: getattr(cards, name) for name in changes}
    send_one = cards.CardPoster._send_one
    for name, value in changes.items():
        setattr(cards, name, value)
    setattr(cards.CardPoster, "_send_one", post_every_card_at_once)  # noqa: B010
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(cards, name, value)
        setattr(cards.CardPoster, "_send_one", send_one)  # noqa: B010


async def start(fake: FakeBotAPI, database: Path, **env: str) -> BotApplication:
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": fake.base_url,
        "DATABASE_PATH": str(database),
        "ADMIN_IDS": str(ADMIN),
        "STAFF_CHAT_ID": str(STAFF_GROUP),
        "LOG_LEVEL": "ERROR",
        **env,
    }
    app = build_application(Settings.parse(values))
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    return app


async def stop(app: BotApplication) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)
    await app.shutdown()


def prepare_world(fake: FakeBotAPI, residents: int) -> None:
    fake.set_rate_limit(per_second=35, per_group_per_minute=GROUP_PER_MINUTE)
    fake.user(ADMIN, "Petugas Rina")
    fake.private_chat(ADMIN)
    fake.group(STAFF_GROUP, "Staf UKM", "supergroup", admins=[ADMIN], bot_status="administrator")
    fake.user(FLOODER, "Iseng")
    fake.private_chat(FLOODER)
    for user in range(FIRST_RESIDENT, FIRST_RESIDENT + residents):
        fake.user(user, f"Warga {user}")
        fake.private_chat(user)


async def staff_command_seconds(fake: FakeBotAPI, marker: str, limit: float = 150.0) -> float:
    """A staff member's /umumkan in the staff group: seconds until its preview is there."""
    since = len(fake.calls)
    started = time.time()
    fake.send_text(ADMIN, STAFF_GROUP, f"/umumkan {marker}")

    def preview(call: Call) -> bool:
        return (
            call.ok
            and call.method == "sendMessage"
            and str(call.params.get("chat_id")) == str(STAFF_GROUP)
            and marker in str(call.params.get("text"))
        )

    try:
        call = await fake.wait_for(preview, timeout=limit, since=since)
    except AssertionError:
        return float("inf")
    return call.time - started


def cards_in_staff_group(app: BotApplication, user_id: int | None = None) -> int:
    """Cards (alone or as a digest line) in the staff group; only those `user_id` opened."""
    db = app.bot_data.services.storage.db
    mine = (
        ""
        if user_id is None
        else " AND i.id IN (SELECT card_id FROM inbox_askers WHERE user_id = ?)"
    )
    params = [STAFF_GROUP, STAFF_GROUP] + ([] if user_id is None else [user_id])
    row = db.execute(
        "SELECT COUNT(*) FROM inbox i WHERE (i.id IN (SELECT card_id FROM card_messages"
        " WHERE chat_id = ?) OR i.id IN (SELECT card_id FROM digest_lines WHERE chat_id = ?))"
        + mine,
        params,
    ).fetchone()
    return int(row[0])


def open_cards_missing(app: BotApplication) -> int:
    """Open cards (not held by the per-resident cap) with no copy in the staff group."""
    db = app.bot_data.services.storage.db
    row = db.execute(
        "SELECT COUNT(*) FROM inbox i WHERE status = 'open' AND post_state != 'held'"
        " AND i.id NOT IN (SELECT card_id FROM card_messages WHERE chat_id = ?)"
        " AND i.id NOT IN (SELECT card_id FROM digest_lines WHERE chat_id = ?)",
        [STAFF_GROUP, STAFF_GROUP],
    ).fetchone()
    return int(row[0])


def staff_group_messages(fake: FakeBotAPI) -> int:
    return len(fake.sent(STAFF_GROUP))


async def drained(app: BotApplication, fake: FakeBotAPI, limit: float) -> float:
    started = time.monotonic()
    storage = app.bot_data.services.storage
    await fake.wait_until(
        lambda: storage.count_queued_cards() == 0, timeout=limit, what="the card queue empty"
    )
    return time.monotonic() - started


async def junk(count: int, old: bool) -> tuple[float, float, int, int]:
    """(idle command s, command s during the flood, the flooder's cards posted, cards
    queued for the staff group)."""
    async with running_fake(TOKEN, "ukm_bench_bot") as fake:
        prepare_world(fake, 0)
        with tempfile.TemporaryDirectory() as folder:
            env = {"INBOX_CARDS_PER_HOUR": "1000000"} if old else {}
            app = await start(fake, Path(folder) / "bot.db", **env)
            try:
                idle = await staff_command_seconds(fake, "Uji coba tenang")
                for line in junk_lines(count):
                    fake.send_text(FLOODER, None, line)
                await fake.wait_for_sent(FLOODER, count=count, timeout=120)
                busy = await staff_command_seconds(fake, "Uji coba saat banjir")
                filed = app.bot_data.services.storage.count_open_cards()
                if not old:
                    await drained(app, fake, limit=180)
                return idle, busy, cards_in_staff_group(app, FLOODER), filed
            finally:
                for task in OLD_TASKS:
                    task.cancel()
                await stop(app)


async def restart(residents: int) -> tuple[int, int, int, float]:
    """(open cards, in the staff group before the stop, missing after, seconds to drain)."""
    async with running_fake(TOKEN, "ukm_bench_bot") as fake:
        prepare_world(fake, residents)
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "bot.db"
            app = await start(fake, database)
            users = range(FIRST_RESIDENT, FIRST_RESIDENT + residents)
            for user, question in zip(users, different_questions(residents), strict=True):
                fake.send_text(user, None, question)
            storage = app.bot_data.services.storage
            # Stopped as soon as some cards are out and others still wait.
            await fake.wait_until(
                lambda: cards_in_staff_group(app) > 0 and storage.count_queued_cards() > 0,
                timeout=120,
                what="cards posted and cards queued",
            )
            before = cards_in_staff_group(app)
            open_cards = storage.count_open_cards()
            await stop(app)
            app = await start(fake, database)
            try:
                seconds = await drained(app, fake, limit=600)
                return open_cards, before, open_cards_missing(app), seconds
            finally:
                await stop(app)


async def staff_first(residents: int, first: bool) -> tuple[float, int]:
    """(the staff command's seconds, residents answered before it) while `residents`'
    answers queue at 30 a second."""
    async with running_fake(TOKEN, "ukm_bench_bot") as fake:
        prepare_world(fake, residents)
        with tempfile.TemporaryDirectory() as folder:
            app = await start(fake, Path(folder) / "bot.db")
            if not first:  # as before: nobody's requests go first, nothing fetched early
                app.bot.rate_limiter.staff_chats = frozenset()  # type: ignore[union-attr]
                app.update_processor.urgent_chats = frozenset()  # type: ignore[attr-defined]
                app.update_processor.max_parked = 0  # type: ignore[attr-defined]
            try:
                users = range(FIRST_RESIDENT, FIRST_RESIDENT + residents)
                for user, question in zip(users, different_questions(residents), strict=True):
                    fake.send_text(user, None, question)
                await fake.wait_for_sent(FIRST_RESIDENT, timeout=60)
                took = await staff_command_seconds(fake, "Uji coba staf dulu", limit=600)
                answered = sum(1 for user in users if fake.sent(user))
                return took, answered
            finally:
                await stop(app)


@dataclass
class Crowd:
    cards: int
    messages: int  # to the staff group
    seconds: float  # until every card was in the staff group
    command_while_answering: float  # a staff command's seconds while answers go out
    queued: int  # cards queued when the second command was sent
    command_while_queued: float  # its seconds


async def crowd(residents: int) -> Crowd:
    async with running_fake(TOKEN, "ukm_bench_bot") as fake:
        prepare_world(fake, residents)
        with tempfile.TemporaryDirectory() as folder:
            app = await start(fake, Path(folder) / "bot.db")
            try:
                started = time.monotonic()
                users = range(FIRST_RESIDENT, FIRST_RESIDENT + residents)
                for user, question in zip(users, different_questions(residents), strict=True):
                    fake.send_text(user, None, question)
                storage = app.bot_data.services.storage
                await fake.wait_until(
                    lambda: storage.count_open_cards() >= residents // 4,
                    timeout=120,
                    what="a quarter of the cards filed",
                )
                # While residents' answers still go out (they share the 30 a second)...
                answering = await staff_command_seconds(fake, "Uji coba saat menjawab")
                for user in users:
                    await fake.wait_for_sent(user, timeout=600)
                # ...and after, while cards still queue.
                queueing = storage.count_queued_cards()
                command = await staff_command_seconds(fake, "Uji coba di tengah antrean")
                await drained(app, fake, limit=3600)
                took = time.monotonic() - started
                return Crowd(
                    storage.count_open_cards(),
                    staff_group_messages(fake),
                    took,
                    answering,
                    queueing,
                    command,
                )
            finally:
                await stop(app)


def seconds(value: float) -> str:
    return "> 150 s (never within the wait)" if value == float("inf") else f"{value:.1f} s"


async def main_async(args: argparse.Namespace) -> None:
    cap = Settings().inbox_cards_per_hour
    print(f"junk: one resident sends {args.junk} distinct junk lines")
    with old_rules():
        idle_old, busy_old, _, total_old = await junk(args.junk, old=True)
    idle, busy, posted, total = await junk(args.junk, old=False)
    print(f"  staff /umumkan preview, idle inbox:       {seconds(idle)}")
    print(f"    (old rules:                             {seconds(idle_old)})")
    print(f"  staff /umumkan preview, during the flood: {seconds(busy)} (target <= 5 s)")
    print(f"    (old rules:                             {seconds(busy_old)})")
    print(f"  the resident's cards in the staff group:  {posted} of {total} (target <= {cap})")
    print(f"    (old rules: all {total_old}, one message each at 20 a minute)")
    if args.restart:
        print(f"restart: {args.restart} residents ask different things; stop with cards queued")
        open_cards, before, missing, drain = await restart(args.restart)
        print(f"  open cards {open_cards}, in the staff group at the stop {before}")
        print(f"  missing from the staff group after the restart: {missing} (target 0)")
        print(f"  every card there {drain:.1f} s after the restart")
    for residents in args.staff_first:
        print(f"staff-first: {residents} residents ask at once, then a staff command")
        waited_before, answered_before = await staff_first(residents, first=False)
        waited_after, answered_after = await staff_first(residents, first=True)
        print(
            f"  staff /umumkan preview, staff first: {seconds(waited_after)} "
            f"({answered_after} residents answered before it; target <= 2 s)"
        )
        print(
            f"    (same run, arrival order:          {seconds(waited_before)}, "
            f"{answered_before} answered before it)"
        )
    if args.crowd:
        print(f"crowd: {args.crowd} residents ask different things")
        got = await crowd(args.crowd)
        minutes = got.seconds / 60
        print(
            f"  {got.cards} cards: {got.messages} staff-group messages, all in {minutes:.1f} min"
        )
        print(
            f"  staff /umumkan preview, answers going out: {seconds(got.command_while_answering)}"
        )
        print(
            f"  staff /umumkan preview, {got.queued} cards queued: "
            f"{seconds(got.command_while_queued)} (target <= 5 s)"
        )
        old = f"{got.cards} messages, {got.cards / GROUP_PER_MINUTE:.0f} min"
        print(f"    (one message per card at the group's 20 a minute: {old})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--junk", type=int, default=200)
    parser.add_argument("--restart", type=int, default=60, help="0 skips it")
    parser.add_argument("--crowd", type=int, default=2000, help="0 skips it")
    parser.add_argument(
        "--staff-first",
        type=lambda text: [int(n) for n in text.split(",") if n],
        default=[400, 2000],
        help="residents' backlogs to measure, comma-separated ('' skips it)",
    )
    args = parser.parse_args()
    share = f"{rules.CARDS_PER_MINUTE:g} of the group's {GROUP_PER_MINUTE} messages a minute"
    print(f"(cards take {share}; a digest lists up to {rules.DIGEST_SIZE})")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
