"""End-to-end answering throughput over the Bot API, against a bare PTB echo bot.

    python benchmarks/telegram_throughput.py [--messages 2000] [--limited-messages 300]

The fake Telegram Bot API (tests/fake_bot_api/) runs as one process and the bot under
test as another: `ukm-bot run` with a fresh temporary DATABASE_PATH, LOG_LEVEL=WARNING,
SEND_RATE_LIMIT=0, and STAFF_CHAT_ID and ADMIN_IDS set (a staff group exists in the fake),
so questions the bot cannot answer post inbox cards as in production. Then, each against a
fresh fake, benchmarks/echo_bot.py: a bare PTB Application with the same base_url and one
sendMessage per text message:

  * the baseline: PTB's defaults (one update at a time, PTB's default connection pool), the
    fastest of PTB's ready configurations here;
  * for information, the previous baseline: 256 updates at once (`concurrent_updates(256)`,
    PTB's default 256-connection pool), which its pool bookkeeping makes much slower.

For each, the fake gets N users and N different questions, one from each user (every "q"
of tests/data/*.jsonl, then the same with a greeting in front: no two texts alike, so
nothing is gained from repetition), injected at once; the clock runs from just before the
injection until the fake has recorded a successful sendMessage to every one of the N chats.
/_fake/stats is polled every 0.1 s; the end time is the fake's own timestamp of its last
send (inbox cards go to the staff group at its 20 messages a minute and are not waited for).

Prints a table and checks, in this run and on this machine:
  * unlimited (SEND_RATE_LIMIT=0 / no rate limiter), --messages questions each:
    answered per second of the bot and of the echo bots, and the ratio to the echo bot with
    PTB's defaults (target: bot/echo >= 1.0); CPU time of each process per answer;
  * peak resident memory of the bot process, sampled every 50 ms with psutil from its start
    to the last reply (target: under 150 MB);
  * limited, --limited-messages questions each: the bot with SEND_RATE_LIMIT=30 (its
    default) and the echo bot with AIORateLimiter(overall_max_rate=30); both should come
    out at about 30 messages per second or less. The "steady" column leaves out the first
    2 s, where a limiter's bucket may allow an initial burst.

With --compare-source DIR, the bot from another checkout (the code before a change: `git
archive REV | tar -x -C DIR`) runs in every round too, interleaved, and its ratio and CPU per
answer are printed beside this one's.

Every run also reports replies that failed (non-200 answers of the fake), chats that got
more than one reply, and the warnings/errors the bot printed. Exit status 1 if a run failed
or a target was missed.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `benchmarks` importable

from benchmarks.telegram_harness import (  # noqa: E402
    DEFAULT_TOKEN,
    BenchmarkError,
    ChildProcess,
    MemorySampler,
    bot_command,
    bot_env,
    distinct_questions,
    echo_command,
    exit_on_sigterm,
    start_fake,
)

FIRST_USER_ID = 5_000_000
POLL_EVERY = 0.1  # s between /_fake/stats requests while waiting for replies
STALL = 30.0  # s without a new reply (and nothing left to fetch) = the bot dropped some
SETTLE = 1.0  # s to wait after the last expected reply, so late duplicates are counted
STEADY_AFTER = 2.0  # s left out at the start for the "steady" rate
RATE_TARGET = 1.0
STAFF_CHAT = -1009999  # the staff group, for inbox cards
STAFF_ID = 999
ECHO_OLD_CONCURRENCY = 256  # the previous baseline's concurrent_updates
MEMORY_TARGET_MB = 150.0
LIMIT = 30.0
LIMIT_TOLERANCE = 1.05  # "about 30 or less"


@dataclass
class Run:
    label: str
    kind: str  # "bot" or "echo"
    messages: int
    rate_limit: float
    elapsed: float | None = None
    answered: int = 0
    sent: int = 0
    cards: int = 0
    multi_reply_chats: int = 0
    failed_calls: dict[str, int] = field(default_factory=dict)
    peak_mb: float | None = None
    cpu_seconds: float | None = None
    busiest_second: int | None = None
    steady_rate: float | None = None
    exit_code: int | None = None
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def rate(self) -> float | None:
        return self.messages / self.elapsed if self.elapsed else None


def busiest_second(timeline: list[tuple[float, int]]) -> int:
    """Most sends within any 1 s window, from (time, sends so far) samples (approximate)."""
    best, j = 0, 0
    for i, (start, before) in enumerate(timeline):
        j = max(j, i)
        while j + 1 < len(timeline) and timeline[j + 1][0] <= start + 1.0:
            j += 1
        best = max(best, timeline[j][1] - before)
    return best


def steady_rate(
    timeline: list[tuple[float, int]], t0: float, end: float, total: int
) -> float | None:
    """Sends per second after the first STEADY_AFTER seconds (None for short runs)."""
    if end - t0 < 2 * STEADY_AFTER:
        return None
    start = next(((t, n) for t, n in timeline if t >= t0 + STEADY_AFTER), None)
    if start is None or end <= start[0]:
        return None
    return (total - start[1]) / (end - start[0])


def measure(
    label: str,
    kind: str,
    messages: int,
    rate_limit: float,
    texts: list[str],
    timeout: float,
    startup_timeout: float,
    fake_limit: float | None = None,
    bot_source: Path | None = None,
) -> Run:
    run = Run(label, kind, messages, rate_limit)
    fake = child = None
    try:
        with tempfile.TemporaryDirectory(prefix="ukm-throughput-") as tmp:
            fake = start_fake(rate_limit=fake_limit)
            control = fake.control
            control.create_users(messages, start_id=FIRST_USER_ID)
            if kind == "bot":
                control.add_users([{"id": STAFF_ID, "first_name": "Petugas"}])
                control.create_group(STAFF_CHAT, "Staf UKM", admins=[STAFF_ID])
                env = bot_env(
                    fake.base_url,
                    Path(tmp) / "bot.db",
                    rate_limit,
                    DEFAULT_TOKEN,
                    STAFF_CHAT_ID=str(STAFF_CHAT),
                    ADMIN_IDS=str(STAFF_ID),
                )
                if bot_source is not None:  # another checkout's bot (before/after tables)
                    env["PYTHONPATH"] = str(bot_source)
                child = ChildProcess(label, bot_command(), env, Path(tmp))
            else:
                concurrency = ECHO_OLD_CONCURRENCY if kind == "echo-256" else 1
                args = echo_command(
                    fake.base_url, DEFAULT_TOKEN, rate_limit, concurrency=concurrency
                )
                child = ChildProcess(label, args, None, Path(tmp))
            child.start()
            with MemorySampler(child.pid) as memory:
                child.wait_polling(control, startup_timeout)
                cpu_before = cpu_seconds(child.pid)
                user_ids = range(FIRST_USER_ID, FIRST_USER_ID + messages)
                t0 = time.time()
                control.inject_texts(user_ids, texts)
                timeline: list[tuple[float, int]] = [(t0, 0)]
                progress = time.monotonic()  # last time a reply arrived
                deadline = progress + timeout
                while True:
                    stats: dict[str, Any] = control.stats()
                    now = time.time()
                    timeline.append((now, stats["sent_total"]))
                    if answered_chats(stats) >= messages:
                        break
                    child.ensure_alive()
                    if stats["sent_total"] > timeline[-2][1] or stats["pending_updates"]:
                        progress = time.monotonic()
                    if time.monotonic() > min(deadline, progress + STALL):
                        raise BenchmarkError(
                            f"{answered_chats(stats)}/{messages} chats answered, "
                            f"{stats['pending_updates']} updates not fetched, "
                            f"no new reply for {time.monotonic() - progress:.0f} s "
                            f"(timeout {timeout:g} s, stall limit {STALL:g} s)"
                        )
                    time.sleep(POLL_EVERY)
                # The fake's clock (same machine) marks the last send to the millisecond
                # (when the only sends are the answers; cards make it approximate).
                exact = stats["sent_total"] == messages and stats["last_send"] is not None
                end = stats["last_send"] if exact else now
                run.elapsed = end - t0
                run.cpu_seconds = cpu_seconds(child.pid) - cpu_before
                run.peak_mb = memory.peak_mb
            time.sleep(SETTLE)
            record_replies(run, control.stats())
            run.busiest_second = busiest_second(timeline)
            run.steady_rate = steady_rate(timeline, t0, end, messages)
    except BenchmarkError as err:
        run.error = str(err)
        if fake is not None and child is not None:  # what did get through
            with contextlib.suppress(OSError):
                record_replies(run, fake.control.stats())
    except (OSError, ValueError, KeyError, psutil.Error) as err:  # the fake's control API, files
        run.error = f"{type(err).__name__}: {err}"
    finally:
        if child is not None:
            run.exit_code = child.stop()
            run.problems = child.problems()
            child.close()
        if fake is not None:
            fake.stop()
    return run


def answered_chats(stats: dict[str, Any]) -> int:
    """Residents' chats that got an answer (the staff group's cards are not answers)."""
    return sum(1 for chat in stats["sent_per_chat"] if int(chat) > 0)


def record_replies(run: Run, stats: dict[str, Any]) -> None:
    run.answered = answered_chats(stats)
    residents = {c: n for c, n in stats["sent_per_chat"].items() if int(c) > 0}
    run.sent = sum(residents.values())
    run.cards = stats["sent_per_chat"].get(str(STAFF_CHAT), 0)
    run.multi_reply_chats = sum(1 for n in residents.values() if n > 1)
    run.failed_calls = {k: v for k, v in stats["statuses"].items() if k != "200"}


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(runs: list[Run]) -> None:
    header = (
        f"{'run':<32} {'msgs':>5} {'answered':>8} {'time s':>7} {'msg/s':>7} {'steady':>7} "
        f"{'max/1s':>6} {'CPU ms/msg':>10} {'peak RSS':>9} {'non-200':>7} {'>1 reply':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        failed = sum(r.failed_calls.values())
        peak = f"{r.peak_mb:.0f} MB" if r.peak_mb is not None else "-"
        cpu = r.cpu_seconds * 1000 / r.messages if r.cpu_seconds is not None else None
        print(
            f"{r.label:<32} {r.messages:>5} {r.answered:>8} {fmt(r.elapsed, '.2f'):>7} "
            f"{fmt(r.rate, '.1f'):>7} {fmt(r.steady_rate, '.1f'):>7} "
            f"{fmt(r.busiest_second, 'd'):>6} {fmt(cpu, '.2f'):>10} {peak:>9} {failed:>7} "
            f"{r.multi_reply_chats:>8}"
        )


def median_rate(runs: list[Run]) -> float | None:
    rates = [r.rate for r in runs if r.rate is not None and r.error is None]
    return statistics.median(rates) if rates else None


def median_cpu(runs: list[Run]) -> str:
    """Median CPU ms per question, as text ("-" with no finished run)."""
    values = [r.cpu_seconds * 1000 / r.messages for r in runs if r.cpu_seconds and not r.error]
    return f"{statistics.median(values):.2f}" if values else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="questions, unlimited runs")
    parser.add_argument(
        "--limited-messages", type=int, default=300, help="questions, rate-limited runs"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="unlimited runs of each bot (median)"
    )
    parser.add_argument("--skip-limited", action="store_true", help="only the unlimited runs")
    parser.add_argument(
        "--bot-source", type=Path, default=None, help="run the bot from another checkout"
    )
    parser.add_argument(
        "--compare-source",
        type=Path,
        default=None,
        help="also run the bot from another checkout (the code before a change) in every "
        "round, interleaved, and print its ratio and CPU beside this one's",
    )
    parser.add_argument("--timeout", type=float, default=300, help="s to wait for the replies")
    parser.add_argument("--startup-timeout", type=float, default=60, help="s to start polling")
    parser.add_argument(
        "--fake-limit",
        type=float,
        default=None,
        help="make the fake answer 429 above this many sends/s in the limited runs",
    )
    args = parser.parse_args()
    if args.messages < 1 or args.limited_messages < 1 or args.repeats < 1:
        parser.error("counts must be at least 1")

    exit_on_sigterm()
    texts = distinct_questions(max(args.messages, args.limited_messages))
    runs: list[Run] = []

    def go(
        label: str,
        kind: str,
        messages: int,
        rate: float,
        limit: float | None = None,
        source: Path | None = None,
    ) -> Run:
        print(f"... {label}: {messages} questions", flush=True)
        if source is None and kind == "bot" and args.bot_source:
            source = args.bot_source
        run = measure(
            label,
            kind,
            messages,
            rate,
            texts,
            args.timeout,
            args.startup_timeout,
            limit,
            source.resolve() if source else None,
        )
        if run.error:
            print(f"    FAILED: {run.error}", flush=True)
        else:
            print(f"    {run.rate:.1f} answered/s in {run.elapsed:.2f} s", flush=True)
        runs.append(run)
        return run

    bot_runs: list[Run] = []
    echo_runs: list[Run] = []
    old_runs: list[Run] = []
    compared_runs: list[Run] = []
    for i in range(args.repeats):
        kinds: list[tuple[str, str, list[Run], Path | None]] = [
            ("ukm-bot, SEND_RATE_LIMIT=0", "bot", bot_runs, None),
            ("echo bot, PTB defaults", "echo", echo_runs, None),
            (f"echo bot, {ECHO_OLD_CONCURRENCY} at once", "echo-256", old_runs, None),
        ]
        if args.compare_source:
            label = f"ukm-bot from {args.compare_source.name}"
            kinds.append((label, "bot", compared_runs, args.compare_source))
        for label, kind, bucket, source in kinds if i % 2 == 0 else reversed(kinds):
            bucket.append(go(label, kind, args.messages, 0, source=source))
    limited: list[Run] = []
    if not args.skip_limited:
        n, limit = args.limited_messages, args.fake_limit
        limited.append(go("ukm-bot, SEND_RATE_LIMIT=30", "bot", n, LIMIT, limit))
        limited.append(go("echo bot, AIORateLimiter(30/s)", "echo", n, LIMIT, limit))

    print()
    print_table(runs)
    print(
        "\nmsg/s: questions / (first injection -> last chat answered); steady: after the "
        f"first {STEADY_AFTER:g} s;\nmax/1s: most sends seen in any 1 s window (0.1 s "
        "samples);\nCPU ms/msg: CPU time of the bot process from the injection to the last "
        "reply, per question;\n>1 reply: chats that got more than one message."
    )

    ok = all(r.error is None for r in runs)
    print("\nChecks")
    # The issue's measure: against a bare PTB echo bot with PTB's defaults (one update at a
    # time, default pool). Beside it, for information, the previous baseline.
    bot_rate = median_rate(bot_runs)
    echo_rate = median_rate(echo_runs)
    old_rate = median_rate(old_runs)
    if bot_rate and old_rate:
        print(
            f"  (information) bot / echo bot with {ECHO_OLD_CONCURRENCY} updates at once: "
            f"{bot_rate:.1f} / {old_rate:.1f} = {bot_rate / old_rate:.2f}"
        )
    if bot_rate and echo_rate:
        ratio = bot_rate / echo_rate
        passed = ratio >= RATE_TARGET
        ok &= passed
        print(
            f"  throughput ratio bot / echo bot with PTB's defaults (one update at a time, "
            f"default pool): {bot_rate:.1f} / {echo_rate:.1f} = {ratio:.2f} "
            f"(target >= {RATE_TARGET}) {'PASS' if passed else 'FAIL'}"
        )
    compared_rate = median_rate(compared_runs)
    if compared_rate and echo_rate and bot_rate:
        print(
            f"  (information) the bot from {args.compare_source}: {compared_rate:.1f} / "
            f"{echo_rate:.1f} = {compared_rate / echo_rate:.2f} of the echo bot; CPU ms per "
            f"answer {median_cpu(compared_runs)} against this bot's {median_cpu(bot_runs)} "
            f"and the echo bot's {median_cpu(echo_runs)} (medians, same rounds)"
        )
    cards = [r.cards for r in bot_runs if r.error is None]
    if cards:
        print(f"  inbox cards posted to the staff group by the end of a bot run: {cards}")
    peaks = [r.peak_mb for r in bot_runs if r.peak_mb is not None and r.error is None]
    if peaks:
        passed = max(peaks) < MEMORY_TARGET_MB
        ok &= passed
        print(
            f"  bot peak RSS ({args.messages} questions): {max(peaks):.1f} MB "
            f"(target < {MEMORY_TARGET_MB:g} MB) {'PASS' if passed else 'FAIL'}"
        )
    for r in limited:
        if r.rate is None:
            continue
        # The steady rate is what the limit promises; the limiter's bucket starts full, so
        # the first second may carry up to twice the limit (shown, not failed).
        judged = r.steady_rate if r.steady_rate is not None else r.rate
        passed = judged <= LIMIT * LIMIT_TOLERANCE
        ok &= passed
        steady = f"steady {r.steady_rate:.1f}, " if r.steady_rate is not None else ""
        print(
            f"  {r.label}: {steady}overall {r.rate:.1f} msg/s, busiest 1 s window "
            f"{r.busiest_second} (target about {LIMIT:g}/s or less) "
            f"{'PASS' if passed else 'FAIL'}"
        )
    for r in runs:
        issues = []
        if r.answered < r.messages and r.error is None:
            issues.append(f"only {r.answered}/{r.messages} chats answered")
        if r.sent > r.answered:
            issues.append(f"{r.sent - r.answered} extra replies")
        if r.failed_calls:
            issues.append(f"non-200 answers from the fake: {r.failed_calls}")
        if r.exit_code not in (0, None):
            issues.append(f"exit code {r.exit_code} after SIGTERM")
        if r.problems:
            issues.append(f"{len(r.problems)} warning/error lines in its output")
        if issues:
            print(f"  {r.label}: " + "; ".join(issues))
            for line in r.problems[:5]:
                print(f"      | {line[:200]}")
    print(f"\n{'all checks passed' if ok else 'SOME CHECKS FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
