"""What every inbound customer message goes through before it reaches Rasa.

* Secrets (password, verification code, card number...) are masked in the text; the kinds
  found travel in ``metadata["redacted"]`` so the bot can warn the customer. Nothing after
  this point — NLU, trackers, logs, the action server, the agent desk — sees them.
* Control characters are removed; a missing text becomes an empty one.
* A message longer than ``MAX_MESSAGE_CHARS`` is answered with a polite note instead of being
  processed (it is a paste or an attack, not a support question).
* If handling fails, the customer gets an apology instead of silence, and the log records
  the conversation id and error without the customer's text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from addons.serving import turn_gate
from service_kit.redaction import redact

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000
REDACTED_KEY = "redacted"

TOO_LONG_REPLY = (
    f"消息太长了（超过 {MAX_MESSAGE_CHARS} 字），请分成几条简短地发给我。"
    f"\nYour message is too long (over {MAX_MESSAGE_CHARS} characters); please send it in parts."
)
FAILURE_REPLY = (
    "抱歉，系统开了个小差，您的消息没能处理成功 🙏 请稍后再发一次，或者说「转人工」找人工客服。"
    "\nSorry, something went wrong on our side. Please try again, or type 'agent' for a person."
)

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")

Handler = Callable[[UserMessage], Awaitable[Any]]


def clean_text(text: object) -> str:
    """The message text as a string without control or zero-width characters."""
    if not isinstance(text, str):
        return ""
    return _CONTROL_CHARS.sub("", text)


def prepare(message: UserMessage) -> UserMessage:
    """Cleans and redacts ``message`` in place and returns it."""
    text, kinds = redact(clean_text(message.text))
    metadata = dict(message.metadata) if isinstance(message.metadata, dict) else {}
    metadata.pop(REDACTED_KEY, None)  # only the guard may set it
    if kinds:
        metadata[REDACTED_KEY] = kinds
    message.text = text
    message.metadata = metadata
    return message


def guarded(on_new_message: Handler) -> Handler:
    """Wraps Rasa's message handler with the checks above."""

    async def handle(message: UserMessage) -> None:
        prepare(message)
        if len(message.text) > MAX_MESSAGE_CHARS:
            logger.info(
                "message too long",
                extra={"sender_id": message.sender_id, "chars": len(message.text)},
            )
            await message.output_channel.send_text_message(message.sender_id, TOO_LONG_REPLY)
            return
        try:
            async with turn_gate.turn():
                await on_new_message(message)
        except Exception:
            logger.exception(
                "handling a message failed",
                extra={"sender_id": message.sender_id, "channel": message.input_channel},
            )
            await message.output_channel.send_text_message(message.sender_id, FAILURE_REPLY)

    return handle
