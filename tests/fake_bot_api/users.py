"""What users do: send texts and media, edit, press buttons; raw updates for anything else."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from tests.fake_bot_api.entities import detect_entities
from tests.fake_bot_api.protocol import (
    SERVICE_FIELDS,
    ChatLike,
    JSONDict,
    MessageLike,
    UserLike,
    as_dict,
    strip_reply,
)
from tests.fake_bot_api.world import World


class UserActions(World):
    """Each action queues the update Telegram would send the bot."""

    def send_text(
        self,
        user: UserLike,
        chat: ChatLike | None,
        text: str,
        reply_to: MessageLike | int | None = None,
    ) -> JSONDict:
        """The user sends ``text`` (chat None = their private chat); returns the Message.

        Entities are added like Telegram does (bot_command, mention, hashtag, url, email; UTF-16
        offsets). In groups the update is only queued if the bot would get it in privacy mode
        (commands, replies to the bot, or everything when it is an admin or
        can_read_all_group_messages=True).
        """
        content: JSONDict = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user, chat, content, reply_to)

    def send_sticker(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        emoji: str = "👍",
        reply_to: MessageLike | int | None = None,
    ) -> JSONDict:
        file = self._new_file("sticker", None, 24_000)
        sticker = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": file.size,
        }
        return self._user_message(user, chat, {"sticker": sticker}, reply_to)

    def send_photo(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        caption: str | None = None,
        reply_to: MessageLike | int | None = None,
        *,
        data: bytes | None = None,
    ) -> JSONDict:
        file = self._new_file("photo", data, len(data) if data else 85_000)
        content: JSONDict = {"photo": self._photo_sizes(file)}
        self._add_caption(content, caption)
        return self._user_message(user, chat, content, reply_to)

    def send_voice(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        duration: int = 3,
        reply_to: MessageLike | int | None = None,
        *,
        data: bytes | None = None,
    ) -> JSONDict:
        file = self._new_file("voice", data, len(data) if data else 12_000)
        voice = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": file.size,
        }
        return self._user_message(user, chat, {"voice": voice}, reply_to)

    def send_location(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        latitude: float = -6.2886,
        longitude: float = 106.7179,
        reply_to: MessageLike | int | None = None,
    ) -> JSONDict:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user, chat, {"location": location}, reply_to)

    def send_document(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        file_name: str = "dokumen.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        reply_to: MessageLike | int | None = None,
        *,
        data: bytes | None = None,
    ) -> JSONDict:
        file = self._new_file("document", data, len(data) if data else 50_000)
        document = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file.size,
        }
        content: JSONDict = {"document": document}
        self._add_caption(content, caption)
        return self._user_message(user, chat, content, reply_to)

    def edit_text(self, message: MessageLike, new_text: str) -> JSONDict:
        """The author edits their text message: queues an edited_message update."""
        current = self._current_message(message)
        edited = {k: v for k, v in current.items() if k != "entities"}
        edited["text"] = new_text
        edited["edit_date"] = int(time.time())
        entities = detect_entities(new_text)
        if entities:
            edited["entities"] = entities
        self._messages[edited["chat"]["id"]][edited["message_id"]] = edited
        if self._delivers(edited):
            self._emit("edited_message", edited)
        return edited

    def press(self, user: UserLike, message: MessageLike, callback_data: str) -> JSONDict:
        """The user presses an inline button of a bot message; returns the CallbackQuery.

        The message must (still) carry a button with that callback_data, like in a real client.
        """
        current = self._current_message(message)
        datas = [
            button.get("callback_data")
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        if callback_data not in datas:
            raise AssertionError(
                f"message {current['message_id']} has no button with callback_data "
                f"{callback_data!r}; its buttons carry {datas!r}"
            )
        query_id = str(next(self._callback_counter))
        query: JSONDict = {
            "id": query_id,
            "from": self._users[self._user_id(user)],
            "message": current,
            "chat_instance": str(abs(hash(("chat_instance", current["chat"]["id"])))),
            "data": callback_data,
        }
        self._callback_queries[query_id] = (query, time.monotonic())
        self._emit("callback_query", query)
        return query

    def inline_query(
        self, user: UserLike, query: str, chat_type: str | None = "sender", offset: str = ""
    ) -> JSONDict:
        """The user types "@bot QUERY" in a chat; returns the InlineQuery queued for the bot.

        Telegram sends these only to bots with inline mode on (BotFather's /setinline:
        ``supports_inline_queries=True``). ``chat_type``: where it was typed ("sender" for the
        private chat with the bot, "private", "group", "supergroup", "channel").
        """
        if not self.supports_inline_queries:
            raise AssertionError(
                "inline mode is off for this bot (BotFather /setinline): create the fake with "
                "supports_inline_queries=True"
            )
        query_id = str(next(self._inline_counter))
        inline: JSONDict = {
            "id": query_id,
            "from": self._users[self._user_id(user)],
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        self._inline_queries[query_id] = (inline, time.monotonic())
        self._emit("inline_query", inline)
        return inline

    def choose_inline_result(
        self, user: UserLike, query: JSONDict, result_id: str, chat: ChatLike | None = None
    ) -> JSONDict | None:
        """The user picks one of the answered results: it is posted "via @bot" into ``chat``
        (returned; None without a chat), and the bot gets a chosen_inline_result update when
        inline feedback is on (BotFather's /setinlinefeedback: ``inline_feedback=True``)."""
        uid = self._user_id(user)
        results = self._inline_results.get(str(query["id"]), {})
        if result_id not in results:
            raise AssertionError(
                f"inline query {query['id']} has no answered result {result_id!r}; "
                f"it has {sorted(results)!r}"
            )
        chosen: JSONDict = {
            "result_id": result_id,
            "from": self._users[uid],
            "query": query["query"],
        }
        posted: JSONDict | None = None
        if chat is not None:
            chat_dict = self._chats[self._chat_id(chat)]
            fields: JSONDict = {
                "from": self._users[uid],
                "chat": chat_dict,
                "via_bot": self.bot_user,
            }
            fields.update(results[result_id])
            posted = self._store_message(fields)
            if "reply_markup" in posted:  # an inline message with buttons can be edited later
                chosen["inline_message_id"] = f"inline-{chat_dict['id']}-{posted['message_id']}"
        if self.inline_feedback:
            self._emit("chosen_inline_result", chosen)
        return posted

    def my_chat_member(
        self, user: UserLike, chat: ChatLike, old_status: str, new_status: str
    ) -> JSONDict:
        """The bot's status in a chat changed (e.g. user blocked it: member -> kicked).

        Updates the fake's state accordingly and queues the update; returns ChatMemberUpdated.
        """
        uid = self._user_id(user)
        chat_dict = self._chats[self._chat_id(chat)]
        if chat_dict["type"] == "private":
            if new_status in ("kicked", "left"):
                self._blocked.add(chat_dict["id"])
            elif new_status == "member":
                self._blocked.discard(chat_dict["id"])
        elif chat_dict["id"] in self._groups:
            self._groups[chat_dict["id"]].bot_status = new_status
        return self._emit_my_chat_member(uid, chat_dict, old_status, new_status)

    def push_update(self, update: Mapping[str, Any]) -> JSONDict:
        """Queue a raw update (update_id is assigned when missing; it must increase)."""
        upd = dict(update)
        kinds = [key for key in upd if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"an update has exactly one payload field, got {kinds!r}")
        if "update_id" in upd:
            if upd["update_id"] <= self._last_update_id:
                raise ValueError(
                    f"update_id {upd['update_id']} must be > last update_id {self._last_update_id}"
                )
            self._last_update_id = upd["update_id"] - 1
        self._enqueue(kinds[0], upd[kinds[0]])
        return upd

    def _user_message(
        self,
        user: UserLike,
        chat: ChatLike | None,
        content: JSONDict,
        reply_to: MessageLike | int | None,
    ) -> JSONDict:
        uid = self._user_id(user)
        if chat is None:
            chat_dict = self.private_chat(uid)
        else:
            chat_id = self._chat_id(chat)
            if chat_id == uid:
                chat_dict = self.private_chat(uid)
            elif chat_id in self._chats:
                chat_dict = self._chats[chat_id]
            else:
                raise KeyError(f"unknown chat {chat_id}; create it with fake.group(...)")
        group = self._groups.get(chat_dict["id"])
        if group is not None and uid not in group.kicked:
            group.members.add(uid)
        fields: JSONDict = {"from": self._users[uid], "chat": chat_dict}
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else as_dict(reply_to)["message_id"]
            replied = self._messages.get(chat_dict["id"], {}).get(reply_id)
            if replied is None:
                raise KeyError(f"message {reply_id} to reply to is not in chat {chat_dict['id']}")
            fields["reply_to_message"] = strip_reply(replied)
        fields.update(content)
        message = self._store_message(fields)
        if self._delivers(message):
            self._emit("message", message)
        else:
            self.filtered_group_messages += 1
        return message

    def _delivers(self, message: Mapping[str, Any]) -> bool:
        """Would a bot in privacy mode get this message? (private chats: always)."""
        chat = message["chat"]
        if chat["type"] == "private" or self.can_read_all_group_messages:
            return True
        group = self._groups.get(chat["id"])
        if group is not None and group.bot_status in ("administrator", "creator"):
            return True
        if group is not None and group.bot_status in ("left", "kicked"):
            return False
        if SERVICE_FIELDS.intersection(message):
            return True
        replied = message.get("reply_to_message")
        if replied and replied.get("from", {}).get("id") == self.bot_id:
            return True
        text = str(message.get("text", message.get("caption", "")))
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            if "@" in command:
                return command.split("@", 1)[1].lower() == self.bot_username.lower()
            return True
        return False

    def _add_caption(self, content: JSONDict, caption: str | None) -> None:
        if caption:
            content["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
