"""The `ukm-bot` command: thin click wrappers that turn domain errors into clear exits."""

from __future__ import annotations

import difflib
import json
import sys
import time
from pathlib import Path
from typing import NoReturn

import click

from bot.answering import Conversation, Conversations, KnowledgeBase, Lang
from bot.assistant import Answer, Assistant
from bot.config import ConfigError, Settings
from bot.knowledge import (
    KnowledgeInvalid,
    Problem,
    current_knowledge,
    default_knowledge_dir,
    ensure_knowledge,
    load_knowledge,
    save_knowledge,
)
from bot.knowledge_check import check_knowledge
from bot.rendering import Button, Reply, to_plain

# bot.storage (and with it sqlite_utils, about 0.1 s to import) is imported only by the
# commands that write to the database: `ask` and `chat` read the saved knowledge with the
# standard sqlite3 module when it is current (see open_knowledge).


def fail(message: str, code: int = 1) -> NoReturn:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(code)


def settings_or_exit() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as err:
        fail(f"{err}\nSee .env.example for every setting.", 2)


def knowledge_dir(settings: Settings) -> Path:
    return settings.knowledge_dir or default_knowledge_dir()


def open_knowledge(settings: Settings) -> KnowledgeBase:
    """The knowledge base the bot serves: from the database, rebuilt if the files changed.

    When the database cannot be used (a read-only folder, say), the files are read
    directly so `ask` and `chat` still work.
    """
    directory = knowledge_dir(settings)
    saved = current_knowledge(settings.database_path, directory)
    if saved is not None:
        return saved
    from bot.storage import Storage, StorageError

    try:
        storage = Storage(settings.database_path)
    except StorageError as err:
        click.secho(f"Warning: {err} Reading {directory} directly.", fg="yellow", err=True)
        try:
            return load_knowledge(directory)
        except KnowledgeInvalid as invalid:
            fail(str(invalid))
    try:
        status = ensure_knowledge(storage.db, directory)
    except KnowledgeInvalid as err:
        fail(f"{err}\nFix the files and run `ukm-bot kb check`.")
    finally:
        storage.close()
    if status.problems:
        click.secho(
            "Warning: the knowledge files have problems, so the last good build is used:\n"
            + "\n".join(f"  - {p}" for p in status.problems if p.severity == "error"),
            fg="yellow",
            err=True,
        )
    return status.kb


def assistant(settings: Settings) -> Assistant:
    return Assistant(open_knowledge(settings), contact=settings.office_contact)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ukm-bot")
def main() -> None:
    """Telegram assistant for the small businesses (UKM) of Kota Tangerang Selatan."""


@main.command()
@click.option("--webhook", is_flag=True, help="Serve Telegram webhooks instead of polling.")
def run(webhook: bool) -> None:
    """Start the Telegram bot (long polling, or webhooks with --webhook)."""
    settings = settings_or_exit()
    try:
        settings.require_token()
        if webhook:
            settings.require_webhook()
    except ConfigError as err:
        if err.variable == "TELEGRAM_BOT_TOKEN" and sys.stdin.isatty() and sys.stdout.isatty():
            # A newcomer on a terminal: the Telegram bot cannot start, but the same
            # answers can be tried right here.
            click.secho(f"{err}\n", fg="yellow", err=True)
            click.secho("Starting `ukm-bot chat` instead.\n", fg="yellow", err=True)
            chat_with(settings)
            return
        fail(str(err), 2)
    from bot.storage import StorageError
    from bot.storage.instance import InstanceLock

    # One copy per database, refused before anything else is loaded (it answers at once).
    try:
        lock = InstanceLock(settings.database_path).acquire()
    except StorageError as err:
        fail(str(err))
    # Telegram is imported only when the bot really runs.
    from bot.app import run_bot
    from bot.runner import StartupError

    try:
        run_bot(settings, webhook=webhook)
    except StartupError as err:
        fail(str(err), err.exit_code)
    finally:
        lock.release()


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines for stdin).")
def ask(question: str | None, as_json: bool) -> None:
    """Answer QUESTION as a resident would see it; without QUESTION, read one per line.

    A line may also be a JSON object with the question under "q" (the evaluation sets'
    format), "question" or "text"; its "id", if any, is echoed in the JSON reply. Lines
    with the same "conversation" value are answered in order as one chat (a follow-up
    such as "di mana tuh?" reads the lines before it); other lines stay independent.
    """
    bot = assistant(settings_or_exit())
    lines = [question] if question is not None else _stdin_lines()
    chats = Conversations()
    for line in lines:
        text, item_id, chat_key = _question_of(line) if question is None else (line, None, None)
        conversation = chats(chat_key) if chat_key is not None else None
        answer = bot.ask(text, conversation)
        if as_json:
            reply = answer.as_json()
            if item_id is not None:
                reply = {"id": item_id, **reply}
            click.echo(json.dumps(reply, ensure_ascii=False))
        else:
            click.echo(format_reply(answer.reply))
            if question is None:
                click.echo()


def _stdin_lines() -> list[str]:
    if sys.stdin.isatty():
        fail("give a QUESTION, or pipe questions in, one per line")
    return [line.rstrip("\r\n") for line in sys.stdin]


def _question_of(line: str) -> tuple[str, object, str | None]:
    """The question on a stdin line (the line itself, or a JSON object's q/question/text),
    its id, and the conversation it belongs to."""
    if line.lstrip().startswith("{"):
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return line, None, None
        if isinstance(item, dict):
            chat = item.get("conversation")
            key = json.dumps(chat) if chat is not None else None
            for field in ("q", "question", "text"):
                if isinstance(item.get(field), str):
                    return item[field], item.get("id"), key
    return line, None, None


def format_reply(reply: Reply, numbered: bool = False) -> str:
    """A reply as plain text, its buttons listed under it."""
    lines = [reply.text]
    buttons = [b for row in reply.buttons for b in row]
    if buttons:
        lines.append("")
        for i, button in enumerate(buttons, 1):
            lines.append(f"  [{i}] {button.label}" if numbered else f"  • {button.label}")
    return "\n".join(lines)


@main.command()
def chat() -> None:
    """Talk to the bot in the terminal: no Telegram token needed."""
    chat_with(settings_or_exit())


def chat_with(settings: Settings) -> None:
    bot = assistant(settings)
    kb = bot.kb
    conversation = Conversation()  # follow-ups read the last few questions, as in Telegram
    click.echo(
        "Asisten UKM Tangsel. Ketik pertanyaan; angka untuk memilih tombol; "
        "'topik' untuk daftar topik; 'keluar' untuk selesai.\n"
    )
    buttons = [b for row in bot.renderer.topic_buttons("id") for b in row]
    click.echo(format_reply(bot.renderer.topics_menu("id"), numbered=True))
    lang: Lang = "id"
    while True:
        try:
            text = click.prompt("\nAnda", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo()
            return
        command = text.strip().lower()
        if command in {"keluar", "exit", "quit", "/keluar"}:
            return
        reply: Reply
        if command in {"topik", "/topik", "topics"}:
            reply = bot.renderer.topics_menu(lang)
        elif command.isdigit() and 1 <= int(command) <= len(buttons):
            reply = _press(bot, kb, buttons[int(command) - 1], lang)
        elif command.isdigit():
            # A number is a button press; one that is not on screen is said so, with the
            # buttons that are, rather than read as a question.
            text = bot.renderer.render("no_button", lang, number=command, count=len(buttons))
            click.echo("\nBot> " + to_plain(text))
            continue
        else:
            answer: Answer = bot.ask(text, conversation)
            lang = answer.response.lang
            reply = answer.reply
        buttons = [b for row in reply.buttons for b in row]
        click.echo("\nBot> " + format_reply(reply, numbered=True).replace("\n", "\n     "))


def _press(bot: Assistant, kb: KnowledgeBase, button: Button, lang: Lang) -> Reply:
    """What tapping a button does, as in Telegram."""
    if button.action == "topic":
        topic = kb.topic(button.value)
        if topic is not None:
            return bot.renderer.topic(topic, lang)
    if button.action == "entry":
        entry = kb.entry(button.value)
        if entry is not None:
            return bot.renderer.entry(entry, lang)
    return bot.renderer.topics_menu(lang)


@main.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--facts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Fact patterns (default: facts.json beside FILE, else the bundled copy).",
)
@click.option("--min-accuracy", type=float, help="Exit 1 when overall accuracy is lower.")
@click.option("--failures/--no-failures", default=True, help="List the failing questions.")
def evaluate(file: Path, facts: Path | None, min_accuracy: float | None, failures: bool) -> None:
    """Grade the bot on an evaluation set (JSON Lines) with the shared grading rule."""
    from bot.evaluation import EvalFileError, facts_for, load_fact_patterns, load_items
    from bot.evaluation import evaluate as run_eval

    bot = assistant(settings_or_exit())

    def answer(q: str, conversation: Conversation | None) -> tuple[str, str, str | None]:
        a = bot.ask(q, conversation)
        entry = a.decision.entry
        return a.response.status, a.reply.text, entry.id if entry else None

    try:
        items = load_items(file)
        patterns = load_fact_patterns(facts or facts_for(file))
        report = run_eval(items, answer, patterns, Conversation)
    except EvalFileError as err:
        fail(str(err))
    if failures and report.failures:
        click.echo(f"Failing questions ({len(report.failures)}):")
        for g in report.failures:
            expected = ",".join(g.item.expect) or "(not answer)"
            click.echo(
                f"  {g.item.id} [{g.item.style}] expected {expected}, got {g.status}"
                f"{'/' + g.entry_id if g.entry_id else ''}: {g.item.q}"
            )
        click.echo()
    click.echo(
        "Per style:  " + "  ".join(f"{s} {ok}/{n}" for s, (ok, n) in report.by_style.items())
    )
    if report.by_turn:
        click.echo(
            "Per turn:   "
            + "  ".join(
                f"turn {t} {ok}/{n} (confident-wrong {wrong})"
                for t, (ok, n, wrong) in report.by_turn.items()
            )
        )
    figures = report.figures()
    click.echo(
        f"questions: {report.n}  accuracy: {figures['accuracy']:.3f}  in-scope accuracy: "
        f"{figures['inscope_acc']:.3f}  out-of-scope rejection: {figures['oos_reject']:.3f}"
    )
    click.echo(
        f"greetings handled: {figures['greeting_ok']:.3f}  confident-wrong rate: "
        f"{figures['confident_wrong']:.3f}"
    )
    if min_accuracy is not None and report.accuracy < min_accuracy:
        fail(f"accuracy {report.accuracy:.3f} is below --min-accuracy {min_accuracy}")


@main.command()
def stats() -> None:
    """Print the usage figures staff see with /statistik."""
    from bot.service_desk import collect_desk_stats
    from bot.stats import collect_stats
    from bot.storage import Storage, StorageError

    settings = settings_or_exit()
    try:
        storage = Storage(settings.database_path)
    except StorageError as err:
        fail(str(err))
    try:
        kb_ = open_knowledge(settings)
        figures = collect_stats(storage)
        renderer = Assistant(kb_).renderer
        labels = {e.id: e.label("id") for e in kb_.entries}
        click.echo(to_plain(renderer.render("stats", "id", stats=figures, labels=labels)))
        desk = collect_desk_stats(storage, settings.response_target_hours, time.time())
        click.echo("\n" + to_plain(renderer.render("stats_requests", "id", desk=desk)))
        click.echo("\nPertanyaan per hari (30 hari terakhir):")
        peak = max([sum(c.values()) for _, c in figures.daily] + [1])
        for day, counts in figures.daily:
            total = sum(counts.values())
            bar = "#" * round(40 * total / peak)
            click.echo(f"  {day}  {total:>6}  {bar}")
    finally:
        storage.close()


@main.command()
@click.argument("entry_id")
@click.option(
    "--bot",
    "username",
    help="The bot's @username (default: the one it last ran as, kept in the database).",
)
def link(entry_id: str, username: str | None) -> None:
    """Print the t.me link that opens the bot on an answer (ENTRY_ID), or with `langganan`
    that subscribes to announcements: for posters, announcements and other chats."""
    from bot.sharing import ASK_PAYLOAD, SUBSCRIBE_PAYLOAD, deep_link

    settings = settings_or_exit()
    knowledge = open_knowledge(settings)
    if entry_id not in (SUBSCRIBE_PAYLOAD, ASK_PAYLOAD) and knowledge.entry(entry_id) is None:
        close = difflib.get_close_matches(entry_id, [e.id for e in knowledge.entries], n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "`ukm-bot kb check` lists them."
        fail(f"there is no entry {entry_id!r} in the knowledge base; {hint}")
    if username is None:
        from bot.storage import Storage, StorageError

        try:
            storage = Storage(settings.database_path)
        except StorageError as err:
            fail(str(err))
        try:
            username = storage.bot_username()
        finally:
            storage.close()
    if not username:
        fail(
            "the bot's @username is not known yet: start the bot once (`ukm-bot run`), or "
            "pass it with --bot USERNAME"
        )
    click.echo(deep_link(username, entry_id))


@main.group()
def kb() -> None:
    """Check or build the knowledge base from knowledge/."""


@kb.command()
def check() -> None:
    """Validate the knowledge files and show what would confuse the bot."""
    settings = settings_or_exit()
    directory = knowledge_dir(settings)
    learned = _learned(settings)
    base, problems = check_knowledge(directory, learned)
    _print_problems(problems, err=False)
    errors = [p for p in problems if p.severity == "error"]
    if base is not None:
        variants = sum(len(e.questions["id"]) + len(e.questions["en"]) for e in base.entries)
        taught = sum(len(v) for v in learned.values())
        click.echo(
            f"{directory}: {len(base.entries)} entries in {len(base.topics)} topics, "
            f"{variants} question variants, {taught} learned from staff; "
            f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)."
        )
        for entry_id, texts in sorted(learned.items()):
            for text in texts:
                click.echo(f"  learned: {entry_id} <- {text!r}")
    if errors:
        sys.exit(1)


def _learned(settings: Settings) -> dict[str, list[str]]:
    """Phrasings staff taught the bot, kept in the database (see `/belumterjawab`)."""
    from bot.storage import Storage, StorageError

    try:
        storage = Storage(settings.database_path)
    except StorageError:
        return {}
    try:
        return storage.learned_variants()
    finally:
        storage.close()


@kb.command()
def build() -> None:
    """Compile knowledge/ into the database; a broken file leaves the database as it was."""
    settings = settings_or_exit()
    directory = knowledge_dir(settings)
    # The same validation as `kb check`, warnings included (the bot's own rebuild at
    # start-up and /muatulang refuse the same files).
    base, problems = check_knowledge(directory, _learned(settings))
    _print_problems(problems)
    if base is None:
        fail("the knowledge files are invalid; the database was not changed.")
    from bot.storage import Storage, StorageError

    try:
        storage = Storage(settings.database_path)
    except StorageError as err:
        fail(str(err))
    try:
        save_knowledge(storage.db, base)
    finally:
        storage.close()
    questions = sum(len(e.questions["id"]) + len(e.questions["en"]) for e in base.entries)
    click.echo(
        f"Built {len(base.entries)} entries ({questions} questions, version "
        f"{base.version}) into {settings.database_path}."
    )


def _print_problems(problems: list[Problem], err: bool = True) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        click.secho(f"{problem.severity}: {problem}", fg=colour, err=err)
