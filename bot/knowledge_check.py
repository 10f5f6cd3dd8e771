"""`ukm-bot kb check`: how well the knowledge files work together, beyond validity."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.answering import Answerer, KnowledgeBase
from bot.knowledge import (
    KnowledgeInvalid,
    Problem,
    load_knowledge,
    with_learned,
)


def check_knowledge(
    directory: Path, learned: Mapping[str, Iterable[str]] | None = None
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Validate the files, then test that every phrasing finds its own entry."""
    try:
        kb = load_knowledge(directory)
    except KnowledgeInvalid as err:
        return None, err.problems
    if learned:
        kb = with_learned(kb, learned)
    problems: list[Problem] = []
    answerer = Answerer(kb)
    index = answerer.index
    files = {e.id: f"entries/{e.topic}.toml" for e in kb.entries}
    signatures: dict[frozenset[str], str] = {}
    for entry in kb.entries:
        for variant in entry.variants():
            tokens = frozenset(index.normalizer.tokens(variant))
            if not tokens:
                problems.append(
                    Problem(
                        files[entry.id],
                        f"'{variant}' has no words the bot can match on",
                        entry.id,
                        "questions",
                    )
                )
                continue
            other = signatures.get(tokens)
            if other is not None and other != entry.id:
                problems.append(
                    Problem(
                        files[entry.id],
                        f"'{variant}' matches entry '{other}' "
                        "exactly as well as its own; reword it",
                        entry.id,
                        "questions",
                    )
                )
            signatures.setdefault(tokens, entry.id)
            ranked = index.rank(answerer.normalizer.normalize(variant), limit=2)
            if ranked and ranked[0].entry.id != entry.id:
                problems.append(
                    Problem(
                        files[entry.id],
                        f"'{variant}' matches entry '{ranked[0].entry.id}' better than its own",
                        entry.id,
                        "questions",
                    )
                )
    for entry in kb.entries:
        if not entry.gap and answerer.coverage.counts_unknown(entry):
            problems.append(
                Problem(
                    files[entry.id],
                    "the answer gives a figure but nothing says what it counts: add "
                    "`counts = [...]` to the entry (or the fact's line to [counts] in "
                    "facts.toml), or any count question can be answered with it",
                    entry.id,
                    "counts",
                    "warning",
                )
            )
    problems.extend(literal_facts(directory, kb))
    return kb, problems


# A figure written out in an answer, possibly with a word that multiplies it ("15 ribu").
_LITERAL = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+|\d+)(?:\s*(ribu|rb|thousand|juta|million))?(?![\w])",
    re.IGNORECASE,
)
_TEMPLATE_CODE = re.compile(r"{{.*?}}|{%.*?%}", re.DOTALL)
_MULTIPLIERS = {"ribu": 1000, "rb": 1000, "thousand": 1000, "juta": 10**6, "million": 10**6}
_YEAR = range(1900, 2100)


def literal_facts(directory: Path, kb: KnowledgeBase) -> list[Problem]:
    """Warn about a number written by hand in an answer that repeats a fact's value
    ("(15 ribu)" next to {{ fact.sme_actors }}): changing the fact would leave it stale."""
    values: dict[int, str] = {
        v: name for name, v in kb.facts.items() if isinstance(v, int) and not isinstance(v, bool)
    }
    problems: list[Problem] = []
    for path in sorted((directory / "entries").glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        for item in doc.get("entry", []):
            for lang, template in dict(item.get("answer", {})).items():
                for match in _LITERAL.finditer(_TEMPLATE_CODE.sub(" ", str(template))):
                    number = int(re.sub(r"[.,]", "", match.group(1)))
                    unit = (match.group(2) or "").casefold()
                    if not unit and number in _YEAR:
                        continue  # "2009-2010": a period, not a figure
                    value = number * _MULTIPLIERS.get(unit, 1)
                    if value in values:
                        fact = values[value]
                        problems.append(
                            Problem(
                                f"entries/{path.name}",
                                f"'{match.group(0)}' repeats fact '{fact}' by hand; write "
                                f"{{{{ fact.{fact} | number }}}} (or | thousands) so it "
                                "follows a change in facts.toml",
                                str(item.get("id")),
                                f"answer.{lang}",
                                "warning",
                            )
                        )
    return problems
