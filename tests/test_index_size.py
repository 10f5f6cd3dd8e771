"""A knowledge base large enough to be indexed compactly answers as the plain index does."""

from __future__ import annotations

import pytest

from bot.answering import Answerer, KnowledgeBase, match
from tests.test_typos import typed_messages


def test_a_compact_index_ranks_every_message_as_the_plain_one(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = Answerer(kb)
    monkeypatch.setattr(match, "COMPACT_ABOVE", 0)  # the shipped knowledge, built compact
    compact = Answerer(kb)
    differ = []
    for text in typed_messages():
        query = plain.normalizer.normalize(text)
        if compact.index.rank(query, limit=8) != plain.index.rank(query, limit=8):
            differ.append(text)
    assert differ == []
