"""The staff inbox's pure rules: the cards' share of the staff group's budget, when a backlog
becomes a digest, and how a reply to a digest names its question."""

from __future__ import annotations

import pytest

from bot.inbox import Budget, DigestAnswer, digest_now, read_digest_answer


def test_the_budget_allows_a_burst_then_its_rate() -> None:
    budget = Budget(per_minute=10, burst=3, now=0.0)
    for _ in range(3):
        assert budget.wait(0.0) == 0
        budget.take(0.0)
    assert budget.wait(0.0) == pytest.approx(6.0)  # 10 a minute: one every 6 s
    assert budget.wait(4.5) == pytest.approx(1.5)
    budget.take(6.0)
    assert budget.wait(6.0) == pytest.approx(6.0)
    # A long quiet spell refills the burst, never more.
    assert budget.available(600.0) == pytest.approx(3.0)


def test_a_backlog_is_more_cards_than_the_budget_can_post_one_by_one() -> None:
    assert not digest_now(queued=1, tokens=0.2)  # a lone card is never a digest
    assert not digest_now(queued=3, tokens=3.0)
    assert digest_now(queued=4, tokens=3.0)
    assert digest_now(queued=2, tokens=0.9)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("2 Info KUR ada di bank penyalur", DigestAnswer(2, "Info KUR ada di bank penyalur")),
        ("#12: Tiap Jumat.", DigestAnswer(12, "Tiap Jumat.")),
        ("3) Ya, ada.\nDetailnya di kantor.", DigestAnswer(3, "Ya, ada.\nDetailnya di kantor.")),
        ("  4. boleh", DigestAnswer(4, "boleh")),
        ("1 - lewat aplikasi", DigestAnswer(1, "lewat aplikasi")),
        ("sudah saya cek", None),
        ("2", None),  # a number and no answer answers nobody
        ("2024 adalah tahunnya", None),  # a year is no question number
    ],
)
def test_a_reply_to_a_digest_starts_with_the_questions_number(
    reply: str, expected: DigestAnswer | None
) -> None:
    assert read_digest_answer(reply) == expected
