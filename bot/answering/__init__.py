"""The answering core: normalise, match and decide, with no I/O and no Telegram."""

from bot.answering.decide import Answerer, Decision, Status, Thresholds, decide
from bot.answering.match import Index, Match, Scoring
from bot.answering.model import LANGS, Entry, KnowledgeBase, Lang, Lexicon, Source, Topic
from bot.answering.narrow import Narrowing
from bot.answering.normalize import Normalizer, Query

__all__ = [
    "LANGS",
    "Answerer",
    "Decision",
    "Entry",
    "Index",
    "KnowledgeBase",
    "Lang",
    "Lexicon",
    "Match",
    "Narrowing",
    "Normalizer",
    "Query",
    "Scoring",
    "Source",
    "Status",
    "Thresholds",
    "Topic",
    "decide",
]
