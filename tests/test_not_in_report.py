"""Things the report never speaks of: other bodies, ages, and wording of a few more kinds.

The report names one office, one group, one forum and one factory. A question about
another body ("Kemenkop", "Dekranasda"), or about people's ages, is answered by none of
its facts, however close the rest of the question is; the nearest question it does
answer still is.
"""

from __future__ import annotations

import pytest

from bot.answering import Conversation
from bot.assistant import Assistant


def _status(assistant: Assistant, text: str) -> str:
    return assistant.ask(text).response.status


@pytest.mark.parametrize(
    "text",
    [
        "Kemenkop ikut bantu ekspor kerupuk ke China gak?",
        "Apa peran Dinas Perindustrian dalam pelatihan UKM Tangsel?",
        "Did the ministry help the batik group sell to America?",
        "Dekranasda ngasih pelatihan ke ibu-ibu pembatik?",
    ],
)
def test_a_body_the_report_never_names_is_not_answered(assistant: Assistant, text: str) -> None:
    assert _status(assistant, text) != "answer"


def test_the_office_the_report_names_is_still_answered(assistant: Assistant) -> None:
    answer = assistant.ask("Dinas Koperasi Tangsel membina berapa UKM tahun 2011?")
    assert answer.response.status == "answer"
    assert "411" in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Berapa usia rata-rata pembatik di Cipta Karya?",
        "Rata-rata umur pembatik di kelompok itu berapa tahun?",
    ],
)
def test_an_age_the_report_never_gives_is_not_answered(assistant: Assistant, text: str) -> None:
    answer = assistant.ask(text)
    assert answer.response.status != "answer"


def test_a_price_asked_as_a_charge_is_not_answered(assistant: Assistant) -> None:
    assert _status(assistant, "How much do they charge for the batik cloth?") != "answer"


def test_minang_why_is_read_as_why(assistant: Assistant) -> None:
    # "baa kok" is Minang for "why"; "nan" for "yang".
    answer = assistant.ask("baa kok anggota kelompok batik tu ibu-ibu nan banyak?")
    assert answer.response.status == "answer"
    assert answer.decision.entry is not None and answer.decision.entry.topic == "kelompok"


@pytest.mark.parametrize(
    "text",
    [
        "How many businesses got coaching in 2010, not combined with 2009?",
        "Binaan tahun 2009 berapa, tidak termasuk 2010?",
    ],
)
def test_one_year_with_the_other_left_out_in_three_words_is_not_answered(
    assistant: Assistant, text: str
) -> None:
    # "not combined with 2009" leaves 2009 out: what is asked is 2010 alone, which the report
    # counts only together with 2009.
    answer = assistant.ask(text)
    assert answer.response.status != "answer"
    assert "2009-2010" in answer.reply.text


def test_a_rank_the_answer_does_not_give_is_not_answered(assistant: Assistant) -> None:
    # The report speaks of the 8th MTQ only: the 10th is another event.
    answer = assistant.ask("Kepala dinas bicara di MTQ yang ke-10?")
    assert answer.response.status != "answer"
    assert "MTQ ke-8" in answer.reply.text  # what the report does say
    assert assistant.ask("Pak Ismunandar ngomong di acara MTQ ke-8 ya?").response.status == (
        "answer"
    )


def test_who_is_in_charge_asks_for_the_head_not_a_charge(assistant: Assistant) -> None:
    # "charge" asks a price; "in charge" asks who leads.
    answer = assistant.ask("Who was in charge of the cooperatives office?")
    assert answer.response.status == "answer"
    assert "Ismunandar" in answer.reply.text


def test_a_kind_of_batik_offered_as_a_choice_is_not_answered(assistant: Assistant) -> None:
    # "tulis" and "cap" tell two kinds of batik apart; the report names neither.
    assert _status(assistant, "Batik yang dijual ke Amerika itu cap atau tulis?") != "answer"
    assert _status(assistant, "Kain dari Pondok Cabe itu batik cap atau batik tulis ya?") != (
        "answer"
    )


def test_who_owns_the_factory_asked_with_yang_punya_is_not_answered(
    assistant: Assistant,
) -> None:
    # "yang punya pabrik" asks its owner, whom the report never names; "yang punya
    # usaha" is someone who runs a business, and asks nothing of an owner.
    assert _status(assistant, "Yang punya pabrik kerupuk di Serpong siapa sih?") != "answer"
    text = "Saya yang punya usaha rumahan, gimana caranya ikut pelatihan dari pemkot?"
    assert _status(assistant, text) == "answer"


@pytest.mark.parametrize(
    ("first", "speaker", "other"),
    [
        ("Apa tujuan pelatihan dari pemkot buat UKM?", "Ismunandar", "Maulini"),
        ("Apa manfaat ikut kelompok batik buat ibu-ibu?", "Zeda", "Ismunandar"),
    ],
)
def test_who_said_it_after_an_answer_is_who_told_the_reporter_that(
    assistant: Assistant, first: str, speaker: str, other: str
) -> None:
    conversation = Conversation()
    assert assistant.ask(first, conversation).response.status == "answer"
    answer = assistant.ask("yang ngomong siapa?", conversation)
    assert answer.response.status == "answer"
    assert speaker in answer.reply.text
    assert other not in answer.reply.text  # not the list of everyone quoted
    # The entry on who they are, not the answer just given again (which a group would
    # not be sent twice).
    assert answer.decision.entry is not None
    assert answer.decision.entry.id != assistant.ask(first).decision.entry.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("first", "since"),
    [
        ("Where were the Serpong crackers exported?", "since when?"),
        ("Batik Tangsel dijual ke negara mana?", "sejak kapan?"),
    ],
)
def test_since_when_after_an_answer_asks_when_it_began(
    assistant: Assistant, first: str, since: str
) -> None:
    # The report says where they went by 2011, never since when: the day the head of
    # office was interviewed is no answer to it.
    conversation = Conversation()
    assert assistant.ask(first, conversation).response.status == "answer"
    assert assistant.ask(since, conversation).response.status != "answer"
    answer = assistant.ask("Kapan Ismunandar ditemui wartawan?")
    assert answer.response.status == "answer"
    assert "Jumat" in answer.reply.text


def test_according_to_the_report_asks_nothing_more(assistant: Assistant) -> None:
    # Every answer is what the report says: "according to" it is "menurut", no topic; the
    # story before the question must not pull it to who the official was.
    text = (
        "A client told me the office is changing its approach. She said they'd rather "
        "keep firms alive. What will the office concentrate on, according to the article?"
    )
    answer = assistant.ask(text)
    assert answer.response.status == "answer"
    assert answer.decision.entry is not None and answer.decision.entry.id == "data-fokus"
