"""Accuracy floors on question sets written independently of the knowledge entries.

These are regression floors, not targets tuned per sentence: dev.jsonl is the shared
development set; the others were each written by someone who never saw the entries
(eval_calibration, eval_check, eval_fresh, eval_final, eval_holdout, eval_unseen,
eval_blind; heldout_a, heldout_b, heldout_c, heldout_d, heldout_e and heldout_f: 300
messages and 40 conversations each; heldout_g and heldout_h: 200 messages and 40
conversations each). Every one but heldout_h has since been studied for failures, so
none of those is an unbiased estimate any more: the README gives each set's first-seen
figures, which are.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering import Conversation
from bot.assistant import Assistant
from bot.evaluation import EvalReport, evaluate, facts_for, load_fact_patterns, load_items

DATA = Path(__file__).parent / "data"


def report(assistant: Assistant, name: str) -> EvalReport:
    path = DATA / name

    def ask(q: str, conversation: Conversation | None) -> tuple[str, str, str | None]:
        a = assistant.ask(q, conversation)
        entry = a.decision.entry
        return a.response.status, a.reply.text, entry.id if entry else None

    return evaluate(load_items(path), ask, load_fact_patterns(facts_for(path)), Conversation)


def figures(assistant: Assistant, name: str) -> dict[str, float]:
    return report(assistant, name).figures()


HARD_STYLES = ("long", "multi", "trap", "regional")


def messages_above(
    assistant: Assistant,
    name: str,
    accuracy: float,
    confident_wrong: float,
    styles: float | dict[str, float],
) -> None:
    """A set's messages: overall, confident-wrong, and each hard style above its floor."""
    questions = report(assistant, name)
    f = questions.figures()
    assert f["accuracy"] >= accuracy, f
    assert f["confident_wrong"] <= confident_wrong, f
    floors = styles if isinstance(styles, dict) else dict.fromkeys(HARD_STYLES, styles)
    for style, floor in floors.items():
        right, n = questions.by_style[style]
        assert right / n >= floor, (style, right, n)


def conversations_above(
    assistant: Assistant, name: str, accuracy: float, confident_wrong: float, turns: float
) -> None:
    """A set's conversations: overall, confident-wrong, and every turn above its floor."""
    conversations = report(assistant, name)
    f = conversations.figures()
    assert f["accuracy"] >= accuracy, f
    assert f["confident_wrong"] <= confident_wrong, f
    for turn, (right, n, _) in conversations.by_turn.items():
        assert right / n >= turns, (turn, right, n)


@pytest.mark.parametrize("name", ["dev_hard.jsonl", "dev_conversations.jsonl"])
def test_messages_as_residents_send_them(assistant: Assistant, name: str) -> None:
    """The development sets of issue 8 (copies of shared/eval/dev-hard.jsonl and
    conversations-dev.jsonl): long stories, two questions, regional speech, traps, and
    conversations asked turn by turn in one session each."""
    f = figures(assistant, name)
    assert f["accuracy"] >= 0.93, f
    assert f["confident_wrong"] <= 0.02, f


def test_heldout_a_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "a" (first run: 0.930 / 0.043 and 0.940 / 0.022), studied since: long
    stories, several questions, traps, regional speech, and 40 conversations."""
    messages_above(
        assistant, "eval_heldout_a.jsonl", 0.98, 0.01, {"long": 0.95, "multi": 0.95, "trap": 0.95}
    )
    f = figures(assistant, "conversations_heldout_a.jsonl")
    assert f["accuracy"] >= 0.97, f
    assert f["confident_wrong"] <= 0.01, f


def test_heldout_b_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "b", another writer and community of askers (first run: 0.930 / 0.050
    and 0.985 / 0.000), studied since for the mechanisms that let its confident wrong
    answers through: what a question asks for that the answer never speaks of, a
    lettered list, "&" between two questions, regional forms."""
    messages_above(assistant, "eval_heldout_b.jsonl", 0.97, 0.02, 0.95)
    f = figures(assistant, "conversations_heldout_b.jsonl")
    assert f["accuracy"] >= 0.97, f
    assert f["confident_wrong"] <= 0.01, f


def test_heldout_c_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "c", a third writer (first run: 0.950 / 0.030 and 0.962 / 0.023),
    studied since for what let its confident wrong answers through: a count of something
    the figure does not count, a follow-up asking what the entry before lacks, a choice
    the answer does not make, a remark that asks nothing, shops, sectors and countries by
    their adjective."""
    messages_above(assistant, "eval_heldout_c.jsonl", 0.98, 0.01, 0.95)
    conversations_above(assistant, "conversations_heldout_c.jsonl", 0.97, 0.01, 0.9)


def test_heldout_d_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "d", a fourth writer of skeptical askers testing the edge of the report
    (first run: 0.930 / 0.050 and 0.912 / 0.073), studied since for what the answers did
    not state: one year of a period, an hour, a post, an attribute the bot did not know,
    who said it, where it went, a question announced rather than asked."""
    messages_above(assistant, "eval_heldout_d.jsonl", 0.97, 0.02, 0.93)
    conversations_above(assistant, "conversations_heldout_d.jsonl", 0.98, 0.01, 0.95)


def test_heldout_e_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "e", a fifth writer (a third of what its residents ask is not in the
    report; first run: 0.913 / 0.053 and 0.963 / 0.022), studied for its traps: an
    attribute the answer never states (an owner, a full address, a fee in krama),
    named anywhere in the question, and a yes/no claim that pairs what no one
    statement of the answer pairs. Floors a little below the studied figures (0.943 /
    0.023: long 0.90, multi 0.96, trap 0.94, regional 0.93; conversations 0.963 /
    0.022, turn 4 14/16)."""
    floors = {"long": 0.88, "multi": 0.94, "trap": 0.92, "regional": 0.9}
    messages_above(assistant, "eval_heldout_e.jsonl", 0.93, 0.03, floors)
    conversations_above(assistant, "conversations_heldout_e.jsonl", 0.95, 0.025, 0.85)


def test_heldout_f_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "f", a sixth writer (first run: 0.977 / 0.017 and 0.962 / 0.038),
    studied for the mechanisms behind its confident wrong answers: a thank-you the bot
    did not know read as a follow-up, a request to ask with no question, a post of one
    body answered with the same post of another, a thing the report never names in a
    yes/no follow-up, a city inside a country, one year of a period with the other
    excluded, an allowance, a clause saying after what. Floors a little below the
    studied figures (0.993 / 0.000: long 59/60, multi 50/50, trap 70/70, regional
    39/40; conversations 1.000 / 0.000)."""
    messages_above(assistant, "eval_heldout_f.jsonl", 0.98, 0.01, 0.95)
    conversations_above(assistant, "conversations_heldout_f.jsonl", 0.98, 0.01, 0.95)


def test_heldout_g_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "g", a seventh writer (first run at ba6d72f: 0.935 / 0.055 and
    0.931 / 0.046), studied for the mechanisms behind its confident wrong answers: bodies
    the report never names, ages, a rank it does not give, a three-word negator, two
    kinds of batik offered as a choice, who owns the factory, who said the answer just
    given, since when, "according to". Floors a little below the studied figures (0.975 /
    0.020: long 39/40, multi 30/30, trap 46/50, regional 30/30; conversations 0.969 /
    0.015)."""
    messages_above(assistant, "eval_heldout_g.jsonl", 0.96, 0.025, 0.9)
    conversations_above(assistant, "conversations_heldout_g.jsonl", 0.96, 0.02, 0.9)


def test_heldout_h_messages_and_conversations(assistant: Assistant) -> None:
    """Held-out set "h", an eighth writer, run once (at 775380b) and not studied: its first
    run is the estimate the README reports (0.970 / 0.020: long 38/40, multi 30/30, trap
    47/50, regional 29/30; conversations 0.962 / 0.015). Floors a little below it, so a
    change that loses what an unseen set got right is noticed."""
    messages_above(assistant, "eval_heldout_h.jsonl", 0.96, 0.025, 0.9)
    conversations_above(assistant, "conversations_heldout_h.jsonl", 0.95, 0.02, 0.9)


@pytest.mark.parametrize(
    "name",
    [
        "practice_hard.jsonl",
        "practice_conversations.jsonl",
        "practice_hard_2.jsonl",
        "practice_conversations_2.jsonl",
        "practice_hard_3.jsonl",
        "practice_conversations_3.jsonl",
        "practice_hard_4.jsonl",
        "practice_conversations_4.jsonl",
    ],
)
def test_own_practice_sets(assistant: Assistant, name: str) -> None:
    """Sets written for issue 8 by the engineer who built it (not independent: a check
    that the mechanisms generalise beyond the development sets' sentences)."""
    f = figures(assistant, name)
    assert f["accuracy"] >= 0.93, f
    assert f["confident_wrong"] <= 0.04, f


def test_dev_set_meets_the_issue_targets(assistant: Assistant) -> None:
    f = figures(assistant, "dev.jsonl")
    assert f["accuracy"] >= 0.95, f
    assert f["oos_reject"] >= 0.95, f
    assert f["confident_wrong"] <= 0.02, f


@pytest.mark.parametrize(
    ("name", "accuracy", "wrong"),
    [
        ("eval_calibration.jsonl", 0.95, 0.02),
        ("eval_check.jsonl", 0.9, 0.03),
        ("eval_fresh.jsonl", 0.93, 0.02),
        ("eval_final.jsonl", 0.88, 0.03),
        ("eval_holdout.jsonl", 0.9, 0.03),
        ("eval_unseen.jsonl", 0.93, 0.02),
        ("eval_blind.jsonl", 0.92, 0.04),
    ],
)
def test_independent_sets_stay_above_their_floor(
    assistant: Assistant, name: str, accuracy: float, wrong: float
) -> None:
    f = figures(assistant, name)
    assert f["accuracy"] >= accuracy, f
    assert f["confident_wrong"] <= wrong, f
