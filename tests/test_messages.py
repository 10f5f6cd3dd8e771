"""Messages as residents really send them: stories, several questions, narrowed
questions, regional speech and follow-ups. Each test checks what the resident reads."""

from __future__ import annotations

import pytest

from bot.answering import MAX_PARTS, Conversation, Conversations
from bot.assistant import Assistant


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the question inside a story --------------------------------------------------------


def test_a_story_before_the_question_does_not_drown_it(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Saya staf kelurahan di Pondok Aren. Arsip kliping kami hilang waktu banjir, dan "
        "pak lurah minta angka untuk rapat minggu depan. Tahun 2011 dinas membina berapa UKM?"
    )
    assert answer.response.status == "answer"
    assert "411" in answer.reply.text
    assert len(answer.response.parts) == 1  # the story is context, not a question


def test_the_story_supplies_what_a_short_question_leaves_out(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Saya jualan kerupuk online, barangnya dari produsen di Serpong. Pembeli suka "
        "tanya soal ekspornya. Sebenarnya dikirim ke negara mana?"
    )
    assert answer.response.status == "answer" and "China" in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Tetangga bilang dinas cemas banyak usaha kecil bangkrut. Dinasnya sendiri bilang "
        "apa soal itu?",
        "Di grup RT ada yang bilang dinas khawatir UKM pada gulung tikar. Dinas ngomong apa "
        "sebenarnya soal itu?",
    ],
)
def test_what_was_said_about_the_story_is_what_was_said_of_its_subject(
    assistant: Assistant, text: str
) -> None:
    # "bilang apa soal itu" asks what the office said of what the story is about; who
    # told the reporter is part of that answer, so it does not fall back on the occasion.
    answer = assistant.ask(text)
    assert answer.response.status == "answer"
    assert "bangkrut" in answer.reply.text and "MTQ" not in answer.reply.text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "gini pak saya lagi bikin laporan buat pengajuan pinjaman modal koperasi terus "
            "saya perlu angka ukm yang dibina dinas tahun 2011 itu berapa",
            "411",
        ),
        (
            "aku lagi nyusun proposal kredit usaha buat warung terus aku penasaran kepala "
            "dinas koperasi tangsel waktu itu siapa",
            "Ismunandar",
        ),
        (
            "gw reseller online shop di marketplace, batik tangsel yg laku di luar negeri "
            "itu ke negara mana sih",
            "Amerika",
        ),
    ],
)
def test_a_story_typed_without_a_full_stop_is_still_only_the_setting(
    assistant: Assistant, text: str, says: str
) -> None:
    # The loan in the story is the asker's setting, not what is asked; so is the shop.
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and says in answer.reply.text


def test_a_run_on_story_after_a_greeting_is_still_only_the_setting(
    assistant: Assistant,
) -> None:
    # The greeting and the emoji make it two sentences; the second is still a story
    # (a reseller on a marketplace) typed before its question without a full stop.
    answer = assistant.ask(
        "woyyy min 🙏🙏 gw reseller batik di shopee, mo nanya aja nih, batik bikinan ukm "
        "tangsel katanya dah laku di luar negri, negara mana sih tepatnya?? 🌏"
    )
    assert answer.response.status == "answer" and "Amerika" in answer.reply.text


def test_a_claim_heard_is_what_the_question_asks_about_not_its_setting(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(
        "Saya dengar kiriman batik ke Amerika dihentikan tahun 2013, penyebabnya apa?"
    )
    assert answer.response.status == "fallback"


def test_a_story_with_no_question_gets_an_invitation_not_a_fact(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Saya baru pindah ke Tangsel bulan lalu. Suami kerja di Jakarta. Anak-anak sudah "
        "sekolah di dekat rumah."
    )
    assert answer.response.status == "smalltalk"
    assert "Apa yang ingin Anda tanyakan" in answer.reply.text
    assert "15.000" not in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Ibu saya dulu anggota kelompok batik di Pondok Cabe, katanya seru.",
        "My mother was a member of the batik group in Pamulang for years.",
        "Saya pernah ikut pelatihan UKM dari pemkot, materinya bermanfaat sekali.",
    ],
)
def test_a_remark_about_oneself_is_small_talk_not_a_question(
    assistant: Assistant, text: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "smalltalk"
    assert "800" not in answer.reply.text and "workshop" not in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "saya ibu rumah tangga di pamulang pengen gabung kelompok batik",  # a wish
        "pemkot ada pelatihan gk buat pedagang kecil kayak saya",  # a yes/no word
    ],
)
def test_a_sentence_about_oneself_that_wants_or_asks_is_a_question(
    assistant: Assistant, text: str
) -> None:
    assert assistant.ask(text).response.status == "answer"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # A plea for an answer, after the sentence that holds the question.
        (
            "Adik saya sedang menyusun kliping. Dia bertanya di hari apa kepala dinas "
            "diwawancarai. Mohon dibantu jawab?",
            "Jumat",
        ),
        ("Teman saya bilang anggota kelompok batik itu 800 orang. Betul gak?", "800"),
        ("My neighbour says the group makes 500 batik cloths a month. Is that right?", "500"),
        # A plea to have the sentence before explained or summed up.
        (
            "Saya baca ada penjelasan soal manfaat ikut kelompok batik bagi ibu-ibu di "
            "Pamulang. Bisa diringkas intinya?",
            "perekonomian keluarga",
        ),
        # A reported question, with no question mark.
        (
            "Guru saya menanyakan siapa nama ketua forum PAUD di berita itu. Saya bingung.",
            "Maulini Zeda",
        ),
    ],
)
def test_the_question_is_found_where_the_resident_put_it(
    assistant: Assistant, text: str, says: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and says in answer.reply.text


def test_who_held_the_post_in_the_report_is_not_who_holds_it_now(assistant: Assistant) -> None:
    then = assistant.ask("Pada berita 2011 itu, siapa yang menjabat kepala dinas koperasi?")
    assert then.response.status == "answer" and "Ismunandar" in then.reply.text
    now = assistant.ask("Ismunandar masih menjabat kepala dinas sampai sekarang?")
    assert now.response.status != "answer"
    assert assistant.ask("Sudah berapa lama Ismunandar jadi kepala dinas?").response.status != (
        "answer"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "My cousin runs a bakery in Bandung and asked me about Tangsel. She read that a "
            "local craft group employs mostly housewives. What do the mothers gain from it?",
            "family economy",
        ),
        (
            "Kakak saya kerja di Malaysia dan pernah cerita soal kerupuk Serpong yang laku "
            "di luar negeri. Siapa yang menyampaikan hal itu ke wartawan?",
            "Ismunandar",
        ),
    ],
)
def test_what_the_story_says_the_report_lacks_is_the_askers_setting(
    assistant: Assistant, text: str, says: str
) -> None:
    """Another city or country in the story is where the asker stands, not what the
    question asks: it must not turn the question into "the report does not say"."""
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and says in answer.reply.text


@pytest.mark.parametrize(
    "text",
    ["Semangat terus buat pelaku UKM Tangsel!", "Good luck to the small businesses of Tangsel!"],
)
def test_a_good_wish_is_small_talk_not_a_fact(assistant: Assistant, text: str) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "smalltalk"
    assert "15" not in answer.reply.text


# -- several questions in one message ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "kerupuk serpong diekspor ke mana, terus batiknya ke mana?",
        "kerupuk serpong diekspor ke mana terus batiknya ke mana",  # no punctuation
        "Kerupuk serpong diekspor ke mana? 🤔🙏 Kalau batiknya dijual ke mana?",  # emoji
    ],
)
def test_two_questions_get_two_answers_in_order(assistant: Assistant, text: str) -> None:
    answer = assistant.ask(text)
    reply = answer.reply.text
    assert answer.response.status == "answer"
    assert [p.status for p in answer.response.parts] == ["answer", "answer"]
    assert reply.index("China") < reply.index("Amerika")
    assert reply.count("📰 Sumber") == 1  # one source line for the whole reply


@pytest.mark.parametrize(
    ("text", "both"),
    [
        (
            "Siapa kepala dinas koperasi dan ketua forum PAUD yang disebut di berita?",
            ("Ismunandar", "Maulini Zeda"),
        ),
        ("How many SME owners and how many fostered businesses in 2011?", ("15,000", "411")),
    ],
)
def test_one_question_word_for_two_subjects_answers_both(
    assistant: Assistant, text: str, both: tuple[str, str]
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer"
    assert all(fact in answer.reply.text for fact in both)


def test_two_aspects_of_one_subject_stay_one_question(assistant: Assistant) -> None:
    answer = assistant.ask("Apa manfaat dan tujuan pelatihan dari pemkot?")
    assert len(answer.response.parts) == 1 and answer.response.status == "answer"


@pytest.mark.parametrize(
    "text",
    [
        "1) berapa jumlah UKM di Tangsel 2) kerupuk Serpong diekspor ke mana",
        "1. jumlah ukm tangsel ada berapa\n2. kerupuk serpong dijual ke negara mana",
        "- ada berapa UKM di Tangsel?\n- kerupuknya diekspor ke mana?",
    ],
)
def test_a_numbered_or_bulleted_list_is_one_question_per_item(
    assistant: Assistant, text: str
) -> None:
    answer = assistant.ask(text)
    assert [p.status for p in answer.response.parts] == ["answer", "answer"]
    assert "15.000" in answer.reply.text and "China" in answer.reply.text


def test_the_items_of_a_lettered_list_asked_for_are_each_answered(
    assistant: Assistant,
) -> None:
    """Items that only name what is wanted ("(b) binaan 2011") are questions when a
    request introduces the list; the request itself ("jawab 3 ya") asks nothing."""
    answer = assistant.ask(
        "Mohon jawab 3 ya: (a) jumlah pelaku UKM Tangsel, (b) binaan 2011, "
        "(c) nama kepala dinas koperasinya"
    )
    assert [p.status for p in answer.response.parts] == ["answer"] * 3
    assert all(fact in answer.reply.text for fact in ("15.000", "411", "Ismunandar"))


def test_an_ampersand_joins_two_questions(assistant: Assistant) -> None:
    answer = assistant.ask("Cipta Karya ada di kelurahan mana & sebulan bikin berapa helai?")
    assert [p.status for p in answer.response.parts] == ["answer", "answer"]
    assert "Pondok Cabe Udik" in answer.reply.text and "500" in answer.reply.text


def test_a_second_question_complete_on_its_own_is_not_pulled_to_the_first(
    assistant: Assistant,
) -> None:
    """The "-nya" of "Dinas Koperasi dan UKM-nya" points back, but the question names the
    office: the forum chair's entry, which the first question's words lead to, says
    nothing of it."""
    answer = assistant.ask("Siapa ketua Forum PAUD Tangsel?\nSiapa kepala Dinas Koperasi-nya?")
    assert [p.status for p in answer.response.parts] == ["answer", "answer"]
    assert "Maulini Zeda" in answer.reply.text and "Ismunandar" in answer.reply.text


def test_a_narrowed_part_does_not_narrow_the_next_about_something_else(
    assistant: Assistant,
) -> None:
    """Ciputat limits the first question (the report gives no count per sub-district), not
    the second, which asks about the batik's market and leans on nothing of the first."""
    answer = assistant.ask("ukm di ciputat doang ada brp? terus batiknya diekspor ke mana?")
    first, second = answer.response.parts
    assert first.status == "fallback" and second.status == "answer"
    second_text = answer.reply.text.split("2.", 1)[1]
    assert "Amerika" in second_text and "kecamatan" not in second_text


def test_an_unanswerable_part_says_so_for_that_part(assistant: Assistant) -> None:
    answer = assistant.ask("Berapa jumlah UKM di Tangsel? Terus harga batiknya berapa?")
    first, second = answer.response.parts
    assert first.status == "answer" and second.status == "fallback"
    assert answer.response.status == "answer"
    assert "15.000" in answer.reply.text and "Harga produk" in answer.reply.text
    assert answer.response.unanswered == (second,)  # that part goes to the staff inbox


def test_ten_questions_answer_three_and_ask_for_the_rest_separately(
    assistant: Assistant,
) -> None:
    questions = [
        "Berapa jumlah UKM di Tangsel?",
        "Kerupuk Serpong diekspor ke mana?",
        "Siapa kepala dinas koperasi Tangsel?",
        "Di mana lokasi Cipta Karya Sejahtera?",
        "Berapa anggota Cipta Karya?",
        "Berapa helai batik sebulan?",
        "Apa manfaat ikut kelompok batik?",
        "Siapa Maulini Zeda?",
        "Berita ini dari mana?",
        "Apa fokus dinas ke depan?",
    ]
    text = " ".join(questions)
    text += " " + "Saya sedang menulis laporan untuk rapat di kantor kelurahan. " * 70
    text = text[:4000]  # Telegram's limit is 4,096 characters
    assert len(text) == 4000
    answer = assistant.ask(text)
    assert len(answer.response.parts) == MAX_PARTS
    assert answer.response.more == len(questions) - MAX_PARTS
    assert "kirim pertanyaan itu terpisah" in answer.reply.text
    assert "15.000" in answer.reply.text and "China" in answer.reply.text


@pytest.mark.parametrize(
    ("text", "answered", "honest"),
    [
        (
            "Kain batik Tangsel dijual ke negara mana? Terus berapa kontainer sebulan?",
            "Amerika",
            "volume",
        ),
        (
            "Kelompok Cipta Karya itu di mana alamatnya? Akun Instagram pengurusnya apa?",
            "Pondok Cabe Udik",
            "media sosial",
        ),
        (
            "Siapa ketua forum PAUD yang disebut di berita? Sekarang masih ketua gak?",
            "Maulini Zeda",
            "sekarang",
        ),
    ],
)
def test_a_question_the_report_cannot_answer_leaves_the_first_answered(
    assistant: Assistant, text: str, answered: str, honest: str
) -> None:
    """The second question names what the report lacks; the first, complete on its own,
    keeps its answer, and the second gets the honest reply."""
    answer = assistant.ask(text)
    first, second = answer.response.parts
    assert first.status == "answer" and second.status == "fallback"
    assert answered in answer.reply.text and honest in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Siapa kepala dinasnya, dan email serta alamat kantornya apa?",
        "Kepala dinas koperasi siapa namanya? Alamat email dan nomor telepon kantornya?",
    ],
)
def test_a_complete_first_question_keeps_its_answer_beside_an_unanswerable_one(
    assistant: Assistant, text: str
) -> None:
    # Short and without a subject of its own, but pointing at nothing: it is complete,
    # though the two read as one name what the report lacks (a contact).
    answer = assistant.ask(text)
    first, second = answer.response.parts
    assert first.status == "answer" and "Ismunandar" in answer.reply.text
    assert second.status == "fallback"


def test_a_first_question_only_the_second_explains_gets_the_honest_reply(
    assistant: Assistant,
) -> None:
    # "who owns it" is not in the report either: answering the export would be wrong.
    answer = assistant.ask("Pabrik kerupuk Serpong itu milik siapa? Mereknya apa?")
    assert answer.response.status != "answer"
    assert "pemilik" in answer.reply.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gimana caranya ikut pelatihan dari pemkot?", "answer"),  # who it is for: answered
        ("prosedur daftar pelatihan ukm pemkot gimana?", "fallback"),  # the sign-up: not
        ("What are the steps to register for the city's SME workshop?", "fallback"),
    ],
)
def test_joining_the_training_is_answered_signing_up_is_not(
    assistant: Assistant, text: str, expected: str
) -> None:
    assert assistant.ask(text).response.status == expected


# -- narrowed questions and false premises ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ukm di ciputat doang ada brp?", "per kecamatan"),
        ("Di Kecamatan Serpong sendiri ada berapa UKM?", "per kecamatan"),
        ("Berapa jumlah anggota laki-laki di UKM Cipta Karya?", "jenis kelamin"),
        ("Berapa banyak UKM di Tangsel yang bangkrut tahun 2010?", "Berita tidak"),
        ("Kapan kerupuk Serpong mulai diekspor ke China?", "tidak ada di berita"),
        ("Motif batik apa yang dibuat ibu-ibu Cipta Karya?", ""),
        ("Kenapa ekspor kerupuk Tangsel ke China akhirnya dihentikan?", ""),
        ("Ada lowongan kerja di pabrik kerupuk Serpong?", ""),
        # A when needs a time, a where a place, a how-many an amount (not a year or a rank).
        ("Workshop UKM dari pemkot itu digelar tanggal berapa?", "Jadwal"),
        ("When will the city hold the SME workshops?", ""),
        ("Pelatihan dari pemkot nanti diadakan di gedung apa?", ""),
        ("Di Ciputat ada berapa pelaku UKM?", "per kecamatan"),
        ("Setu punya berapa UKM?", "per kecamatan"),
    ],
)
def test_a_narrower_question_is_not_answered_with_a_broader_fact(
    assistant: Assistant, text: str, says: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status != "answer"
    assert says in answer.reply.text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # A product the answer does not speak of, or a false premise about one.
        ("Kalau sepatu kulit dari Tangsel, diekspor ke negara mana?", "produk itu"),
        ("Apakah Cipta Karya juga bikin kerupuk?", "produk itu"),
        # A shop, a finer place than the answer gives, a flavour.
        ("Kain batik dari Tangsel itu dijual di toko apa di Amerika?", ""),
        ("Pabrik kerupuk itu tepatnya di desa apa?", ""),
        ("Pabrik kerupuk Serpong itu di kelurahan mana?", "serinci"),
        ("Kerupuk yang laku di China itu varian rasa apa saja?", ""),
        # Women, or now: counts the report does not give.
        ("Ada berapa perempuan pengusaha UKM di Tangsel?", "jenis kelamin"),
        ("how many women work at the batik group?", "gender"),
        ("Anggota Cipta Karya sekarang ada berapa orang?", "terbaru"),
        # When it began, and whether someone still holds the post.
        ("Kelompok Cipta Karya itu dibentuk tahun berapa?", ""),
        ("Ketua forum PAUD Tangsel sekarang siapa? masih Bu Maulini?", ""),
    ],
)
def test_what_the_answer_does_not_speak_of_is_not_answered(
    assistant: Assistant, text: str, says: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status != "answer"
    assert says in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        # A choice between things the answer names none of, in the question or in a
        # sentence of its own after it.
        "Ibu-ibu Cipta Karya bikin batiknya pakai apa? canting, cap, atau printing?",
        "Kerupuk Serpong yang ke China itu kerupuk udang atau kerupuk ikan?",
        "Kerupuk yang ke China itu dikirimnya gimana? pakai kapal atau pesawat?",
    ],
)
def test_a_choice_the_answer_does_not_make_is_not_answered(
    assistant: Assistant, text: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "fallback"
    assert len(answer.response.parts) == 1  # the things offered belong to the question


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Anggota Cipta Karya kebanyakan ibu-ibu atau bapak-bapak?", "ibu rumah tangga"),
        ("Yang dibina dinas tahun 2011 itu 411 atau 2.110?", "411"),
        ("Batik Cipta Karya dibuat di Pamulang atau di Serpong?", "Pamulang"),
    ],
)
def test_a_choice_the_answer_makes_is_answered(assistant: Assistant, text: str, says: str) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and says in answer.reply.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The forum is only the title of who explained the group: what it does is not in
        # the report; what the group does is.
        ("Forum PAUD itu aktivitasnya ngapain aja?", "fallback"),
        ("What activities does the PAUD forum run?", "fallback"),
        ("Cipta Karya kegiatannya apa aja?", "answer"),
        # The weather, with a subject of the report in the story around it.
        ("Lusa di Pamulang mendung nggak ya? mau jemur kain batik", "fallback"),
    ],
)
def test_what_someone_does_must_be_what_the_answer_describes(
    assistant: Assistant, text: str, expected: str
) -> None:
    assert assistant.ask(text).response.status == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # A shop of any kind, a line of business, a country named by its adjective.
        ("Batik Tangsel bisa dibeli di minimarket mana di Amerika?", "toko"),
        ("Which supermarket in the US sells the batik?", "shop"),
        ("Dari 15 ribu pelaku UKM, berapa yang usaha kuliner?", ""),
        ("Berapa UKM binaan dinas yang sektor jasa?", "bidang usaha"),
        ("How many of the city's SMEs are culinary businesses?", ""),
        ("Is the batik sold to Japanese buyers?", ""),
    ],
)
def test_a_shop_a_sector_or_another_country_is_not_answered(
    assistant: Assistant, text: str, says: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "fallback"
    assert says in answer.reply.text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # What "apa"/"mana" asks for is a thing the answer never names: a state of the
        # US, an organiser, a building. The resident reads what the report does say.
        ("Batik dari Tangsel dijual di negara bagian mana di Amerika?", "Amerika"),
        ("Acara MTQ itu diadakan oleh lembaga apa?", "MTQ"),
        ("Pemkot mau bikin pelatihan di gedung apa?", "pelatihan"),
        # A count narrowed by a relative clause the answer does not speak of.
        ("Berapa pelaku UKM Tangsel yang sudah punya toko online?", "15.000"),
        # A name the answer does not give: the office's plans are not the group's.
        ("Apa fokus Cipta Karya ke depan?", "fokus"),
    ],
)
def test_what_is_asked_for_must_be_what_the_answer_speaks_of(
    assistant: Assistant, text: str, says: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status != "answer"
    assert says in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Berapa UKM yang ada di Pondok Cabe Udik?",
        "Pondok Cabe Udik ada berapa usaha kecil?",
        "How many small businesses are there in Pondok Cabe Udik?",
    ],
)
def test_a_count_of_something_else_is_not_answered_with_the_groups_members(
    assistant: Assistant, text: str
) -> None:
    # The group's answer gives 800 members there; the question counts SMEs, which the
    # report gives only for the whole city.
    answer = assistant.ask(text)
    assert answer.response.status == "fallback"
    assert "15" in answer.reply.text and "800" not in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Penutupan MTQ ke-VIII tingkat Provinsi Banten itu di lapangan mana?",
        "MTQ tingkat provinsi yang disebut di berita itu yang ke berapa?",
    ],
)
def test_the_provincial_level_names_the_event_not_another_region(
    assistant: Assistant, text: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and "Pondok Aren" in answer.reply.text


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        # The word asked for is one the answer accounts for: a name it gives, a place
        # it names, what it counts.
        ("Kelompok batik Pamulang itu namanya apa?", "Cipta Karya"),
        ("Which part of South Tangerang is the batik group in?", "Pondok Cabe Udik"),
        ("Berapa UKM yang dibina dinas tahun 2011?", "411"),
        ("yg dibina dinas thn 2011 ada brp biji?", "411"),
        ("Pelatihan jenis apa yang disiapkan pemkot?", "workshop"),  # what sort: any
        # Who told the reporter is part of every answer of theirs.
        ("Menurut Pak Ismunandar, batik Tangsel laku di negara mana?", "Amerika"),
    ],
)
def test_what_is_asked_for_that_the_answer_gives_is_answered(
    assistant: Assistant, text: str, fact: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and fact in answer.reply.text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Saya jualan keripik di Serpong. Kerupuk Serpong diekspor ke mana?", "China"),
        ("Cipta Karya ada di kelurahan apa?", "Pondok Cabe Udik"),
        ("jumlah ukm tangsel sekarang berapa?", "15.000"),  # the report's own "now"
        ("Kalau ada yang pesan batik banyak, sebulan kelompok itu sanggup bikin berapa?", "500"),
        ("How many members does the group have, and are they mostly housewives?", "800"),
    ],
)
def test_what_the_answer_does_speak_of_is_answered(
    assistant: Assistant, text: str, says: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and says in answer.reply.text


@pytest.mark.parametrize(
    "text",
    [
        # The asker's own place, asked about ("di kelurahan kami", "di daerah kami").
        "Saya tinggal di Rempoa. Di kelurahan kami ada kelompok kerajinan seperti itu juga?",
        "Saya ketua RT di Serua. Apakah di daerah kami ada UKM binaan, dan berapa jumlahnya?",
        # Another place than the report's, next to it.
        "Selain di Pondok Cabe Udik, di Pondok Cabe Ilir ada kelompok batik juga?",
    ],
)
def test_is_there_one_here_too_is_not_answered_with_the_reports_one(
    assistant: Assistant, text: str
) -> None:
    answer = assistant.ask(text)
    assert all(p.status != "answer" for p in answer.response.parts)


def test_a_narrowed_count_still_gives_what_the_report_says(assistant: Assistant) -> None:
    answer = assistant.ask("ukm di pamulang ada brp?")
    assert answer.response.status == "fallback" and answer.decision.reason == "narrower"
    assert "per kecamatan" in answer.reply.text and "15.000" in answer.reply.text
    assert "800" not in answer.reply.text  # not the group's members


@pytest.mark.parametrize(
    "text",
    [
        "Saya tinggal di Ciputat, kelompok batiknya di mana?",
        "Saya jualan kue di Pamulang, ada pelatihan dari pemkot gak ya?",
        "I run a small food stall in Serpong. Is there any training for SMEs?",
        "Apakah benar UKM Cipta Karya Sejahtera berlokasi di Serpong?",
    ],
)
def test_the_askers_own_place_is_no_restriction(assistant: Assistant, text: str) -> None:
    assert assistant.ask(text).response.status == "answer"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Beritanya terbit tahun berapa?", "2011"),
        ("Penutupan MTQ itu MTQ ke berapa?", "ke-8"),
        ("Kapan kepala dinas ngomong ke wartawan?", "Jumat"),
        ("Where was the head of office when he talked to reporters?", "Pondok Aren"),
        ("Produksi batiknya 500 helai itu per bulan apa per tahun?", "500"),
    ],
)
def test_a_year_a_rank_or_a_day_answers_when_and_which(
    assistant: Assistant, text: str, says: str
) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and says in answer.reply.text


def test_who_makes_the_batik_is_the_group_not_who_spoke(assistant: Assistant) -> None:
    answer = assistant.ask("siapa yg bikin batik di pamulang")
    assert answer.response.status == "answer"
    assert answer.reply.text.startswith("Cipta Karya Sejahtera")


# -- regional Indonesian ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Saha nu jadi kapala dinas koperasi Tangsel?", "Ismunandar"),  # Sundanese
        ("Sabaraha urang anggota UKM Cipta Karya teh?", "800"),
        ("Sopo sing nerangke babagan UKM Cipta Karya?", "Zeda"),  # Javanese
        ("Saben sasi iso nggawe kain batik pira lembar?", "500"),
        ("Aye mau nanya, pelaku UKM di Tangsel ade berape?", "15.000"),  # Betawi
        ("Kenape ibu-ibu dirangkul bikin batik? Ape untungnye?", "keluarga"),
        # The words around the question word, each a family of forms: Sundanese with or
        # without its marked vowels ("téh", "badé"), Javanese krama, Betawi.
        ("Pami kelompok nu ngadamel batik di Pamulang, naon namina?", "Cipta Karya"),
        ("Kelompok batik Pamulang téh aya sabaraha anggotana?", "800"),
        ("Sinten nami kepala dinas koperasi Tangsel?", "Ismunandar"),
        ("Pemkot badhe ngawontenaken menapa kangge pelaku UKM?", "pelatihan"),
        ("Batik ame baju dari Tangsel ude dijual ke negara mane aje?", "Amerika"),
    ],
)
def test_regional_question_words(assistant: Assistant, text: str, fact: str) -> None:
    answer = assistant.ask(text)
    assert answer.response.status == "answer" and fact in answer.reply.text


# -- follow-ups -------------------------------------------------------------------------


def test_a_follow_up_reads_the_conversation(assistant: Assistant) -> None:
    chat = Conversation()
    first = assistant.ask("UKM batik yang anggotanya ibu-ibu di Tangsel namanya apa?", chat)
    assert "Cipta Karya" in first.reply.text
    where = assistant.ask("di mana tuh?", chat)
    assert where.response.status == "answer" and "Pondok Cabe Udik" in where.reply.text
    members = assistant.ask("anggotanya berapa?", chat)
    assert "800" in members.reply.text


def test_a_follow_up_between_two_close_entries_takes_the_one_of_the_topic_before(
    assistant: Assistant,
) -> None:
    """After the batik group's name, "where exactly?" asks where the group is, not where
    the batik is sold, though both entries speak of batik and of where."""
    chat = Conversation()
    assistant.ask("Kelompok ibu-ibu pembatik di Pamulang itu namanya apa?", chat)
    where = assistant.ask("di mana persisnya?", chat)
    assert where.response.status == "answer" and "Pondok Cabe Udik" in where.reply.text


def test_kalau_x_asks_the_same_about_another_subject(assistant: Assistant) -> None:
    chat = Conversation()
    assistant.ask("Kain batik UKM Tangsel dijual sampai ke negara mana?", chat)
    crackers = assistant.ask("kalau kerupuknya?", chat)
    assert crackers.decision.entry is not None
    assert crackers.decision.entry.id == "ekspor-kerupuk"


def test_kalau_di_a_place_narrows_the_question_before(assistant: Assistant) -> None:
    chat = Conversation()
    assistant.ask("Berapa jumlah UKM di Tangsel?", chat)
    answer = assistant.ask("kalau di Pamulang aja?", chat)
    assert answer.response.status == "fallback"
    assert "per kecamatan" in answer.reply.text and "800" not in answer.reply.text


def test_the_city_named_in_a_follow_up_replaces_another_city(assistant: Assistant) -> None:
    chat = Conversation()
    assistant.ask("Apakah UKM di Bogor juga ada yang tembus ekspor?", chat)
    answer = assistant.ask("kalau yang di Tangerang Selatan?", chat)
    assert answer.response.status == "answer" and "China" in answer.reply.text


def test_a_follow_up_trap_is_not_answered(assistant: Assistant) -> None:
    chat = Conversation()
    assistant.ask("Kerupuk Tangsel diekspor ke mana?", chat)
    assert assistant.ask("pabriknya namanya apa?", chat).response.status != "answer"


@pytest.mark.parametrize(
    ("first", "then", "says"),
    [
        # What the follow-up asks for (names, a phone number, the winner, the reporter)
        # is nothing the entry before speaks of, nor the entry context pulls it to.
        ("Berapa UKM yang dibina dinas tahun 2011?", "namanya siapa aja?", "411"),
        ("Berapa UKM yang dibina dinas tahun 2011?", "nama-nama UKM-nya apa aja?", "411"),
        ("Siapa kepala dinas koperasi Tangsel?", "nomor hapenya ada?", "nomor telepon"),
        ("Di acara apa kepala dinas diwawancara?", "yang menang siapa?", "juaranya"),
        ("Where did the office head talk to the press?", "who won?", "results"),
        ("Dari mana sumber berita ini?", "siapa wartawan yang nulis?", ""),
    ],
)
def test_a_follow_up_asking_what_the_entry_before_lacks_gets_the_honest_reply(
    assistant: Assistant, first: str, then: str, says: str
) -> None:
    chat = Conversation()
    assert assistant.ask(first, chat).response.status == "answer"
    answer = assistant.ask(then, chat)
    assert answer.response.status == "fallback"
    assert says in answer.reply.text


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("Produk apa saja yang sudah diekspor?", "berapa banyak yang terjual?"),
        ("Which goods went abroad?", "how much of it was sold?"),
    ],
)
def test_how_much_was_sold_is_not_answered_by_how_many_products(
    assistant: Assistant, first: str, then: str
) -> None:
    chat = Conversation()
    assert assistant.ask(first, chat).response.status == "answer"
    assert assistant.ask(then, chat).response.status == "fallback"


@pytest.mark.parametrize(
    ("then", "says"),
    [
        ("who said so?", "Ismunandar"),  # not the honest reply about how to export
        ("and where did he say that?", "Pondok Aren"),  # the occasion, not the exports
    ],
)
def test_who_said_it_and_where_follow_the_exports(
    assistant: Assistant, then: str, says: str
) -> None:
    chat = Conversation()
    assistant.ask("Which products reached foreign markets?", chat)
    answer = assistant.ask(then, chat)
    assert answer.response.status == "answer" and says in answer.reply.text


@pytest.mark.parametrize("then", ["siapa yang mengedit?", "who edited it?"])
def test_who_edited_the_report_is_answered_who_reported_it_is_not_the_editor(
    assistant: Assistant, then: str
) -> None:
    chat = Conversation()
    assistant.ask("Dari mana sumber berita ini?", chat)
    answer = assistant.ask(then, chat)
    assert answer.response.status == "answer" and "Kunto Wibisono" in answer.reply.text


def test_a_count_for_now_after_one_for_2010_is_not_answered(assistant: Assistant) -> None:
    chat = Conversation()
    first = assistant.ask("berapa anggota kelompok batik Pamulang tahun 2010?", chat)
    assert first.response.status == "answer" and "800" in first.reply.text
    later = assistant.ask("kalau sekarang berapa?", chat)
    assert later.response.status != "answer"


@pytest.mark.parametrize(
    ("turns", "says"),
    [
        (["Kerupuk Serpong kuwi payu ning negara endi?", "lha kain batike?"], "Amerika"),
        (["Where is the batik group?", "who told reporters about it?"], "Maulini Zeda"),
        (["What does the batik group make?", "how many SME owners in the entire city?"], "15,000"),
    ],
)
def test_follow_ups_in_regional_or_plain_words(
    assistant: Assistant, turns: list[str], says: str
) -> None:
    chat = Conversation()
    for text in turns:
        answer = assistant.ask(text, chat)
    assert answer.response.status == "answer" and says in answer.reply.text


@pytest.mark.parametrize("place", ["Pondok Aren", "Serpong"])
def test_a_follow_up_narrowed_to_a_place_gives_the_citys_figure(
    assistant: Assistant, place: str
) -> None:
    """ "and there alone?" asks the count before it, for a place: the report gives only the
    city's, which is what the reply shows (not the event held there, nor the factory)."""
    chat = Conversation()
    assistant.ask("How many small businesses are there in South Tangerang?", chat)
    answer = assistant.ask(f"and in {place} alone?", chat)
    assert answer.response.status == "fallback" and answer.decision.reason == "narrower"
    assert "15,000" in answer.reply.text or "15.000" in answer.reply.text
    assert "MTQ" not in answer.reply.text


def test_a_request_verb_is_no_subject_the_story_gives_it(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Kami pengurus PKK sedang membuat buletin. Katanya ribuan usaha kecil dibina "
        "dinas koperasi tahun 2011. Tolong sebutkan angkanya."
    )
    assert answer.response.status == "answer" and "411" in answer.reply.text


def test_a_full_question_on_a_new_subject_starts_afresh(assistant: Assistant) -> None:
    chat = Conversation()
    assistant.ask("Berapa anggota Cipta Karya Sejahtera?", chat)
    answer = assistant.ask("Kerupuk Serpong diekspor ke negara mana?", chat)
    assert answer.decision.entry is not None and answer.decision.entry.id == "ekspor-kerupuk"


def test_no_stale_context_after_the_window(assistant: Assistant) -> None:
    clock = Clock()
    chat = Conversation(clock)
    assistant.ask("UKM batik yang anggotanya ibu-ibu di Tangsel namanya apa?", chat)
    assert "Pondok Cabe" in assistant.ask("di mana tuh?", chat).reply.text
    clock.now += 21 * 60  # Dialogflow's 20 minutes have passed
    assert not chat.recent()
    assert "Pondok Cabe" not in assistant.ask("di mana tuh?", chat).reply.text


def test_context_keeps_the_last_five_turns() -> None:
    chat = Conversation(Clock())
    for i in range(7):
        chat.remember(frozenset({f"w{i}"}), (), "id")
    assert [next(iter(t.topic)) for t in chat.recent()] == ["w6", "w5", "w4", "w3", "w2"]


def test_two_askers_in_one_group_never_cross(assistant: Assistant) -> None:
    chats = Conversations(Clock())
    group = -100123
    assistant.ask("Kerupuk Tangsel diekspor ke mana?", chats((group, 1)))
    assistant.ask("UKM batik ibu-ibu di Pamulang namanya apa?", chats((group, 2)))
    alice = assistant.ask("siapa yang bilang?", chats((group, 1)))
    bob = assistant.ask("siapa yang bilang?", chats((group, 2)))
    assert "Ismunandar" in alice.reply.text and "Zeda" not in alice.reply.text
    assert "Zeda" in bob.reply.text


def test_conversations_are_bounded() -> None:
    chats = Conversations(Clock(), limit=3)
    first = chats(1)
    for key in (2, 3, 4):
        chats(key)
    assert len(chats) == 3
    assert chats(1) is not first  # the least recently used was forgotten
