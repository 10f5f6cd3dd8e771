"""The answering core and its renderer together: what a message gets, as HTML or JSON."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from bot.answering import (
    Answerer,
    Conversation,
    Conversations,
    Decision,
    KnowledgeBase,
    Lang,
    Responder,
    Response,
)
from bot.answering.context import MAX_CONVERSATIONS, Clock, Turn
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


# -- follow-up memory of the running bot ----------------------------------------------------


class Draft(Conversation):
    """One message being answered within a caller's conversation.

    It reads the context the conversation had when the message arrived (or, for an edited
    message, the context the original was read with), and passes what the answer adds on
    to the conversation only when committed: an automatic answer the bot decides not to
    send leaves no context the resident never saw.
    """

    def __init__(self, live: Conversation, earlier: tuple[Turn, ...] | None = None) -> None:
        super().__init__(live.clock, seconds=live.seconds)
        self.live = live
        self.earlier = live.recent() if earlier is None else earlier
        self._added: list[tuple[frozenset[str], tuple[str, ...], Lang, frozenset[str]]] = []

    def recent(self) -> tuple[Turn, ...]:
        return self.earlier

    def remember(
        self,
        topic: frozenset[str],
        entries: tuple[str, ...],
        lang: Lang,
        asking: frozenset[str] = frozenset(),
    ) -> None:
        self._added.append((topic, entries, lang, asking))

    def commit(self) -> None:
        for added in self._added:
            self.live.remember(*added)
        self._added.clear()


class Memory:
    """What the running bot remembers for follow-ups, in memory only (a restart forgets it,
    as the 20-minute window would soon anyway): one `Conversation` per private chat and per
    asker within a group, never shared between two residents of one group; and, per
    answered message, the context it was read with, so an edit of it is answered the same
    way. Both are bounded: the least recently used beyond `limit` are forgotten."""

    def __init__(self, clock: Clock = time.monotonic, limit: int = MAX_CONVERSATIONS) -> None:
        self.conversations = Conversations(clock, limit=limit)
        self.limit = limit
        # (chat id, message id) -> (user id, the turns it was read with). Only messages
        # that had context are kept: a missing one was read with none.
        self._read_with: OrderedDict[tuple[int, int], tuple[int, tuple[Turn, ...]]] = OrderedDict()
        # user id -> the groups they asked in, to forget them all at /hapusdata.
        self._groups_of: OrderedDict[int, set[int]] = OrderedDict()

    def draft(self, chat_id: int, user_id: int, group: bool) -> Draft:
        """A new message of this caller, read with their conversation's recent turns."""
        return Draft(self._conversation(chat_id, user_id, group))

    def redraft(self, chat_id: int, message_id: int, user_id: int, group: bool) -> Draft:
        """An edited message, read with the context the original had; what the new answer
        adds joins the caller's conversation as its newest turn."""
        kept = self._read_with.get((chat_id, message_id))
        earlier = kept[1] if kept is not None and kept[0] == user_id else ()
        return Draft(self._conversation(chat_id, user_id, group), earlier)

    def keep(self, chat_id: int, message_id: int, user_id: int, draft: Draft) -> None:
        """The message is answered: its turns join the conversation, and what it was read
        with is kept for an edit."""
        draft.commit()
        if draft.earlier:
            self._read_with[(chat_id, message_id)] = (user_id, draft.earlier)
            self._read_with.move_to_end((chat_id, message_id))
            while len(self._read_with) > self.limit:
                self._read_with.popitem(last=False)

    def forget(self, user_id: int) -> None:
        """/hapusdata: the resident's private conversation, their conversations in every
        group, and what their messages were read with."""
        keys: list[Hashable] = [user_id]  # a private chat's id is the user's id
        keys += [(chat_id, user_id) for chat_id in self._groups_of.pop(user_id, ())]
        for key in keys:
            self.conversations(key).forget()
        for message, (asker, _) in list(self._read_with.items()):
            if asker == user_id:
                del self._read_with[message]

    def _conversation(self, chat_id: int, user_id: int, group: bool) -> Conversation:
        if not group:
            return self.conversations(chat_id)
        self._groups_of.setdefault(user_id, set()).add(chat_id)
        self._groups_of.move_to_end(user_id)
        while len(self._groups_of) > self.limit:
            self._groups_of.popitem(last=False)
        return self.conversations((chat_id, user_id))
