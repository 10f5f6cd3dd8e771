"""End to end, a question to the office is a tracked request: its number and the promised
time (a frozen clock: Friday 15:55, Saturday, a holiday eve), /pertanyaansaya, one reminder
per card past the target, one vote on a staff answer, the figures, restarts and erasure."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.announcement import JAKARTA
from bot.assistant import Assistant
from bot.chart import unknown_characters
from bot.cli import main
from bot.context import BotApplication
from bot.service_desk import collect_desk_stats, percentile
from bot.storage import Storage
from tests.conftest import ADMIN_ID, BotStarter, stop_bot
from tests.fake_bot_api import FakeBotAPI, JSONDict

STAFF_GROUP = -100500
ANA, BUDI, EMMA = 41, 42, 43  # Emma's Telegram is in English
KUR = "Berapa bunga KUR untuk modal usaha warung saya?"
PASAR = "kapan pasar malam dibuka?"
HOUR = 3600.0


def wib(month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=JAKARTA).timestamp()


FRIDAY_1555 = wib(3, 6, 15, 55)
SATURDAY = wib(3, 7, 10, 0)
NYEPI_EVE = wib(3, 18, 15, 0)  # Wednesday; Thursday 19 March 2026 is Nyepi


def setup(fake: FakeBotAPI) -> None:
    fake.user(ADMIN_ID, "Petugas Rina")
    fake.private_chat(ADMIN_ID)
    fake.group(
        STAFF_GROUP, "Staf UKM", "supergroup", admins=[ADMIN_ID], bot_status="administrator"
    )
    fake.user(ANA, "Ana")
    fake.user(BUDI, "Budi")
    fake.user(EMMA, "Emma", language_code="en")
    for user in (ANA, BUDI, EMMA):
        fake.private_chat(user)


async def start(start_bot: BotStarter, at: float, **env: str) -> BotApplication:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP), **env)
    set_clock(app, at)
    return app


def set_clock(app: BotApplication, at: float) -> None:
    app.bot_data.services.now = lambda: at


async def ask(fake: FakeBotAPI, user: int, text: str) -> JSONDict:
    count = len(fake.sent(user)) + 1
    fake.send_text(user, None, text)
    return (await fake.wait_for_sent(user, count=count))[-1]


# -- the number and the promise ------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "closed", "promised"),
    [
        # Open: eight working hours on, over the weekend.
        (FRIDAY_1555, "", "Petugas kami menjawab paling lambat Senin, 9 Maret pukul 15.55 WIB."),
        # Closed: after the office opens on Monday, at the latest Monday afternoon.
        (
            SATURDAY,
            "",
            "Kantor sedang tutup; petugas akan menjawab setelah kantor buka, Senin, 9 Maret "
            "pukul 08.00 WIB (paling lambat Senin, 9 Maret pukul 16.00 WIB).",
        ),
        # The day before a holiday: one hour on Wednesday, seven on Friday.
        (NYEPI_EVE, "2026-03-19", "paling lambat Jumat, 20 Maret pukul 15.00 WIB."),
    ],
)
async def test_a_question_to_the_office_gets_a_number_and_a_time_that_keeps_office_hours(
    fake: FakeBotAPI, start_bot: BotStarter, at: float, closed: str, promised: str
) -> None:
    setup(fake)
    await start(start_bot, at, OFFICE_CLOSED_DATES=closed)
    reply = await ask(fake, ANA, KUR)
    assert "teruskan ke petugas" in reply["text"]
    assert "No. #UKM-0001" in reply["text"]
    assert promised in reply["text"]
    assert "/pertanyaansaya" in reply["text"]


async def test_the_promise_in_english_and_a_second_number_for_a_second_resident(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    await start(start_bot, SATURDAY)
    await ask(fake, ANA, KUR)
    reply = await ask(fake, EMMA, "What is the interest rate of KUR loans for my stall?")
    assert "No. #UKM-0002" in reply["text"]
    assert (
        "The office is closed now; staff will answer after it opens, Monday 9 March, 08:00 WIB "
        "(by Monday 9 March, 16:00 WIB at the latest)." in reply["text"]
    )
    assert "/myquestions" in reply["text"]


async def test_two_questions_for_the_office_in_one_message_are_two_requests(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    app = await start(start_bot, FRIDAY_1555)
    reply = await ask(
        fake, ANA, "Berapa bunga KUR untuk modal usaha? Terus kapan pasar malam dibuka?"
    )
    assert "No. #UKM-0001, #UKM-0002" in reply["text"]
    assert "paling lambat Senin, 9 Maret pukul 15.55 WIB" in reply["text"]
    assert app.bot_data.services.storage.count_requests_of(ANA) == 2


async def test_a_thumbs_down_is_a_request_too_and_pressing_it_again_opens_no_second(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    app = await start(start_bot, FRIDAY_1555)
    answer = await ask(fake, ANA, "berapa jumlah ukm di tangsel?")
    data = dict(fake.buttons(answer))["👎 Tidak membantu"] or ""
    fake.press(ANA, answer, data)
    fake.press(ANA, answer, data)  # a second tap before the buttons go
    await fake.wait_until(lambda: len(fake.callback_answers) == 2, what="both taps answered")
    sorry = [t for t in fake.sent_texts(ANA) if "teruskan ke petugas" in t]
    assert sorry and all("No. #UKM-0001" in t for t in sorry)
    assert "Senin, 9 Maret pukul 15.55 WIB" in sorry[0]
    assert app.bot_data.services.storage.count_requests_of(ANA) == 1


# -- /pertanyaansaya ------------------------------------------------------------------------


async def test_my_questions_shows_each_request_its_state_and_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    app = await start(start_bot, FRIDAY_1555)
    empty = await ask(fake, ANA, "/pertanyaansaya")
    assert "belum pernah mengirim pertanyaan" in empty["text"]
    await ask(fake, ANA, KUR)
    await ask(fake, ANA, PASAR)
    await ask(fake, ANA, "jam berapa kantor pos buka?")
    kur_card, _, pos_card = await fake.wait_for_sent(STAFF_GROUP, count=3)
    set_clock(app, wib(3, 9, 9, 0))  # Monday morning: the staff answer
    fake.send_text(ADMIN_ID, STAFF_GROUP, "Bunga KUR 6% setahun, tanya bank penyalur.", kur_card)
    await fake.wait_until(
        lambda: any("membantu?" in t for t in fake.sent_texts(ANA)), what="the answer"
    )
    fake.press(ADMIN_ID, pos_card, dict(fake.buttons(pos_card))["🙈 Abaikan"] or "")
    await fake.wait_until(lambda: "Diabaikan" in fake.current(pos_card)["text"], what="ignored")
    listing = await ask(fake, ANA, "/pertanyaansaya")
    text = listing["text"]
    # Newest first: the closed one, the waiting one with its due time, the answered one.
    assert text.index("No. #UKM-0003") < text.index("No. #UKM-0002") < text.index("UKM-0001")
    waiting = text[text.index("No. #UKM-0002") : text.index("No. #UKM-0001")]
    assert PASAR in waiting and "Menunggu jawaban petugas, paling lambat Senin, 9 Maret" in waiting
    answered = text[text.index("No. #UKM-0001") :]
    assert "Dijawab Senin, 9 Maret pukul 09.00 WIB" in answered
    assert "Bunga KUR 6% setahun" in answered
    assert "Ditutup tanpa jawaban" in text[: text.index("No. #UKM-0002")]
    # In a group, a resident's questions are not read out.
    group = fake.group(-300, "Warga RT 05", members=[ANA])
    fake.send_text(ANA, group, "/pertanyaansaya")
    [refusal] = await fake.wait_for_sent(-300)
    assert "chat pribadi" in refusal["text"] and "UKM-0001" not in refusal["text"]


async def test_requests_survive_a_restart_and_are_erased_with_the_residents_data(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    app = await start(start_bot, FRIDAY_1555)
    await ask(fake, ANA, KUR)
    await stop_bot(app)
    app = await start(start_bot, FRIDAY_1555 + HOUR)
    listing = await ask(fake, ANA, "/myquestions")
    assert "No. #UKM-0001" in listing["text"] and KUR in listing["text"]
    summary = await ask(fake, ANA, "/hapusdata")
    fake.press(ANA, summary, dict(fake.buttons(summary))["🗑 Hapus semua data saya"] or "")
    await fake.wait_for_sent(ANA, count=len(fake.sent(ANA)) + 1)
    assert app.bot_data.services.storage.count_requests_of(ANA) == 0
    # A new question gets a new number: an erased one is never given again.
    assert "No. #UKM-0002" in (await ask(fake, ANA, PASAR))["text"]


def test_requests_older_than_the_retention_period_are_deleted() -> None:
    storage = Storage(":memory:")
    try:
        for day, question_id in ((200, 1), (10, 2)):
            storage.open_request(
                card_id=1,
                question_id=question_id,
                chat_id=5,
                chat_type="private",
                user_id=5,
                lang="id",
                text="q",
                asked_at=time.time() - day * 86400,
                due_at=time.time(),
            )
        assert storage.forget_requests(180) == 1
        assert [r.question_id for r in storage.requests_of(5)] == [2]
    finally:
        storage.close()


# -- staff: age, reminders, votes, figures -------------------------------------------------


async def test_a_card_past_the_target_gets_one_grouped_reminder(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    app = await start(start_bot, FRIDAY_1555)
    await ask(fake, ANA, KUR)
    await ask(fake, BUDI, PASAR)
    first, _ = await fake.wait_for_sent(STAFF_GROUP, count=2)
    assert "Umur: 0 jam kerja (target 8)" in first["text"]
    assert app.job_queue is not None
    [reminder_job] = app.job_queue.get_jobs_by_name("overdue cards")
    # Saturday and Sunday count for nothing: still no reminder on Monday at 08:00.
    set_clock(app, wib(3, 9, 8, 0))
    await reminder_job.run(app)
    set_clock(app, wib(3, 9, 15, 56))  # Monday 15:56: eight working hours and a minute
    await ask(fake, EMMA, "What is the interest rate of KUR loans for my stall?")  # not due yet
    await reminder_job.run(app)
    await reminder_job.run(app)  # nothing new: no second reminder for the same cards
    reminders = [t for t in fake.sent_texts(STAFF_GROUP) if "melewati target" in t]
    assert len(reminders) == 1
    assert "2 pertanyaan melewati target 8 jam kerja" in reminders[0]
    assert KUR in reminders[0] and PASAR in reminders[0]
    # /belumterjawab shows each card's age now.
    fake.send_text(ADMIN_ID, None, "/belumterjawab")
    _, *copies = await fake.wait_for_sent(ADMIN_ID, count=4)
    ages = {c["text"].split("“")[1].split("”")[0]: c["text"] for c in copies}
    assert "Umur: 8 jam kerja (target 8) · ⏰ lewat target" in ages[KUR]
    # The third card passes the target later: one reminder of its own.
    set_clock(app, wib(3, 10, 15, 57))
    await reminder_job.run(app)
    reminders = [t for t in fake.sent_texts(STAFF_GROUP) if "melewati target" in t]
    assert len(reminders) == 2 and "1 pertanyaan melewati target" in reminders[1]


async def test_the_resident_is_asked_once_whether_the_staff_answer_helped(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    app = await start(start_bot, FRIDAY_1555)
    await ask(fake, ANA, KUR)
    [card] = await fake.wait_for_sent(STAFF_GROUP)
    fake.send_text(ADMIN_ID, STAFF_GROUP, "Tanyakan ke bank penyalur KUR terdekat.", card)
    await fake.wait_until(
        lambda: any("membantu?" in t for t in fake.sent_texts(ANA)), what="the question"
    )
    vote = fake.sent(ANA)[-1]
    assert vote["text"] == "🙋 Apakah jawaban petugas membantu?"
    up = dict(fake.buttons(vote))["👍 Membantu"] or ""
    # One vote, however often she taps.
    fake.press(ANA, vote, up)
    fake.press(ANA, vote, up)
    await fake.wait_until(lambda: len(fake.callback_answers) == 2, what="both taps answered")
    alerts = sorted(str(a.get("text")) for a in fake.callback_answers.values())
    assert alerts == [
        "Penilaian untuk jawaban ini sudah tercatat (satu kali saja).",
        "Terima kasih! Penilaian Anda sudah tercatat.",
    ]
    await fake.wait_until(lambda: fake.buttons(fake.current(vote)) == [], what="buttons gone")
    [request] = app.bot_data.services.storage.requests_of(ANA)
    assert request.vote == 1 and request.status == "answered"
    assert request.response_hours == pytest.approx(0)  # answered at once (a frozen clock)


async def test_statistik_and_ukm_bot_stats_show_the_requests_per_week(
    fake: FakeBotAPI, start_bot: BotStarter, clean_env: Path
) -> None:
    setup(fake)
    app = await start(start_bot, FRIDAY_1555)
    storage = app.bot_data.services.storage
    # Four requests this week: answered after 2 and 10 working hours (votes 👍 and 👎), one
    # waiting, one set aside.
    for question_id, (status, hours, vote) in enumerate(
        (
            ("answered", 2.0, 1),
            ("answered", 10.0, 0),
            ("waiting", None, None),
            ("closed", None, None),
        ),
        start=1,
    ):
        request = storage.open_request(
            card_id=question_id,
            question_id=question_id,
            chat_id=ANA,
            chat_type="private",
            user_id=ANA,
            lang="id",
            text=f"q{question_id}",
            asked_at=FRIDAY_1555 - 2 * 86400,
            due_at=FRIDAY_1555,
        )
        if status == "answered" and hours is not None:
            storage.answer_request(
                request.id, at=FRIDAY_1555, by="Rina", answer="a", response_hours=hours
            )
            storage.vote_on_request(request.id, vote == 1)
        elif status == "closed":
            storage.close_requests(question_id, FRIDAY_1555, "Rina")
    desk = collect_desk_stats(storage, 8, FRIDAY_1555)
    week = desk.weeks[-1]
    assert (week.received, week.answered, week.waiting, week.closed) == (4, 2, 1, 1)
    assert (week.median_hours, week.p90_hours, week.on_time) == (6.0, 10.0, 1)
    assert week.within_target == pytest.approx(1 / 3) and week.satisfaction == 0.5
    fake.send_text(ADMIN_ID, None, "/statistik")
    text, _, chart = await fake.wait_for_sent(ADMIN_ID, count=3)
    assert "Permintaan ke petugas" in text["text"]
    assert (
        "Minggu 02/03: 4 masuk · 2 dijawab · 1 menunggu · 1 ditutup · respons pertama median "
        "6 jam kerja, p90 10 · tepat waktu 33% · puas 50% (👍 1 👎 1)" in text["text"]
    )
    assert chart["caption"] == "Permintaan ke petugas per minggu"
    upload = fake.calls_to("sendPhoto")[-1]
    assert next(iter(upload.files.values())).data.startswith(b"\x89PNG")
    await stop_bot(app)
    # The terminal shows the same figures (this week is another week there: the real clock).
    result = CliRunner().invoke(main, ["stats"], env={"DATABASE_PATH": str(storage.path)})
    assert result.exit_code == 0, result.output
    assert "Permintaan ke petugas (8 minggu, target 8 jam kerja)" in result.output


def test_the_request_chart_can_draw_every_legend(assistant: Assistant) -> None:
    renderer = assistant.renderer
    for outcome in ("on_time", "late", "waiting", "closed"):
        assert not unknown_characters(renderer.label(f"chart_request_{outcome}", "id"))


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert percentile([float(n) for n in range(1, 11)], 0.5) == 5.0
