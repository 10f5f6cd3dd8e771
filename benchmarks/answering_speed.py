"""Speed of the answering core: normalise + match + decide + render, in one process.

    python benchmarks/answering_speed.py [--entries 10000] [--seconds 3]

Prints, on this machine and in this run (wall-clock time, and beside it this process's
CPU time, which other jobs on a shared machine disturb far less):
  * questions per second on the shipped knowledge base (target: at least 2,000), over
    the short-question sets (tests/data/dev.jsonl and eval_*.jsonl), after one warm-up
    pass;
  * the median and 95th-percentile time per question on a synthetic knowledge base of
    --entries entries (target: median under 10 ms), generated here from random words
    with ten phrasings each, queried with perturbed phrasings;
  * the median time for a long message (about 1,500 characters: a story and three
    questions, built from distinct sentences of the shipped question sets; target: under
    5 ms), against the same message read as one question (the reader before messages
    were split) as a baseline;
  * a same-run baseline: rapidfuzz's plain `process.extractOne` (WRatio) over the same
    phrasings, so a slow machine shows up as a slow baseline rather than a failure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(7)

    kb = load_knowledge(default_knowledge_dir())
    assistant = Assistant(kb)
    questions = shipped_questions()
    qps, cpu_qps = questions_per_second(assistant, questions, args.seconds)
    variants = [v for e in kb.entries for v in e.variants()]
    start = time.perf_counter()
    for q in questions:
        process.extractOne(q, variants, scorer=fuzz.WRatio)
    baseline = len(questions) / (time.perf_counter() - start)
    print(f"shipped knowledge base: {len(kb.entries)} entries, {len(variants)} phrasings")
    print(
        f"  normalise+match+decide+render: {qps:,.0f} questions/s (target >= 2,000); "
        f"{cpu_qps:,.0f} per CPU second"
    )
    print(f"  baseline, plain rapidfuzz WRatio extractOne: {baseline:,.0f} questions/s")

    messages = long_messages(questions, rng, 300)
    size = statistics.mean(len(m) for m in messages)
    whole, whole_cpu = median_ms(assistant.answerer.decide, messages)
    parts, parts_cpu = median_ms(assistant.ask, messages)
    print(f"long messages: {len(messages)} of ~{size:,.0f} characters, a story and 3 questions")
    print(
        f"  found, each decided with context, rendered: median {parts:.2f} ms (target < 5 ms); "
        f"CPU {parts_cpu:.2f} ms"
    )
    print(
        f"  baseline, the same message read as one question: median {whole:.2f} ms; "
        f"CPU {whole_cpu:.2f} ms"
    )

    t0 = time.perf_counter()
    big = synthetic_kb(kb, args.entries, rng)
    big_assistant = Assistant(big)
    built = time.perf_counter() - t0
    all_variants = [v for e in big.entries for v in e.variants()]
    queries = [perturb(rng.choice(all_variants), rng) for _ in range(args.queries)]
    for q in queries[:20]:
        big_assistant.ask(q)
    times = []
    for q in queries:
        start = time.perf_counter()
        big_assistant.ask(q)
        times.append((time.perf_counter() - start) * 1000)
    base_times = []
    for q in queries[:50]:
        start = time.perf_counter()
        process.extractOne(q, all_variants, scorer=fuzz.WRatio)
        base_times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(
        f"synthetic knowledge base: {len(big.entries):,} entries, {len(all_variants):,} "
        f"phrasings (built in {built:.1f} s)"
    )
    print(
        f"  per question: median {statistics.median(times):.2f} ms, p95 "
        f"{times[int(len(times) * 0.95)]:.2f} ms (target: median < 10 ms)"
    )
    print(
        f"  baseline, plain rapidfuzz WRatio extractOne: median "
        f"{statistics.median(base_times):.2f} ms"
    )


if __name__ == "__main__":
    main()
