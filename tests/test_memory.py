"""The running bot's follow-up memory (bot/assistant.py Memory, Draft): whose context a
message reads, what an unsent answer leaves behind, edits, forgetting, and its bounds."""

from __future__ import annotations

from bot.assistant import Assistant, Memory

GROUP, OTHER_GROUP = -1001, -1002
ANA, BUDI = 41, 42
BATIK_GROUP = "UKM batik yang anggotanya ibu-ibu rumah tangga di Tangsel namanya apa?"
WHERE = "di mana tuh?"


def where_is_it(assistant: Assistant, memory: Memory, chat: int, user: int, group: bool) -> str:
    draft = memory.draft(chat, user, group)
    answer = assistant.ask(WHERE, draft)
    memory.keep(chat, 1, user, draft)
    return answer.reply.text


def asked(assistant: Assistant, memory: Memory, chat: int, user: int, group: bool) -> None:
    draft = memory.draft(chat, user, group)
    assistant.respond(BATIK_GROUP, draft)
    memory.keep(chat, 0, user, draft)


def test_each_asker_in_a_group_has_a_conversation_of_their_own(assistant: Assistant) -> None:
    memory = Memory()
    asked(assistant, memory, GROUP, ANA, group=True)
    assert "Pondok Cabe Udik" in where_is_it(assistant, memory, GROUP, ANA, group=True)
    assert "Pondok Cabe" not in where_is_it(assistant, memory, GROUP, BUDI, group=True)
    assert "Pondok Cabe" not in where_is_it(assistant, memory, OTHER_GROUP, ANA, group=True)
    assert "Pondok Cabe" not in where_is_it(assistant, memory, ANA, ANA, group=False)


def test_an_answer_never_committed_leaves_no_context(assistant: Assistant) -> None:
    memory = Memory()
    assistant.respond(BATIK_GROUP, memory.draft(GROUP, ANA, group=True))  # not sent
    assert "Pondok Cabe" not in where_is_it(assistant, memory, GROUP, ANA, group=True)


def test_the_window_closes_after_twenty_minutes(assistant: Assistant) -> None:
    now = [0.0]
    memory = Memory(clock=lambda: now[0])
    asked(assistant, memory, ANA, ANA, group=False)
    now[0] = 20 * 60 + 1
    assert "Pondok Cabe" not in where_is_it(assistant, memory, ANA, ANA, group=False)


def test_an_edit_reads_what_the_original_read_and_its_answer_joins_the_conversation(
    assistant: Assistant,
) -> None:
    memory = Memory()
    asked(assistant, memory, ANA, ANA, group=False)
    draft = memory.draft(ANA, ANA, group=False)
    assistant.respond("anggotanya berapa?", draft)
    memory.keep(ANA, 7, ANA, draft)  # message 7 was read after the batik group
    memory.conversations(ANA).forget()  # the live conversation moved on (or expired)
    edit = memory.redraft(ANA, 7, ANA, group=False)
    assert "Pondok Cabe Udik" in assistant.ask(WHERE, edit).reply.text
    edit.commit()
    assert memory.conversations(ANA).recent()  # the edit's answer is the newest turn
    # Another message, or somebody else's, was read with nothing.
    assert memory.redraft(ANA, 8, ANA, group=False).recent() == ()
    assert memory.redraft(ANA, 7, BUDI, group=False).recent() == ()


def test_forgetting_a_resident_forgets_every_chat_and_edit(assistant: Assistant) -> None:
    memory = Memory()
    for chat, group in ((ANA, False), (GROUP, True), (OTHER_GROUP, True)):
        asked(assistant, memory, chat, ANA, group)
        draft = memory.draft(chat, ANA, group)
        assistant.respond("anggotanya berapa?", draft)
        memory.keep(chat, 5, ANA, draft)
    asked(assistant, memory, GROUP, BUDI, group=True)
    memory.forget(ANA)
    for chat, group in ((ANA, False), (GROUP, True), (OTHER_GROUP, True)):
        assert memory.draft(chat, ANA, group).recent() == ()
        assert memory.redraft(chat, 5, ANA, group).recent() == ()
    assert memory.draft(GROUP, BUDI, group=True).recent()  # nobody else's


def test_memory_is_bounded() -> None:
    memory = Memory(limit=3)
    for user in range(10):
        first = memory.draft(GROUP, user, group=True)
        first.remember(frozenset({"batik"}), ("kelompok-profil",), "id")
        memory.keep(GROUP, 100 + user, user, first)
        memory.keep(GROUP, user, user, memory.draft(GROUP, user, group=True))  # reads `first`
    assert len(memory.conversations) == 3  # the least recently used are forgotten
    assert memory.draft(GROUP, 9, group=True).recent()
    assert memory.redraft(GROUP, 9, 9, group=True).recent()
    assert memory.redraft(GROUP, 0, 0, group=True).recent() == ()  # its edit context too
