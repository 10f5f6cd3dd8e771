"""Choose the matcher's weights and thresholds on data, and print the evidence.

    python benchmarks/calibrate.py [--quick]

Selection set: tests/data/dev.jsonl and eval_calibration, eval_check, eval_fresh and
eval_final (questions written independently of the knowledge entries, by different
writers; their failures were studied while improving the lexicon and entries).
Validation set: eval_holdout, eval_unseen and eval_blind, written later by three more
writers. Their failures were studied too (for the lexicon and entries), but they are
never used to choose weights or thresholds here; the README gives each set's first-run
figures, the only unbiased ones. For each weighting of the scorer
(bot.answering.match.Scoring) and each set of thresholds (answer, margin, gap margin) it
grades every question with the rule of shared/eval/README.md, keeps the settings whose
confident-wrong rate stays at or under --max-wrong, and prints the best by accuracy,
validation figures beside them.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering import Answerer, Lang, Match, Query, Scoring, Thresholds, decide  # noqa: E402
from bot.evaluation import (  # noqa: E402
    BUNDLED_FACTS,
    EvalItem,
    grade,
    load_fact_patterns,
    load_items,
)
from bot.knowledge import default_knowledge_dir, load_knowledge  # noqa: E402
from bot.rendering import Renderer  # noqa: E402

DATA = ROOT / "tests" / "data"


# A question normalised once, with its ranking: only the thresholds vary across the grid.
Prepared = list[tuple[Query, list[Match]]]


def prepare(answerer: Answerer, items: list[EvalItem]) -> Prepared:
    prepared: Prepared = []
    for item in items:
        query = answerer.normalizer.normalize(item.q)
        prepared.append((query, answerer.index.rank(query, limit=8)))
    return prepared


def score(
    answerer: Answerer,
    renderer: Renderer,
    items: list[EvalItem],
    prepared: Prepared,
    thresholds: Thresholds,
    patterns: dict[str, list[re.Pattern[str]]],
    cache: dict[tuple[str, Lang], str],
) -> dict[str, float]:
    results = []
    for query, ranked in prepared:
        decision = answerer.narrowed(
            decide(query, answerer, ranked, thresholds), query.text, query
        )
        if decision.status == "answer" and decision.entry is not None:
            key = (decision.entry.id, decision.lang)
            if key not in cache:
                cache[key] = renderer.decision(decision).text
            text = cache[key]
        else:
            text = ""
        results.append((decision.status, text, decision.entry.id if decision.entry else None))
    return grade(items, results, patterns).figures()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-wrong", type=float, default=0.015)
    parser.add_argument("--quick", action="store_true", help="only the current defaults")
    args = parser.parse_args()

    kb = load_knowledge(default_knowledge_dir())
    patterns = load_fact_patterns(BUNDLED_FACTS)
    selection = [
        item
        for name in (
            "eval_calibration.jsonl",
            "dev.jsonl",
            "eval_check.jsonl",
            "eval_fresh.jsonl",
            "eval_final.jsonl",
        )
        for item in load_items(DATA / name)
    ]
    validation = [
        item
        for name in ("eval_holdout.jsonl", "eval_unseen.jsonl", "eval_blind.jsonl")
        for item in load_items(DATA / name)
    ]
    renderer = Renderer(kb)

    base = Scoring()
    grid = [base]
    if not args.quick:
        grid = [
            replace(
                base,
                alpha=a,
                variant_weight=v,
                coverage_weight=c,
                fuzz_weight=f,
                unknown_weight=u,
                gap_concept_penalty=gp,
                gap_unasked_penalty=gu,
                subject_penalty=sp,
            )
            for a, (v, c, f), u, gp, gu, sp in itertools.product(
                (0.5, 0.6),
                ((0.55, 0.30, 0.15), (0.45, 0.40, 0.15)),
                (0.8, 1.0),
                (0.7, 0.85),
                (0.85, 1.0),
                (0.85, 1.0),
            )
        ]
    answer_cuts = [round(0.40 + 0.02 * i, 2) for i in range(11)]
    margins = (0.0, 0.02, 0.04)
    gap_margins = (0.0, 0.03)
    rows = []
    for scoring in grid:
        answerer = Answerer(kb, scoring=scoring)
        sel = prepare(answerer, selection)
        val = prepare(answerer, validation)
        cache: dict[tuple[str, Lang], str] = {}
        for cut, margin, gm in itertools.product(answer_cuts, margins, gap_margins):
            t = replace(Thresholds(), answer=cut, margin=margin, gap_margin=gm)
            s = score(answerer, renderer, selection, sel, t, patterns, cache)
            if s["confident_wrong"] > args.max_wrong:
                continue
            v = score(answerer, renderer, validation, val, t, patterns, cache)
            rows.append((s["accuracy"], v["accuracy"], s, v, scoring, t))
    rows.sort(key=lambda r: (-r[0], -r[2]["inscope_acc"]))
    thresholds = len(answer_cuts) * len(margins) * len(gap_margins)
    print(
        f"{len(grid)} weightings x {thresholds} thresholds; kept {len(rows)} with "
        f"selection confident-wrong <= {args.max_wrong}"
    )
    print(
        "selection: acc wrong | validation: acc in-scope oos wrong | alpha v/c/f ordinary "
        "unknown qword gap unasked subject | answer margin gap-margin"
    )
    for sel_acc, _val_acc, s, v, sc, t in rows[:25]:
        print(
            f"{sel_acc:.3f} {s['confident_wrong']:.3f} | {v['accuracy']:.3f} "
            f"{v['inscope_acc']:.3f} {v['oos_reject']:.3f} {v['confident_wrong']:.3f} | "
            f"{sc.alpha} {sc.variant_weight}/{sc.coverage_weight}/{sc.fuzz_weight} "
            f"{sc.ordinary_weight} {sc.unknown_weight} {sc.question_word_penalty} "
            f"{sc.gap_concept_penalty} {sc.gap_unasked_penalty} {sc.subject_penalty} | "
            f"{t.answer} {t.margin} {t.gap_margin}"
        )
    current = next((r for r in rows if r[4] == base and r[5] == Thresholds()), None)
    if current:
        print(f"\ncurrent defaults: selection {current[2]}  validation {current[3]}")
    else:
        print("\ncurrent defaults exceed the confident-wrong bar on the selection set")


if __name__ == "__main__":
    main()
