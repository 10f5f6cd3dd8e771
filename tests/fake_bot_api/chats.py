"""Bot API methods about the bot itself, chats, members, command menus and files."""

from __future__ import annotations

from tests.fake_bot_api.model import Upload
from tests.fake_bot_api.protocol import (
    COMMAND_RE,
    LANGUAGE_CODE_RE,
    MAX_DESCRIPTION_LENGTH,
    MAX_SHORT_DESCRIPTION_LENGTH,
    ApiError,
    JSONDict,
    int_param,
    require,
)
from tests.fake_bot_api.state import FakeState


class Chats(FakeState):
    """getMe, getChat*, leaveChat, getFile, the bot's command menus per scope, and its
    descriptions per language."""

    async def _m_true(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """Methods the fake accepts and forgets (descriptions, pins, reactions, logOut)."""
        return True

    async def _m_get_me(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # -- command menus

    async def _m_set_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not COMMAND_RE.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _m_get_my_commands(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> list[JSONDict]:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return list(self._commands.get(key, []))

    async def _m_delete_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    # -- descriptions: what people see before they press Start, and on the profile

    def _language_code(self, params: JSONDict) -> str:
        code = str(params.get("language_code") or "")
        if code and not LANGUAGE_CODE_RE.match(code):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return code

    def _set_description(self, params: JSONDict, short: bool) -> bool:
        field = "short_description" if short else "description"
        limit = MAX_SHORT_DESCRIPTION_LENGTH if short else MAX_DESCRIPTION_LENGTH
        text = str(params.get(field) or "")
        code = self._language_code(params)
        if len(text) > limit:
            # Telegram documents the limit (0-512, 0-120 characters), not its wording.
            raise ApiError(400, f"Bad Request: {field.replace('_', ' ')} is too long")
        if text:
            self._descriptions[(short, code)] = text
        else:  # an empty text removes the description for that language
            self._descriptions.pop((short, code), None)
        return True

    async def _m_set_my_description(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        return self._set_description(params, short=False)

    async def _m_set_my_short_description(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> bool:
        return self._set_description(params, short=True)

    async def _m_get_my_description(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        code = self._language_code(params)
        return {"description": self._descriptions.get((False, code), "")}

    async def _m_get_my_short_description(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> JSONDict:
        code = self._language_code(params)
        return {"short_description": self._descriptions.get((True, code), "")}

    # -- chats

    async def _m_get_chat(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._resolve_chat(require(params, "chat_id"))
        info: JSONDict = {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat["type"] != "private":
            info["permissions"] = {"can_send_messages": True}
        return info

    def _member_status(self, chat: JSONDict, user_id: int) -> str:
        if user_id == self.bot_id:
            group = self._groups.get(chat["id"])
            return group.bot_status if group else "member"
        if chat["type"] == "private":
            return "member" if user_id == chat["id"] else "left"
        group = self._groups[chat["id"]]
        if user_id in group.kicked:
            return "kicked"
        if user_id == group.creator:
            return "creator"
        if user_id in group.admins:
            return "administrator"
        if user_id in group.members:
            return "member"
        return "left"

    async def _m_get_chat_member(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._resolve_chat(require(params, "chat_id"))
        user_id = int_param(params, "user_id")
        if user_id is None:
            raise ApiError(400, "Bad Request: user_id is empty")
        user = self.bot_user if user_id == self.bot_id else self._users.get(user_id)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        return self._chat_member_dict(user, self._member_status(chat, user_id))

    async def _m_get_chat_administrators(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> list[JSONDict]:
        chat = self._resolve_chat(require(params, "chat_id"))
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        group = self._groups[chat["id"]]
        result: list[JSONDict] = []
        if group.creator is not None and group.creator in self._users:
            result.append(self._chat_member_dict(self._users[group.creator], "creator"))
        for uid in sorted(group.admins):
            if uid in self._users:
                result.append(self._chat_member_dict(self._users[uid], "administrator"))
        if group.bot_status == "administrator":
            result.append(self._chat_member_dict(self.bot_user, "administrator"))
        return result

    async def _m_get_chat_member_count(self, params: JSONDict, files: dict[str, Upload]) -> int:
        chat = self._resolve_chat(require(params, "chat_id"))
        if chat["type"] == "private":
            return 2
        group = self._groups[chat["id"]]
        bot_in = group.bot_status in ("member", "administrator", "creator")
        return len(group.members) + (1 if bot_in else 0)

    async def _m_leave_chat(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._resolve_chat(require(params, "chat_id"))
        if chat["id"] in self._groups:
            self._groups[chat["id"]].bot_status = "left"
        return True

    async def _m_get_file(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        file = self._files.get(str(params.get("file_id") or ""))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": str(params["file_id"]),
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "file_path": file.path,
        }
