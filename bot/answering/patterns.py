"""The patterns narrow.py reads questions with: where the asker lives, whether a time is
asked ("kapan", "bulan apa", not "per bulan"), a rank ("ke berapa"), any of a list of
phrases. Built once per lexicon, from its words."""

from __future__ import annotations

import re

from bot.answering.model import Lexicon


def residence_pattern(lexicon: Lexicon) -> re.Pattern[str] | None:
    """The residence phrase and the up to three words after it, up to a comma or stop."""
    if not lexicon.residence:
        return None
    phrases = sorted(lexicon.residence, key=len, reverse=True)
    marker = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf"\b(?:{marker})\b(?:\s+[^\W_]+(?:-[^\W_]+)?){{1,3}}", re.IGNORECASE)


def when_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """Any surface of "kapan" but the English "when", which asks only where a clause
    begins ("When was it published?", "…, and when?")."""
    surfaces = {" ".join(k) for k, v in lexicon.question_words.items() if v == "kapan"}
    surfaces |= {k for k, v in lexicon.abbreviations.items() if v == ("kapan",)}
    anywhere = sorted((s for s in surfaces if s != "when"), key=len, reverse=True)
    joined = "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in anywhere)
    return re.compile(rf"\b(?:{joined})\b|(?:^|[,;:.!?(]|\band|\bor|\bbut)\s*when\b")


def time_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """A unit of time followed by "apa"/"berapa" in any spelling, or after what/which."""
    asking = {"apa", "berapa"}
    words = {k[0] for k, v in lexicon.question_words.items() if v in asking and len(k) == 1}
    words |= {k for k, v in lexicon.abbreviations.items() if len(v) == 1 and v[0] in asking}
    words -= {"what", "which", "mana"}
    units = "|".join(sorted(map(re.escape, lexicon.time_units), key=len, reverse=True))
    asked = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(
        rf"(?P<pre>\b[^\W\d_]+\s+)?\b(?:{units})\s+(?:{asked})\b|\b(?:what|which)\s+(?:{units})\b"
    )


def rank_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """ "ke berapa", "ke-brp", "keberapa": a rank asked ("MTQ ke berapa?")."""
    words = {k[0] for k, v in lexicon.question_words.items() if v == "berapa" and len(k) == 1}
    words |= {k for k, v in lexicon.abbreviations.items() if v == ("berapa",)}
    asked = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"\bke[- ]?(?:{asked})\b|\bwhich edition\b")


def phrase_pattern(phrases: frozenset[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    joined = "|".join(
        re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(rf"\b(?:{joined})\b")
