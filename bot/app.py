"""The one place that builds the Telegram Application and wires every handler, in order."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.broadcast import Broadcaster
from bot.commands import COMMANDS, Menu, menu
from bot.config import Settings
from bot.context import (
    BotApplication,
    BotContext,
    BotData,
    ChatData,
    Services,
    UserData,
    build_assistant,
    settle_long_lived,
)
from bot.handlers import (
    broadcasting,
    cards,
    errors,
    flood,
    groups,
    inbox,
    inline,
    privacy,
    questions,
    requests,
    start,
    subscriptions,
)
from bot.handlers.common import NoLinkPreview
from bot.knowledge import KnowledgeInvalid, default_knowledge_dir, ensure_knowledge
from bot.logs import configure_logging, install_redacting_excepthook
from bot.ordering import FairUpdateProcessor, Parking
from bot.pacing import TelegramLimits
from bot.runner import BotRunner, StartupError
from bot.sharing import SUBSCRIBE_PAYLOAD
from bot.storage import Problem, Storage, StorageError, StorageUnavailable
from bot.telegram_request import AiohttpRequest, ResilientPollingRequest, TelegramBot

log = logging.getLogger(__name__)

CONNECTION_POOL = 32  # HTTP connections to the Bot API for sending
# Chats served at once (one worker per chat at a time, in order within it). More than the
# connection pool only queues for a connection.
UPDATE_WORKERS = 32
# Updates held in memory, at most: a few getUpdates batches (Telegram sends up to 100 at a
# time). With less room than a batch the bot does not poll: the backlog waits at Telegram.
UPDATE_BATCH = 100
QUEUED_UPDATES = 500
# Beyond those, updates are fetched and kept parked as their JSON (~0.5 KB each), so that a
# staff command behind thousands of residents' questions is seen at once (ordering.py).
PARKED_UPDATES = 10_000
STOP_WAIT = 5.0  # seconds a clean stop (SIGTERM) gives queued updates and sends in flight
# The running bot queues its writes or hands them to the storage's writer thread; its own
# work on the event loop (the broadcaster, the card poster, staff actions) writes with
# `Storage.write_patiently`, which never waits for a lock there. Any write still made on the
# event loop directly waits at most this long, instead of SQLite's 30 s during which no
# resident would be answered.
EVENT_LOOP_BUSY_TIMEOUT = 0.25


def build_application(settings: Settings, storage: Storage | None = None) -> BotApplication:
    """Everything the running bot needs; tests build it exactly as production does."""
    token = settings.require_token()
    storage = storage or Storage(
        settings.database_path, busy_timeout=EVENT_LOOP_BUSY_TIMEOUT, check=True
    )
    directory = settings.knowledge_dir or default_knowledge_dir()
    status = ensure_knowledge(storage.db, directory)  # raises KnowledgeInvalid with no fallback
    services = Services(
        settings=settings,
        storage=storage,
        assistant=build_assistant(status.kb, storage, settings),
        knowledge_problems=[str(p) for p in status.problems if p.severity == "error"],
    )
    base_url = settings.telegram_base_url.rstrip("/")
    file_url = base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url
    # A limit of 0 lifts the overall pace (a local Bot API server that enforces its own);
    # groups always keep Telegram's 20 messages a minute.
    # Staff first: their chats' updates are served, and their replies sent, before the
    # residents' waiting (ordering.py, pacing.py).
    staff_chats = frozenset(
        settings.admin_ids | ({settings.staff_chat_id} if settings.staff_chat_id else set())
    )
    limits = TelegramLimits(
        settings.send_rate_limit or None, settings.broadcast_rate, staff_chats=staff_chats
    )
    processor = FairUpdateProcessor(
        UPDATE_WORKERS,
        QUEUED_UPDATES,
        is_question=flood_controlled(settings),
        urgent_chats=staff_chats,
        parking=Parking(
            lambda update: park_update(update, polling),
            lambda raw: unpark_update(application, raw),
        ),
        max_parked=PARKED_UPDATES,
        on_flood=lambda update, scope: flood.tell_about_flood(application, update, scope),
        on_superseded=lambda update: flood.log_coalesced(application, update),
    )
    polling = ResilientPollingRequest(
        room=lambda: processor.wait_for_room(UPDATE_BATCH, application.update_queue.qsize)
    )
    bot = TelegramBot(
        token,
        base_url=base_url,
        base_file_url=file_url,
        request=AiohttpRequest(CONNECTION_POOL, brief_messages=True),
        get_updates_request=polling,
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=NoLinkPreview()),
        rate_limiter=limits,
    )
    application: BotApplication = (
        ApplicationBuilder()
        .application_class(GracefulApplication)
        .bot(bot)
        .context_types(
            ContextTypes(
                context=BotContext, bot_data=BotData, chat_data=ChatData, user_data=UserData
            )
        )
        .concurrent_updates(processor)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .build()
    )
    application.bot_data.services = services
    services.broadcaster = Broadcaster(
        storage,
        application.bot,
        limits,
        on_progress=broadcasting.progress_reporter(application),
    )
    require_job_queue(application)  # before any network: a missing extra fails at once
    register_handlers(application)
    return application


class GracefulApplication(
    Application[TelegramBot, BotContext, UserData, ChatData, BotData, JobQueue[Any]]
):
    """PTB's Application, stopping gently. PTB's stop() waits only until queued updates are
    handed to the update processor, and the HTTP session closes right after; so first, for
    at most STOP_WAIT seconds: no new announcement send starts and those on their way are
    answered and recorded (a restart resends nothing delivered), and the updates already
    taken from Telegram are answered (Telegram will not send them again). Then requests
    still waiting for their turn are given up (pacing.TelegramLimits.close)."""

    async def stop(self) -> None:
        if self.running:
            waits = []
            broadcaster = self.bot_data.services.broadcaster
            if broadcaster is not None:
                waits.append(broadcaster.drain(STOP_WAIT))
            processor = self.update_processor
            if isinstance(processor, FairUpdateProcessor):
                waits.append(self._drain_updates(processor))
            await asyncio.gather(*waits)
            if isinstance(processor, FairUpdateProcessor):
                processor.hold()  # what still waits is kept for the next start (on_shutdown)
            # Whatever still waits for its turn (staff cards at the staff group's pace) is
            # given up now: PTB's stop() would otherwise wait for it, for minutes.
            if isinstance(self.bot.rate_limiter, TelegramLimits):
                self.bot.rate_limiter.close()
        await super().stop()

    async def _drain_updates(self, processor: FairUpdateProcessor) -> None:
        left = await processor.drain(STOP_WAIT, self.update_queue.qsize)
        if left:
            log.warning("Stopping with %s updates not yet answered after %.0f s", left, STOP_WAIT)


def park_update(update: object, polling: ResilientPollingRequest) -> bytes | None:
    """An update waiting its turn, compact: Telegram's JSON of it (as fetched, when the
    polling request still has it; else rebuilt by PTB)."""
    if not isinstance(update, Update):
        return None
    raw = polling.raw(update.update_id)
    return json.dumps(raw).encode() if raw is not None else update.to_json().encode()


def unpark_update(
    application: BotApplication, raw: bytes
) -> tuple[Update, Coroutine[Any, Any, None]]:
    update = Update.de_json(json.loads(raw), application.bot)
    return update, application.process_update(update)


def left_over_path(settings: Settings) -> Path:
    """Updates fetched but not yet answered at a stop, beside the database (Telegram will not
    send them again): answered first at the next start, then deleted."""
    path = settings.database_path
    return path.with_name(path.name + ".updates")


def keep_left_over(app: BotApplication) -> None:
    processor = app.update_processor
    if not isinstance(processor, FairUpdateProcessor):
        return
    left = processor.left_over()
    if not left:
        return
    path = left_over_path(app.bot_data.services.settings)
    try:
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(b"".join(raw + b"\n" for raw in left))
        partial.replace(path)
    except OSError as err:
        log.error("%s updates not answered at the stop are lost (%s: %s)", len(left), path, err)
        return
    log.warning(
        "%s updates not answered at the stop are kept in %s for the next start", len(left), path
    )


def restore_left_over(app: BotApplication) -> None:
    path = left_over_path(app.bot_data.services.settings)
    processor = app.update_processor
    if not path.exists() or not isinstance(processor, FairUpdateProcessor):
        return
    left = [line for line in path.read_bytes().splitlines() if line.strip()]
    processor.restore(left)
    path.unlink()
    log.info("Answering %s updates the last run left unanswered", len(left))


def flood_controlled(settings: Settings) -> Callable[[object], bool]:
    """Which updates flood control may coalesce (ordering.py): a new message from a resident
    that the bot replies to. Never staff or the staff group, never button taps or edits; in a
    group only what addresses the bot (/tanya, a mention, a reply), not the chatter around."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    asks_in_group = (
        filters.ChatType.GROUPS
        & filters.UpdateType.MESSAGE
        & (filters.Regex(r"^/tanya(@\w+)?(\s|$)") | groups.AddressesBot())
    )

    def check(update: object) -> bool:
        if not isinstance(update, Update):
            return False
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or settings.is_staff(user.id):
            return False
        if chat.id == settings.staff_chat_id:
            return False
        return bool(private.check_update(update) or asks_in_group.check_update(update))

    return check


class SetupError(Exception):
    """The installation lacks something the bot needs; the message says how to fix it."""


def require_job_queue(application: Application[Any, Any, Any, Any, Any, Any]) -> JobQueue[Any]:
    """Scheduled announcements, the question log's flush and retention run on PTB's job
    queue. PTB installed without its job-queue extra has none, and they would silently never
    run: the bot refuses to start instead."""
    if application.job_queue is None:
        raise SetupError(
            "python-telegram-bot's job queue is missing (it comes with the job-queue extra), so "
            "scheduled announcements, the question log and its retention could not run. "
            "Install the bot with its dependencies: pip install -e ."
        )
    return application.job_queue


def register_handlers(app: BotApplication) -> None:
    """Handlers in the order PTB tries them (the first match in a group wins)."""
    private = filters.ChatType.PRIVATE
    groups_ = filters.ChatType.GROUPS
    new = filters.UpdateType.MESSAGE
    edited = filters.UpdateType.EDITED_MESSAGE

    # 0. Before anything else (group -2): staff writing in the staff group hold the inbox's
    #    cards back for a moment, so their commands and replies get the group's budget.
    app.add_handler(TypeHandler(Update, cards.note_staff_activity), group=-2)
    #    Then (group -1): a staff member's reply to an inbox card is an
    #    answer for the residents who asked, not a question for the bot.
    app.add_handler(
        MessageHandler(
            filters.REPLY & ~filters.COMMAND & ~filters.StatusUpdate.ALL, inbox.answer_from_staff
        ),
        group=-1,
    )

    # 1. Service messages and membership first: a group turning into a supergroup keeps
    #    its settings; a resident who blocks the bot stops getting announcements.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.follow_migration))
    app.add_handler(
        ChatMemberHandler(subscriptions.track_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )

    # 2. Commands, as declared in commands.py (names, who, menus). CommandHandler ignores
    #    /cmd@otherbot on its own. First the one deep link that is another feature's command:
    #    t.me/<bot>?start=langganan subscribes (start.py opens the others: answers, welcome).
    app.add_handler(
        CommandHandler(
            "start",
            subscriptions.subscribe,
            filters=private & new & filters.Regex(rf"^/start\s+{SUBSCRIBE_PAYLOAD}\s*$"),
        )
    )
    for command in COMMANDS:
        app.add_handler(
            CommandHandler(
                command.names, command.handler, filters=None if command.edits_too else new
            )
        )

    # 3. Button taps: the feature ones by their prefix, then answers, topics, menus.
    app.add_handler(CallbackQueryHandler(subscriptions.subscribe, pattern=r"^subscribe\|"))
    app.add_handler(CallbackQueryHandler(subscriptions.choose_topic, pattern=r"^subtopic\|"))
    app.add_handler(CallbackQueryHandler(broadcasting.press_broadcast_button, pattern=r"^bc\|"))
    app.add_handler(CallbackQueryHandler(inbox.press_inbox_button, pattern=r"^inbox\|"))
    app.add_handler(CallbackQueryHandler(inbox.press_feedback, pattern=r"^fb\|"))
    app.add_handler(CallbackQueryHandler(requests.press_satisfaction, pattern=r"^sat\|"))
    app.add_handler(CallbackQueryHandler(privacy.erase_my_data, pattern=r"^erase\|"))
    app.add_handler(CallbackQueryHandler(questions.press_button))

    # 4. Private chats: edits, questions, unknown commands, anything that is not text.
    app.add_handler(
        MessageHandler(private & edited & filters.TEXT & ~filters.COMMAND, questions.answer_edited)
    )
    app.add_handler(
        MessageHandler(private & new & filters.TEXT & ~filters.COMMAND, questions.answer_private)
    )
    app.add_handler(MessageHandler(private & new & filters.COMMAND, questions.unknown_command))
    app.add_handler(
        MessageHandler(
            private & new & ~filters.TEXT & ~filters.StatusUpdate.ALL, questions.hint_to_type
        )
    )

    # 5. Groups: edits of answered questions, addressed messages, then (if switched on)
    #    automatic answers. Everything else in a group is left alone: no reply at all.
    addressed = groups.AddressesBot()
    app.add_handler(MessageHandler(groups_ & edited & filters.TEXT, questions.answer_edited))
    app.add_handler(
        MessageHandler(
            groups_ & new & filters.TEXT & ~filters.COMMAND & addressed,
            questions.answer_addressed,
        )
    )
    app.add_handler(
        MessageHandler(
            groups_ & new & filters.TEXT & ~filters.COMMAND, questions.answer_automatically
        )
    )

    # 6. Inline mode ("@bot pelatihan" in any chat): answers to share, and which were shared.
    app.add_handler(InlineQueryHandler(inline.answer_inline_query))
    app.add_handler(ChosenInlineResultHandler(inline.count_shared_answer))

    # 7. Errors: logged with the update's context, the resident told once, staff alerted.
    app.add_error_handler(errors.report_error)


FLUSH_EVERY = 1.0  # seconds: queued writes are committed together (storage/writer.py)
RETENTION_CHECK_EVERY = 6 * 3600
RETENTION_WAIT = 300.0  # seconds the retention may wait for the database before its next run
SCHEDULE_CHECK_EVERY = 10  # seconds between looks at scheduled announcements


async def on_startup(app: BotApplication) -> None:
    services = app.bot_data.services
    me = await app.bot.get_me()
    services.bot_username = me.username or ""
    # For `ukm-bot link`; nobody waits on it, so a locked database cannot stop the start.
    services.storage.write_later(services.storage.remember_bot_username, services.bot_username)
    scopes: tuple[tuple[BotCommandScope, Menu], ...] = (
        (BotCommandScopeAllPrivateChats(), "private"),
        (BotCommandScopeAllGroupChats(), "group"),
    )
    for scope, which in scopes:
        for lang in ("id", "en"):
            await app.bot.set_my_commands(
                [BotCommand(c, d) for c, d in menu(which, lang)],
                scope=scope,
                language_code=None if lang == "id" else lang,  # Indonesian is the default
            )
    await set_staff_commands(app)
    await start.introduce_bot(app)  # the descriptions, when they changed
    assert services.broadcaster is not None
    services.broadcaster.resume()  # broadcasts a restart or a crash interrupted
    cards.start_poster(app)  # and inbox cards still queued for the staff group
    jobs = require_job_queue(app)
    jobs.run_repeating(
        broadcasting.start_due_broadcasts,
        SCHEDULE_CHECK_EVERY,
        first=1,
        name="scheduled broadcasts",
    )
    # A busy moment may delay a job; it then runs once, late, instead of warning.
    late = {"misfire_grace_time": 30, "coalesce": True}
    # The question log, reply links and votes are committed together once a second, never
    # waiting for the database (storage/writer.py); staff hear when it cannot write.
    jobs.run_repeating(commit_queued_writes, FLUSH_EVERY, name="queued writes", job_kwargs=late)
    loop = asyncio.get_running_loop()

    def storage_problem(problem: Problem | None) -> None:  # on the writer thread
        loop.call_soon_threadsafe(
            lambda: app.create_task(errors.tell_staff_about_storage(app, problem))
        )

    services.storage.on_problem = storage_problem
    services.storage.writer.start()
    jobs.run_repeating(apply_retention, RETENTION_CHECK_EVERY, first=60, name="retention")
    jobs.run_repeating(
        cards.remind_overdue, cards.REMINDER_EVERY, first=30, name="overdue cards", job_kwargs=late
    )
    restore_left_over(app)  # what the last run fetched but could not answer, first
    for problem in services.knowledge_problems:
        log.error("Knowledge files not used (serving the last good build): %s", problem)
    log.info(
        "Bot @%s is up; knowledge base version %s",
        services.bot_username,
        services.assistant.kb.version,
    )


async def commit_queued_writes(context: BotContext) -> None:
    context.services.storage.flush_queued()


async def apply_retention(context: BotContext) -> None:
    """Questions, reply links, residents' words on inbox cards, requests and shared-answer
    rows older than QUESTION_LOG_DAYS are deleted (the README says so to residents); staff
    copies of the cards that changed are redrawn."""
    storage = context.services.storage
    days = context.services.settings.question_log_days
    try:
        removed = await storage.write_within(RETENTION_WAIT, storage.apply_retention, days)
    except StorageUnavailable as err:
        log.warning("Retention postponed to its next run: %s", err)
        return
    # Requests to the office and shared-answer rows follow the same period.
    for forget in (storage.forget_requests, storage.forget_shares):
        try:
            await storage.write_within(RETENTION_WAIT, forget, days)
        except StorageUnavailable as err:
            log.warning("Retention postponed to its next run: %s", err)
            return
    for card_id in removed.cards:
        context.application.create_task(cards.forget_card_text(context, card_id, days))
    if removed.questions or removed.inbox or removed.replies:
        log.info(
            "Retention: deleted %s questions older than %s days, %s inbox entries, %s reply links",
            removed.questions,
            days,
            removed.inbox,
            removed.replies,
        )


async def set_staff_commands(app: BotApplication) -> None:
    """Staff commands show up only in staff chats: each admin's private chat, the staff group."""
    settings = app.bot_data.services.settings
    chats: list[tuple[int, Menu]] = [(admin, "private") for admin in sorted(settings.admin_ids)]
    if settings.staff_chat_id is not None:
        chats.append((settings.staff_chat_id, "group"))
    for chat_id, kind in chats:
        commands = [BotCommand(c, d) for c, d in menu(kind, "id") + menu("staff", "id")]
        try:
            await app.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
        except TelegramError as err:  # an admin who never opened the bot: not an error
            log.info("No staff command menu for chat %s yet: %s", chat_id, err)


async def on_shutdown(app: BotApplication) -> None:
    services = app.bot_data.services
    if services.broadcaster is not None:
        await services.broadcaster.stop()  # drained already when the Application stopped
    await cards.stop_poster(app)
    keep_left_over(app)
    # Writes still queued go in (waiting a few seconds at most for a locked database).
    await asyncio.to_thread(services.storage.close)


def run_bot(settings: Settings, webhook: bool = False) -> None:
    """`ukm-bot run` (which holds the database's one-copy lock): polling or the webhook
    server, until a stop signal. StartupError (with an exit code) when it cannot start or
    go on."""
    secrets = [settings.telegram_bot_token or "", settings.webhook_secret or ""]
    configure_logging(settings.log_level, secrets)
    install_redacting_excepthook(secrets)
    try:
        application = build_application(settings)
    except (KnowledgeInvalid, SetupError, StorageError) as err:
        raise StartupError(str(err)) from None
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        # Once started, all that start-up built is set aside from the garbage collector.
        bot = BotRunner(application, settings, webhook=webhook, on_started=settle_long_lived)
        runner.run(bot.run())


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (Linux and macOS; a dependency there),
    else asyncio's own (None).

    Why: every answer is a few socket reads and writes and a dozen wake-ups of the loop;
    uvloop does that work in C (libuv). Measured under benchmarks/telegram_throughput.py's
    load, in alternating runs: 1.22 -> 1.12 ms of CPU per answer, 810 -> 875 answers/s."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
