"""`ukm-bot kb check` and `kb build`: the one validation of the knowledge files, with
what staff taught the bot and figures typed by hand."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from bot.answering import KnowledgeBase
from bot.knowledge import (
    KnowledgeInvalid,
    Problem,
    answering_problems,
    read_knowledge,
    with_learned,
)


def check_knowledge(
    directory: Path, learned: Mapping[str, Iterable[str]] | None = None
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """The files validated exactly as the bot builds them (knowledge.read_knowledge:
    its errors refuse a build everywhere), errors first; then, as warnings, phrasings
    that stop finding their entry once the phrasings staff taught (`learned`) are added,
    and figures an answer repeats by hand. The knowledge base is None when the files
    have errors."""
    try:
        kb, problems, files = read_knowledge(directory)
    except KnowledgeInvalid as err:
        return None, _errors_first(err.problems)
    problems = list(problems)
    if learned:
        # A phrasing staff taught lives in the database, not in the files: it cannot
        # stop a build of the files, but the editor should know what it collides with.
        taught = with_learned(kb, learned)
        for problem in answering_problems(taught, files):
            if problem not in problems:
                message = f"{problem.message} (with the phrasings staff taught)"
                problems.append(replace(problem, message=message, severity="warning"))
    problems.extend(literal_facts(directory, kb))
    return kb, _errors_first(problems)


def _errors_first(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.severity != "error")


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
                                f"{directory.name}/entries/{path.name}",
                                f"'{match.group(0)}' repeats fact '{fact}' by hand; write "
                                f"{{{{ fact.{fact} | number }}}} (or | thousands) so it "
                                "follows a change in facts.toml",
                                str(item.get("id")),
                                f"answer.{lang}",
                                "warning",
                            )
                        )
    return problems
