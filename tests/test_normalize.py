"""Normalisation: what residents type becomes canonical words the matcher compares."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant


def tokens(assistant: Assistant, text: str) -> tuple[str, ...]:
    return assistant.answerer.normalizer.normalize(text).tokens


def test_unicode_case_mentions_urls_and_emoji_are_cleaned(assistant: Assistant) -> None:
    messy = "@ukm_bot  ＢＥＲＡＰＡ jumlah UKM 🤔🙏 di Tangsel?? https://example.com/x"
    assert tokens(assistant, messy) == tokens(assistant, "berapa jumlah ukm di tangsel")


def test_reduplication_and_repeated_letters(assistant: Assistant) -> None:
    assert tokens(assistant, "ukm2 tangsel") == tokens(assistant, "ukm ukm tangsel")
    assert tokens(assistant, "pelatihaaaan ukmmmm") == tokens(assistant, "pelatihan ukm")


@pytest.mark.parametrize(
    ("chat", "standard"),
    [
        ("gmn caranya ikut pelatihan", "bagaimana caranya ikut pelatihan"),
        ("brp jmlh anggota", "berapa jumlah anggota"),
        ("dmn lokasi ukm yg bikin batik", "di mana lokasi ukm yang membuat batik"),
        ("kadis koperasi sp namanya", "kepala dinas koperasi siapa namanya"),
    ],
)
def test_chat_abbreviations_expand(assistant: Assistant, chat: str, standard: str) -> None:
    assert tokens(assistant, chat) == tokens(assistant, standard)


def test_real_abbreviations_are_protected(assistant: Assistant) -> None:
    # "nib" and "ktp" are not typos of nearby words, and must survive as they are.
    assert "izin" in tokens(assistant, "cara bikin nib")
    assert "ktp" in tokens(assistant, "ktp hilang")


def test_fillers_dropped_question_words_kept(assistant: Assistant) -> None:
    result = tokens(assistant, "min kak dong sih, berapa anggota nya gan?")
    assert "berapa" in result and "anggota" in result
    assert not {"min", "kak", "dong", "sih", "gan"} & set(result)
    assert tokens(assistant, "siapa kepala dinas") != tokens(assistant, "berapa kepala dinas")


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("pelatiahn", "pelatihan"),
        ("kopersi", "koperasi"),
        ("brapa jumlahukm", "berapa jumlah ukm"),
        ("kerupukdari serpong", "kerupuk dari serpong"),
        ("anggot ukm mayoritsa", "anggota ukm mayoritas"),
    ],
)
def test_typos_and_missing_spaces_are_repaired(
    assistant: Assistant, typo: str, meant: str
) -> None:
    assert tokens(assistant, typo) == tokens(assistant, meant)


def test_english_and_indonesian_meet_on_the_same_words(assistant: Assistant) -> None:
    assert set(tokens(assistant, "crackers exported to china")) >= {"kerupuk", "ekspor", "china"}
    assert set(tokens(assistant, "kerupuk diekspor ke tiongkok")) >= {"kerupuk", "ekspor", "china"}


def test_language_is_english_only_when_english_dominates(assistant: Assistant) -> None:
    normalizer = assistant.answerer.normalizer
    assert normalizer.normalize("How many SMEs are there in South Tangerang?").lang == "en"
    assert normalizer.normalize("berapa jumlah ukm di tangsel").lang == "id"
    assert normalizer.normalize("min, ada training buat UKM gak? I want to grow").lang == "id"


def test_a_thing_named_after_selain_does_not_steer(assistant: Assistant) -> None:
    result = tokens(assistant, "selain kerupuk, produk apa lagi yang diekspor?")
    assert "kerupuk" not in result and "ekspor" in result


def test_thousands_are_numbers(assistant: Assistant) -> None:
    assert "15000" in tokens(assistant, "ukm di tangsel 15rb ya")
    assert "15000" in tokens(assistant, "ada 15.000 ukm?")


def test_smalltalk_is_recognised_only_when_nothing_else_is_asked(assistant: Assistant) -> None:
    normalizer = assistant.answerer.normalizer
    assert normalizer.normalize("halo kak, selamat siang").smalltalk == "greeting"
    assert normalizer.normalize("makasih min 🙏").smalltalk == "thanks"
    assert normalizer.normalize("halo min, berapa jumlah ukm?").smalltalk is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Kamu bot apa?", "identity"),
        ("bot apa sih kamu?", "identity"),
        ("what bot is this?", "identity"),
        # a question word and something it asks about: a question, not about the bot
        ("bot apa yang bisa jawab jumlah ukm?", None),
        ("apa itu?", None),
    ],
)
def test_a_question_about_the_bot_itself_is_small_talk(
    assistant: Assistant, text: str, kind: str | None
) -> None:
    assert assistant.answerer.normalizer.normalize(text).smalltalk == kind


def test_asking_what_the_bot_is_and_what_it_can_do_gets_no_fact(assistant: Assistant) -> None:
    answer = assistant.ask("Kamu bot apa? Bisa bantu apa aja?")
    assert answer.response.status == "smalltalk"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Terima kasih banyak, informasinya sangat membantu untuk siaran kami.", "thanks"),
        ("Thanks, that's all I needed. Goodbye!", "thanks"),
        ("oke deh, udah cukup, dadah", "bye"),
        # still asking for something: a request, a question, or a subject named
        ("makasih, tolong jelasin soal ekspor dong", None),
        ("makasih, trus jumlah ukm nya berapa", None),
        ("thanks, and the batik group?", None),
        ("ok makasih ya, pelatihan ukm", None),
        ("ok kamsia ya", "thanks"),
    ],
)
def test_a_closing_thank_you_is_small_talk_unless_it_asks_more(
    assistant: Assistant, text: str, kind: str | None
) -> None:
    assert assistant.answerer.normalizer.normalize(text).smalltalk == kind


@pytest.mark.parametrize(
    ("spelled", "digits"),
    [
        ("binaan dua ribu seratus sepuluh itu tahun berapa", "2110"),
        ("benar ada lima belas ribu ukm?", "15000"),
        ("anggotanya delapan ratus orang?", "800"),
        ("four hundred and eleven SMEs in 2011?", "411"),
        ("jumlah ukm wis limalas ewu", "15000"),  # Javanese
    ],
)
def test_numbers_written_out_meet_the_figures(
    assistant: Assistant, spelled: str, digits: str
) -> None:
    assert digits in tokens(assistant, spelled)


def test_small_counts_stay_words(assistant: Assistant) -> None:
    # "dua produk" is not a figure of the report: "2" would only be a word no entry knows
    assert not any(t.isdigit() for t in tokens(assistant, "apa dua produk yang diekspor"))


def test_javanese_meets_indonesian(assistant: Assistant) -> None:
    assert tokens(assistant, "piye carane melu pelatihan") == tokens(
        assistant, "bagaimana caranya ikut pelatihan"
    )
    assert tokens(assistant, "syarate opo wae") == tokens(assistant, "syaratnya apa saja")


def test_english_possessive_is_the_word_itself(assistant: Assistant) -> None:
    assert tokens(assistant, "the office's address") == tokens(assistant, "the office address")
    assert "dinas" in tokens(assistant, "the office's address")


@pytest.mark.parametrize(
    ("word", "not_read_as"),
    [
        # Ordinary words one or two letters from a word the bot knows are not typos of it.
        ("bawang", "produk"),  # onion, not "barang"
        ("sunda", "irt"),  # not "bunda"
        ("hajatan", "harapan"),
        ("perhatian", "sektor"),  # attention, not "pertanian"
        ("kemaren", "kemasan"),  # Betawi for "kemarin"
    ],
)
def test_ordinary_words_are_not_corrected_into_others(
    assistant: Assistant, word: str, not_read_as: str
) -> None:
    assert not_read_as not in tokens(assistant, f"soal {word} itu gimana")


def test_betawi_everyday_words_meet_indonesian(assistant: Assistant) -> None:
    assert tokens(assistant, "kemaren engkong demen dengerin berita") == tokens(
        assistant, "kemarin kakek suka dengar berita"
    )


@pytest.mark.parametrize(
    ("typed", "number"),
    [("MTQ ke-VIII", "8"), ("MTQ ke XII", "12"), ("HUT ke-XXV", "25"), ("angkatan IV", "4")],
)
def test_roman_numerals_in_capitals_are_numbers(
    assistant: Assistant, typed: str, number: str
) -> None:
    assert number in tokens(assistant, typed)


def test_capital_letters_that_are_no_numeral_stay_words(assistant: Assistant) -> None:
    assert "xi" in tokens(assistant, "Xi Jinping")  # not capitals throughout
    assert tokens(assistant, "VIVA MIX") == ("viva", "mix")


@pytest.mark.parametrize(
    ("typed", "root"),
    [("anggotanipun", "anggota"), ("biayanipun", "biaya"), ("syaratipun", "syarat")],
)
def test_javanese_krama_possessive_is_stripped(
    assistant: Assistant, typed: str, root: str
) -> None:
    """Javanese krama -(n)ipun ("its") as -nya: "wonten biayanipun?" asks a fee."""
    assert assistant.answerer.normalizer.tokens(typed) == (root,)


@pytest.mark.parametrize(
    ("text", "has", "lacks"),
    [
        # Javanese krama: "may I ask" is a courtesy, "wonten pundi" asks where
        ("Nyuwun pirsa, UKM Cipta Karya punika wonten pundi?", "dimana", "berapa"),
        # Betawi "pelaku usahe" is "pelaku usaha", not "USA" and "he"
        ("Taon 2009-2010 dinas ngebina berape pelaku usahe?", "pelaku", "amerika"),
    ],
)
def test_regional_forms_are_read_as_meant(
    assistant: Assistant, text: str, has: str, lacks: str
) -> None:
    tokens = assistant.answerer.normalizer.normalize(text).tokens
    assert has in tokens and lacks not in tokens, tokens
