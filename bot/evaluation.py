"""Grade the bot on a question set with the rule of shared/eval/README.md.

A set is JSON Lines of questions, or of conversations (`{"id", "lang", "turns": [{"q",
"expect"}, ...]}`): each conversation's turns are asked in order in one fresh chat
session and each turn is graded on its own with the same rule, also per turn position.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

BUNDLED_FACTS = Path(__file__).with_name("eval_facts.json")


class EvalFileError(Exception):
    """An evaluation or facts file cannot be read; the message names file and line."""


@dataclass(frozen=True, slots=True)
class EvalItem:
    id: str
    q: str
    style: str
    expect: tuple[str, ...]
    lang: str = "id"
    conversation: str | None = None  # the conversation this turn belongs to
    turn: int = 0  # its position there, from 1 (0: a question on its own)


@dataclass(frozen=True, slots=True)
class Graded:
    item: EvalItem
    status: str
    answer: str
    entry_id: str | None
    ok: bool
    confident_wrong: bool


@dataclass
class EvalReport:
    n: int
    accuracy: float
    inscope_acc: float
    oos_reject: float
    greeting_ok: float
    confident_wrong: float
    by_style: dict[str, tuple[int, int]] = field(default_factory=dict)  # style -> (ok, n)
    # turn position -> (ok, n, confident wrong), for conversation sets
    by_turn: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    failures: list[Graded] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        return {
            "accuracy": round(self.accuracy, 3),
            "inscope_acc": round(self.inscope_acc, 3),
            "oos_reject": round(self.oos_reject, 3),
            "greeting_ok": round(self.greeting_ok, 3),
            "confident_wrong": round(self.confident_wrong, 3),
        }


def load_items(path: Path) -> list[EvalItem]:
    items: list[EvalItem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise EvalFileError(f"{path}: cannot read ({err.strerror})") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if "turns" in raw:
                items.extend(_turns(raw))
                continue
            items.append(
                EvalItem(
                    str(raw["id"]),
                    str(raw["q"]),
                    str(raw.get("style", "")),
                    tuple(raw.get("expect", [])),
                    str(raw.get("lang", "id")),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise EvalFileError(
                f"{path}, line {number}: expected a JSON object with 'id', 'q' and 'expect', "
                f"or 'id' and 'turns' ({err})"
            ) from err
    return items


def _turns(raw: dict[str, Any]) -> list[EvalItem]:
    conversation = str(raw["id"])
    return [
        EvalItem(
            f"{conversation}-{n}",
            str(turn["q"]),
            str(turn.get("style", raw.get("style", "conversation"))),
            tuple(turn.get("expect", [])),
            str(raw.get("lang", "id")),
            conversation,
            n,
        )
        for n, turn in enumerate(raw["turns"], 1)
    ]


def load_fact_patterns(path: Path) -> dict[str, list[re.Pattern[str]]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise EvalFileError(f"{path}: not a readable facts file ({err})") from err
    patterns: dict[str, list[re.Pattern[str]]] = {}
    for fact, spec in raw.items():
        patterns[fact] = [
            re.compile(p["regex"], re.IGNORECASE if p.get("ignore_case") else 0)
            for p in spec["patterns"]
        ]
    return patterns


def facts_for(eval_file: Path) -> Path:
    """facts.json beside the evaluation file, else the copy shipped with the bot."""
    beside = eval_file.with_name("facts.json")
    return beside if beside.is_file() else BUNDLED_FACTS


def grade(
    items: Sequence[EvalItem],
    results: Sequence[tuple[str, str, str | None]],
    patterns: dict[str, list[re.Pattern[str]]],
) -> EvalReport:
    """`results` holds (status, plain answer text, entry id) per item, in order."""
    totals: Counter[str] = Counter()
    styles: dict[str, Counter[str]] = defaultdict(Counter)
    turns: dict[int, Counter[str]] = defaultdict(Counter)
    graded: list[Graded] = []
    for item, (status, answer, entry_id) in zip(items, results, strict=True):
        if item.expect:
            kind = "inscope"
            unknown = [f for f in item.expect if f not in patterns]
            if unknown:
                raise EvalFileError(f"question {item.id}: unknown fact id(s) {unknown}")
            ok = status == "answer" and all(
                any(p.search(answer) for p in patterns[f]) for f in item.expect
            )
            wrong = status == "answer" and not ok
        else:
            kind = "greeting" if item.style == "greeting" else "oos"
            ok = status != "answer"
            wrong = not ok
        totals[kind] += 1
        totals[kind + "_ok"] += ok
        totals["wrong"] += wrong
        styles[item.style]["n"] += 1
        styles[item.style]["ok"] += ok
        if item.turn:
            turns[item.turn]["n"] += 1
            turns[item.turn]["ok"] += ok
            turns[item.turn]["wrong"] += wrong
        graded.append(Graded(item, status, answer, entry_id, ok, wrong))
    n = max(1, len(items))
    return EvalReport(
        n=len(items),
        accuracy=(totals["inscope_ok"] + totals["oos_ok"] + totals["greeting_ok"]) / n,
        inscope_acc=totals["inscope_ok"] / max(1, totals["inscope"]),
        oos_reject=totals["oos_ok"] / max(1, totals["oos"]),
        greeting_ok=totals["greeting_ok"] / max(1, totals["greeting"]),
        confident_wrong=totals["wrong"] / n,
        by_style={s: (c["ok"], c["n"]) for s, c in sorted(styles.items())},
        by_turn={t: (c["ok"], c["n"], c["wrong"]) for t, c in sorted(turns.items())},
        failures=[g for g in graded if not g.ok],
    )


Session = TypeVar("Session")


def evaluate(
    items: Sequence[EvalItem],
    ask: Callable[[str, Session | None], tuple[str, str, str | None]],
    patterns: dict[str, list[re.Pattern[str]]],
    new_session: Callable[[], Session] | None = None,
) -> EvalReport:
    """Ask every item, then grade. Turns of one conversation share one session from
    `new_session` (a fresh one per conversation); other questions are asked alone."""
    results = []
    session: Session | None = None
    current: str | None = None
    for item in items:
        if item.conversation is None or new_session is None:
            session, current = None, None
        elif item.conversation != current:
            session, current = new_session(), item.conversation
        results.append(ask(item.q, session))
    return grade(items, results, patterns)
