"""The answering core and its renderer together: what a message gets, as HTML or JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.answering import Answerer, Conversation, Decision, KnowledgeBase, Responder, Response
from bot.rendering import Renderer, Reply


@dataclass(frozen=True, slots=True)
class Answer:
    response: Response
    reply: Reply

    @property
    def decision(self) -> Decision:
        """The one-decision view: the first answered question, else the first one."""
        return self.response.primary

    def as_json(self) -> dict[str, Any]:
        """The `ukm-bot ask --json` contract: keep these keys stable (`parts` was added:
        one object per question found in the message)."""
        r = self.response
        d = r.primary
        lang = r.lang
        return {
            "question": r.text,
            "status": r.status,
            "entry_id": d.entry.id if d.entry else None,
            "score": _score(d),
            "lang": lang,
            "answer": self.reply.text,
            "suggestions": [{"entry_id": e.id, "question": e.label(lang)} for e in d.suggestions],
            "related": [{"entry_id": e.id, "question": e.label(lang)} for e in d.related],
            "reason": d.reason,
            "parts": [
                {
                    "text": p.query.text,
                    "status": p.status,
                    "entry_id": p.entry.id if p.entry else None,
                    "score": _score(p),
                }
                for p in r.parts
            ],
        }


def _score(decision: Decision) -> float:
    if decision.entry or decision.suggestions:
        return round(decision.score, 4)
    guess = decision.best_guess
    return round(guess.score if guess else 0.0, 4)


class Assistant:
    """Built once per knowledge base; cheap to call, safe to share. The only state is a
    caller's `Conversation`, which the caller keeps and passes in."""

    def __init__(self, kb: KnowledgeBase, contact: str | None = None) -> None:
        self.kb = kb
        self.answerer = Answerer(kb)
        self.responder = Responder(self.answerer)
        self.renderer = Renderer(kb, contact=contact)

    def ask(
        self, text: str, conversation: Conversation | None = None, forwarded: bool = False
    ) -> Answer:
        response = self.responder.respond(text, conversation)
        return Answer(response, self.renderer.response(response, forwarded=forwarded))

    def respond(self, text: str, conversation: Conversation | None = None) -> Response:
        return self.responder.respond(text, conversation)

    def decide(self, text: str) -> Decision:
        """One decision for a message (its first answered question): for callers that
        handle one question per message."""
        return self.responder.respond(text).primary
