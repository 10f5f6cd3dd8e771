"""Speed of the answering core: normalise + match + decide + render, in one process.

    python benchmarks/answering_speed.py [--entries 200,10000,100000] [--baseline REV]

Prints, on this machine and in this run (wall-clock time, and beside it this process's
CPU time, which other jobs on a shared machine disturb far less):
  * questions per second on the shipped knowledge base (target: at least 2,000), over
    the short-question sets (tests/data/dev.jsonl and eval_*.jsonl), after one warm-up
    pass;
  * the median time for a long message (about 1,500 characters: a story and three
    questions, built from distinct sentences of the shipped question sets; target: under
    5 ms), against the same message read as one question (the reader before messages
    were split) as a baseline;
  * for a synthetic knowledge base of each --entries size (default 10,000), generated
    here from random words with ten phrasings each and queried with perturbed phrasings
    (a word dropped, two letters swapped): the time and peak memory of building the
    index (target at 100,000 entries: under 60 s and 1 GB) and the median and
    95th-percentile time per question (target: median under 10 ms). Each size is built
    in a fresh process, so its memory is its own;
  * same-run baselines: rapidfuzz's plain `process.extractOne` (WRatio) over the same
    phrasings, so a slow machine shows up as a slow baseline rather than a failure; and
    with --baseline REV (a git revision, e.g. main), every figure again for the code and
    knowledge of REV, interleaved with this code's, size by size.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import statistics
import string
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# A child process measures the code of --code (another revision's, unpacked by the
# parent); it must be first on the path before `bot` is imported.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))

from rapidfuzz import fuzz, process  # noqa: E402

from bot.answering import Entry, KnowledgeBase  # noqa: E402
from bot.assistant import Assistant  # noqa: E402
from bot.knowledge import default_knowledge_dir, load_knowledge  # noqa: E402


def shipped_questions() -> list[str]:
    questions = []
    # The short-question sets (the long-message and conversation sets are measured apart).
    for path in [DATA / "dev.jsonl", *sorted(DATA.glob("eval_*.jsonl"))]:
        questions += [json.loads(line)["q"] for line in path.read_text().splitlines() if line]
    return questions


def questions_per_second(
    assistant: Assistant, questions: list[str], seconds: float
) -> tuple[float, float]:
    """Questions per second of wall-clock time and of this process's CPU time: on a
    machine other jobs share, the CPU figure is the one two runs can be compared by."""
    for q in questions:
        assistant.ask(q)
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for q in questions:
            assistant.ask(q)
        done += len(questions)
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu)


STORY = [
    "Saya ibu rumah tangga di Pamulang dan baru mulai jualan kue kering dari rumah.",
    "Anak-anak sudah sekolah, jadi dari pagi sampai siang saya punya waktu luang.",
    "Tetangga saya bilang ada kelompok usaha yang sering dibahas di grup WA warga.",
    "Saya juga sedang menyusun catatan untuk rapat PKK di RW kami minggu depan.",
    "Suami saya kerja di Jakarta dan biasanya baru pulang malam hari.",
    "Kami sempat membaca beberapa kliping berita lama tentang usaha kecil di kota ini.",
    "Bu RT meminta saya mengumpulkan informasi yang bisa dipercaya, bukan kabar burung.",
    "Saya mencatat semuanya di buku tulis supaya tidak lupa waktu rapat nanti.",
]


def long_messages(questions: list[str], rng: random.Random, n: int) -> list[str]:
    """Messages of about 1,500 characters: story sentences, then three questions."""
    asking = [q for q in questions if q.rstrip().endswith("?") and len(q) < 120]
    messages = []
    for _ in range(n):
        story: list[str] = []
        while sum(len(s) + 1 for s in story) < 1250:
            story.append(rng.choice(STORY))
        message = " ".join([*story, *rng.sample(asking, 3)])
        messages.append(message)
    return messages


def median_ms(run: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds per text."""
    for t in texts[:10]:
        run(t)
    times, cpu_times = [], []
    for t in texts:
        start, cpu = time.perf_counter(), time.process_time()
        run(t)
        cpu_times.append((time.process_time() - cpu) * 1000)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.median(cpu_times)


def synthetic_kb(base: KnowledgeBase, n: int, rng: random.Random) -> KnowledgeBase:
    vocabulary = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9)))
        for _ in range(max(2000, n * 2))
    ]
    common = ["apa", "berapa", "siapa", "di mana", "bagaimana", "ukm", "tangsel", "pelatihan"]
    entries = []
    for i in range(n):
        topic_words = rng.sample(vocabulary, 4)

        def phrase(topic_words: list[str] = topic_words) -> str:
            words = rng.sample(topic_words, rng.randint(2, 4)) + rng.sample(common, 2)
            rng.shuffle(words)
            return " ".join(words)

        entries.append(
            Entry(
                id=f"syn-{i}",
                topic="data",
                questions={
                    "id": tuple(phrase() for _ in range(8)),
                    "en": tuple(phrase() for _ in range(2)),
                },
                answer={"id": f"Jawaban {i}.", "en": f"Answer {i}."},
                keywords=(topic_words[0],),
            )
        )
    return KnowledgeBase(tuple(entries), base.topics, base.lexicon, base.source, base.facts)


def perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) > 2 and rng.random() < 0.5:
        words.pop(rng.randrange(len(words)))
    i = rng.randrange(len(words))
    if len(words[i]) > 5:  # one typo
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure_shipped(seconds: float) -> dict[str, float]:
    kb = load_knowledge(default_knowledge_dir())
    assistant = Assistant(kb)
    questions = shipped_questions()
    qps, cpu_qps = questions_per_second(assistant, questions, seconds)
    variants = [v for e in kb.entries for v in e.variants()]
    start = time.perf_counter()
    for q in questions:
        process.extractOne(q, variants, scorer=fuzz.WRatio)
    wratio = len(questions) / (time.perf_counter() - start)
    messages = long_messages(questions, random.Random(7), 300)
    message_ms, message_cpu_ms = median_ms(assistant.ask, messages)
    whole_ms, whole_cpu_ms = median_ms(assistant.answerer.decide, messages)
    return {
        "entries": len(kb.entries),
        "phrasings": len(variants),
        "qps": qps,
        "cpu_qps": cpu_qps,
        "wratio_qps": wratio,
        "message_chars": statistics.mean(len(m) for m in messages),
        "message_ms": message_ms,
        "message_cpu_ms": message_cpu_ms,
        "whole_ms": whole_ms,
        "whole_cpu_ms": whole_cpu_ms,
    }


def measure_synthetic(entries: int, queries: int, wratio: bool) -> dict[str, float]:
    rng = random.Random(7)
    big = synthetic_kb(load_knowledge(default_knowledge_dir()), entries, rng)
    before = peak_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    assistant = Assistant(big)
    built, built_cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = peak_mb()
    all_variants = [v for e in big.entries for v in e.variants()]
    asked = [perturb(rng.choice(all_variants), rng) for _ in range(queries)]
    for q in asked[:20]:
        assistant.ask(q)
    times, cpu_times = [], []
    for q in asked:
        start, cpu = time.perf_counter(), time.process_time()
        assistant.ask(q)
        cpu_times.append((time.process_time() - cpu) * 1000)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    figures = {
        "phrasings": len(all_variants),
        "build_s": built,
        "build_cpu_s": built_cpu,
        "peak_mb": after,
        "before_mb": before,
        "median_ms": statistics.median(times),
        "cpu_median_ms": statistics.median(cpu_times),
        "p95_ms": times[int(len(times) * 0.95)],
    }
    if wratio:
        base_times = []
        for q in asked[:50]:
            start = time.perf_counter()
            process.extractOne(q, all_variants, scorer=fuzz.WRatio)
            base_times.append((time.perf_counter() - start) * 1000)
            if sum(base_times) > 5000:
                break  # a million phrasings: enough for a median
        figures["wratio_ms"] = statistics.median(base_times)
    return figures


def in_child(code: Path, *args: str) -> dict[str, float]:
    """Run one measurement in a fresh process with the code in `code`."""
    command = [sys.executable, __file__, "--code", str(code), *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, float] = json.loads(out.splitlines()[-1])
    return figures


def unpack(revision: str, into: Path) -> str:
    """The bot and its knowledge at `revision`, unpacked into `into`; its short name."""
    short = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", revision],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "bot", "knowledge"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return f"{revision} ({short})" if short != revision else revision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", default="10000", help="sizes, comma-separated")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--baseline", metavar="REV", help="also measure this git revision")
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "shipped":
        print(json.dumps(measure_shipped(args.seconds)))
        return
    if args.child is not None:
        wratio = args.code is None or args.code == ROOT
        print(json.dumps(measure_synthetic(int(args.child), args.queries, wratio)))
        return

    sizes = [int(n) for n in args.entries.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        codes = [("this code", ROOT)]
        if args.baseline:
            codes.append((unpack(args.baseline, Path(tmp)), Path(tmp)))
        shipped = {
            name: in_child(code, "--child", "shipped", "--seconds", str(args.seconds))
            for name, code in codes
        }
        synthetic = {
            (n, name): in_child(code, "--child", str(n), "--queries", str(args.queries))
            for n in sizes
            for name, code in codes
        }
    report(codes, shipped, sizes, synthetic)


def report(
    codes: list[tuple[str, Path]],
    shipped: dict[str, dict[str, float]],
    sizes: list[int],
    synthetic: dict[tuple[int, str], dict[str, float]],
) -> None:
    this = shipped["this code"]
    print(
        f"shipped knowledge base: {this['entries']:.0f} entries, {this['phrasings']:.0f} phrasings"
    )
    for name, _ in codes:
        print(
            f"  {name}: normalise+match+decide+render {shipped[name]['qps']:,.0f} questions/s "
            f"(target >= 2,000); {shipped[name]['cpu_qps']:,.0f} per CPU second"
        )
    print(f"  baseline, plain rapidfuzz WRatio extractOne: {this['wratio_qps']:,.0f} questions/s")
    print(
        f"long messages: 300 of ~{this['message_chars']:,.0f} characters, a story and 3 "
        "questions, each decided with context, rendered (target: median < 5 ms)"
    )
    for name, _ in codes:
        print(
            f"  {name}: median {shipped[name]['message_ms']:.2f} ms; "
            f"CPU {shipped[name]['message_cpu_ms']:.2f} ms"
        )
    print(
        f"  baseline, the same message read as one question: median {this['whole_ms']:.2f} ms; "
        f"CPU {this['whole_cpu_ms']:.2f} ms"
    )
    print(
        "synthetic knowledge bases, ten phrasings an entry (targets at 100,000 entries: "
        "built in < 60 s and < 1 GB; median < 10 ms a question)"
    )
    print(
        f"  {'entries':>8}  {'code':<22} {'build s':>8} {'(cpu)':>7} {'peak MB':>8} "
        f"{'(before)':>8} {'median ms':>9} {'(cpu)':>6} {'p95 ms':>7}"
    )
    for n in sizes:
        for name, _ in codes:
            f = synthetic[(n, name)]
            print(
                f"  {n:>8,}  {name:<22} {f['build_s']:>8.1f} {f['build_cpu_s']:>7.1f} "
                f"{f['peak_mb']:>8,.0f} {f['before_mb']:>8,.0f} {f['median_ms']:>9.2f} "
                f"{f['cpu_median_ms']:>6.2f} {f['p95_ms']:>7.2f}"
            )
        wratio = synthetic[(n, "this code")].get("wratio_ms")
        if wratio is not None:
            print(
                f"  {'':>8}  baseline, plain rapidfuzz WRatio extractOne: median {wratio:.1f} ms"
            )


if __name__ == "__main__":
    main()
