"""The answering core: normalise, match and decide, with no I/O and no Telegram."""

from bot.answering.context import Conversation, Conversations
from bot.answering.decide import (
    MAX_PARTS,
    Answerer,
    Decision,
    Response,
    Status,
    Thresholds,
    decide,
)
from bot.answering.match import Index, Match, Scoring
from bot.answering.model import LANGS, Entry, KnowledgeBase, Lang, Lexicon, Source, Topic
from bot.answering.narrow import Narrowing
from bot.answering.normalize import Normalizer, Query
from bot.answering.respond import Responder

__all__ = [
    "LANGS",
    "MAX_PARTS",
    "Answerer",
    "Conversation",
    "Conversations",
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
    "Responder",
    "Response",
    "Scoring",
    "Source",
    "Status",
    "Thresholds",
    "Topic",
    "decide",
]
