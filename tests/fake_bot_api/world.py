"""Building the world: users, private chats, groups, membership, blocking, migration."""

from __future__ import annotations

from collections.abc import Iterable

from tests.fake_bot_api.model import Group
from tests.fake_bot_api.protocol import ChatLike, JSONDict, UserLike
from tests.fake_bot_api.state import FakeState


class World(FakeState):
    """Create users and chats before (or while) the bot runs."""

    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "id",
        *,
        last_name: str | None = None,
        is_premium: bool | None = None,
    ) -> JSONDict:
        """Create (or update) a user; returns the Telegram ``User`` dict."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        if is_premium:
            user["is_premium"] = True
        self._users[user_id] = user
        if user_id in self._chats:
            self._chats[user_id] = self._private_chat_dict(user)
        return user

    def private_chat(self, user: UserLike) -> JSONDict:
        """The user's private chat with the bot (created on first use); returns a ``Chat``."""
        uid = self._user_id(user)
        chat = self._chats.get(uid)
        if chat is None:
            chat = self._private_chat_dict(self._users[uid])
            self._chats[uid] = chat
            username = self._users[uid].get("username")
            if username:
                self._chat_by_username[username.lower()] = uid
        return chat

    def group(
        self,
        chat_id: int,
        title: str,
        kind: str = "group",
        admins: Iterable[UserLike] = (),
        members: Iterable[UserLike] = (),
        *,
        creator: UserLike | None = None,
        bot_status: str = "member",
        username: str | None = None,
        is_forum: bool = False,
    ) -> JSONDict:
        """Create a group/supergroup the bot is in; returns the ``Chat`` dict.

        The creator defaults to the first admin; every admin and member is a member too.
        """
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"kind must be 'group', 'supergroup' or 'channel', not {kind!r}")
        if chat_id >= 0:
            raise ValueError("group chat ids are negative (supergroups: -100...)")
        chat: JSONDict = {"id": chat_id, "type": kind, "title": title}
        if username:
            chat["username"] = username
            self._chat_by_username[username.lower()] = chat_id
        if is_forum:
            chat["is_forum"] = True
        admin_ids = [self._user_id(u) for u in admins]
        member_ids = {self._user_id(u) for u in members}
        creator_id = self._user_id(creator) if creator is not None else None
        if creator_id is None and admin_ids:
            creator_id = admin_ids[0]
        self._chats[chat_id] = chat
        self._groups[chat_id] = Group(
            chat=chat,
            creator=creator_id,
            admins=set(admin_ids) - {creator_id} if creator_id is not None else set(admin_ids),
            members=member_ids | set(admin_ids) | ({creator_id} if creator_id else set()),
            kicked=set(),
            bot_status=bot_status,
        )
        return chat

    def set_member_status(self, chat: ChatLike, user: UserLike, status: str) -> None:
        """Set a user's (or the bot's) status in a group.

        ``status``: creator, administrator, member, left or kicked.
        """
        group = self._groups[self._chat_id(chat)]
        uid = self._user_id(user)
        if uid == self.bot_id:
            group.bot_status = status
            return
        group.admins.discard(uid)
        group.members.discard(uid)
        group.kicked.discard(uid)
        if group.creator == uid:
            group.creator = None
        if status == "creator":
            group.creator = uid
            group.members.add(uid)
        elif status == "administrator":
            group.admins.add(uid)
            group.members.add(uid)
        elif status == "member":
            group.members.add(uid)
        elif status == "kicked":
            group.kicked.add(uid)
        elif status != "left":
            raise ValueError(f"unknown status {status!r}")

    def block(self, user: UserLike, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to their chat get 403 (``notify`` also queues
        the my_chat_member update member -> kicked, as Telegram does)."""
        uid = self._user_id(user)
        self._blocked.add(uid)
        if notify:
            self._emit_my_chat_member(uid, self.private_chat(uid), "member", "kicked")

    def unblock(self, user: UserLike, *, notify: bool = False) -> None:
        uid = self._user_id(user)
        self._blocked.discard(uid)
        if notify:
            self._emit_my_chat_member(uid, self.private_chat(uid), "kicked", "member")

    def is_blocked(self, user: UserLike) -> bool:
        return self._user_id(user) in self._blocked

    def migrate(
        self,
        old_group_id: int,
        new_supergroup_id: int,
        *,
        by: UserLike | None = None,
        notify: bool = True,
    ) -> tuple[JSONDict, JSONDict]:
        """Upgrade a group to a supergroup: sends to the old id now fail with
        migrate_to_chat_id; returns both service messages (old, new), and queues them
        unless ``notify`` is False (a bot that was offline and missed them)."""
        old = self._groups[old_group_id]
        new_chat: JSONDict = {
            "id": new_supergroup_id,
            "type": "supergroup",
            "title": old.chat["title"],
        }
        self._chats[new_supergroup_id] = new_chat
        self._groups[new_supergroup_id] = Group(
            chat=new_chat,
            creator=old.creator,
            admins=set(old.admins),
            members=set(old.members),
            kicked=set(old.kicked),
            bot_status=old.bot_status,
        )
        actor_id = self._user_id(by) if by is not None else old.creator
        actor = self._users.get(actor_id) if actor_id is not None else None
        actor = actor or self.bot_user
        old_msg = self._store_message(
            {"from": actor, "chat": old.chat, "migrate_to_chat_id": new_supergroup_id}
        )
        new_msg = self._store_message(
            {"from": actor, "chat": new_chat, "migrate_from_chat_id": old_group_id}
        )
        self._migrated[old_group_id] = new_supergroup_id
        if notify:
            self._emit("message", old_msg)
            self._emit("message", new_msg)
        return old_msg, new_msg
