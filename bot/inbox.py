"""What makes two unanswered questions "the same" for the staff inbox (pure)."""

from __future__ import annotations

from bot.answering import Query


def question_key(query: Query) -> str | None:
    """Questions with the same canonical words share one inbox card ("harga batik brp?"
    and "Berapa harga batik?" are one card, asked twice). None: nothing to file."""
    words = sorted(set(query.tokens))
    return " ".join(words) if words else None
