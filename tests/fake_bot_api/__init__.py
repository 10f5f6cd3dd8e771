"""A fake Telegram Bot API server (aiohttp) for end-to-end tests of python-telegram-bot bots.

The real ``Application`` talks HTTP to it on 127.0.0.1; it answers with Telegram's real
shapes (HTTP status equal to ``error_code``, ``parameters.retry_after`` on a 429,
``parameters.migrate_to_chat_id`` for an upgraded group). Where to find what:

==============  =============================================================================
module          what a test uses from it
==============  =============================================================================
server          ``FakeBotAPI`` (start, stop, URLs) and ``running_fake()``
world           build the world: ``user``, ``private_chat``, ``group``, ``set_member_status``,
                ``block`` / ``unblock``, ``migrate``
users           act as a user: ``send_text`` (and stickers, photos, voice, locations,
                documents), ``edit_text``, ``press`` a button, ``inline_query``,
                ``choose_inline_result``, ``my_chat_member``, ``push_update``
faults          misbehave: ``fail`` (any error, 429 with retry_after, migrate_to_chat_id),
                ``delay``, ``set_rate_limit``, ``clear_faults``
inspection      assert: ``sent``, ``sent_texts``, ``messages_in``, ``current`` (a message after
                edits), ``message``, ``buttons``, ``calls_to``, ``commands``, ``description``,
                ``inline_results``, ``duplicates``, ``stats``, ``waiting_polls``; wait:
                ``wait_for_sent``, ``wait_for``, ``wait_for_call``, ``wait_for_inline_answer``,
                ``wait_until``; forget: ``reset_records``, ``reset``
updates         getUpdates and webhooks; ``post_to_webhook``
messages        the Bot API methods that send, copy, forward, edit and delete messages and
                answer button taps (HTML, length and keyboard checks live here)
inline          answerInlineQuery (results, the button above them) as the Bot API checks it
chats           getMe, getChat*, leaveChat, getFile, the command menus, the descriptions
control         the ``/_fake/`` HTTP control API of a fake running in another process
client          ``FakeControlClient``, a synchronous client for that control API
process         ``FakeBotAPIProcess`` and ``python -m tests.fake_bot_api``
html            ``parse_telegram_html`` (a port of tdlib's parser), ``TelegramHTMLError``
entities        ``detect_entities``: what Telegram marks in a text by itself
protocol        JSON types, Telegram's limits, ``ApiError``, parameter decoding, ``utf16_len``
model           the records (``Call``, ``Upload``, ``WebhookDelivery``) and the fake's state types
state           ``FakeState``: the state and helpers every part above shares
==============  =============================================================================
"""

from tests.fake_bot_api.client import FakeControlClient
from tests.fake_bot_api.entities import detect_entities
from tests.fake_bot_api.html import TelegramHTMLError, parse_telegram_html
from tests.fake_bot_api.model import Call, Upload, WebhookDelivery
from tests.fake_bot_api.process import FakeBotAPIProcess, main
from tests.fake_bot_api.protocol import DEFAULT_TOKEN, ApiError, JSONDict, utf16_len
from tests.fake_bot_api.server import FakeBotAPI, running_fake

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "FakeBotAPIProcess",
    "FakeControlClient",
    "JSONDict",
    "TelegramHTMLError",
    "Upload",
    "WebhookDelivery",
    "detect_entities",
    "main",
    "parse_telegram_html",
    "running_fake",
    "utf16_len",
]
