"""The answering core and its renderer together: what a question gets, as HTML or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.answering import Answerer, Decision, KnowledgeBase
from bot.rendering import Renderer, Reply


@dataclass(frozen=True, slots=True)
class Answer:
    decision: Decision
    reply: Reply

    def as_json(self) -> dict[str, Any]:
        """The `ukm-bot ask --json` contract: keep these keys stable."""
        d = self.decision
        lang = d.lang
        return {
            "question": d.query.text,
            "status": d.status,
            "entry_id": d.entry.id if d.entry else None,
            "score": round(d.score if d.entry or d.suggestions else _best(d), 4),
            "lang": lang,
            "answer": self.reply.text,
            "suggestions": [{"entry_id": e.id, "question": e.label(lang)} for e in d.suggestions],
            "related": [{"entry_id": e.id, "question": e.label(lang)} for e in d.related],
            "reason": d.reason,
        }


def _best(decision: Decision) -> float:
    guess = decision.best_guess
    return guess.score if guess else 0.0


class Assistant:
    """Built once per knowledge base; cheap to call, safe to share (no mutable state)."""

    def __init__(self, kb: KnowledgeBase, contact: str | None = None) -> None:
        self.kb = kb
        self.answerer = Answerer(kb)
        self.renderer = Renderer(kb, contact=contact)

    def ask(self, text: str, forwarded: bool = False) -> Answer:
        decision = self.answerer.decide(text)
        return Answer(decision, self.renderer.decision(decision, forwarded=forwarded))

    def decide(self, text: str) -> Decision:
        return self.answerer.decide(text)
