"""What every inbound customer message goes through before it reaches Rasa.

* Secrets (password, verification code, card number...) are masked in the text; the kinds
  found travel in ``metadata["redacted"]`` so the bot can warn the customer. Nothing after
  this point — NLU, trackers, logs, the action server, the agent desk — sees them.
* Control characters are removed; a missing text becomes an empty one.
* A message longer than ``MAX_MESSAGE_CHARS`` is answered with a polite note instead of being
  processed (it is a paste or an attack, not a support question). Its raw length is checked
  before anything else reads the text, so no pattern ever runs over a huge message.
* A sender who writes faster than ``channels.sender_limit`` allows is asked to slow down.
* A sender's messages are handled one at a time, in order, and wait for that *before* the turn
  gate (``addons.serving.turn_gate``): Rasa would serialise them anyway on the conversation's
  lock, but a burst of one sender waiting there would hold every slot of the gate meanwhile.
* When the turn gate's queue is full the customer is asked to send the message again in a
  moment; the turn never started, so nothing of it is stored.
* If handling fails, the customer gets an apology instead of silence, and the log records
  the conversation id and error without the customer's text.

Replies of the guard are Chinese first, then English: the guard answers before anything knows
the conversation's language.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Optional

from rasa.core.channels.channel import UserMessage

from addons.serving import turn_gate
from channels import sender_limit
from channels.sender_limit import SenderLimit, Verdict
from service_kit.redaction import redact

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000
REDACTED_KEY = "redacted"

TOO_LONG_REPLY = (
    f"消息太长了（超过 {MAX_MESSAGE_CHARS} 字），请分成几条简短地发给我。"
    f"\nYour message is too long (over {MAX_MESSAGE_CHARS} characters); please send it in parts."
)
SLOW_DOWN_REPLY = (
    "您发送得太快了，请稍后再试。"
    "\nYou're sending messages too quickly; please wait a moment and try again."
)
BUSY_REPLY = (
    "系统繁忙，请稍后再试 🙏 这条消息没有处理，请过一会儿再发一次。"
    "\nWe're busy right now; please send your message again in a moment."
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


class SenderTurns:
    """One turn per sender at a time, the others waiting in arrival order."""

    def __init__(self) -> None:
        # sender -> (its lock, how many of its messages hold or wait for it)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, sender_id: str) -> AsyncIterator[None]:
        """Holds ``sender_id``'s turn."""
        lock, users = self._locks.get(sender_id) or (asyncio.Lock(), 0)
        self._locks[sender_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[sender_id]
            if users == 1:
                del self._locks[sender_id]
            else:
                self._locks[sender_id] = (lock, users - 1)


def guarded(on_new_message: Handler, senders: Optional[SenderLimit] = None) -> Handler:
    """Wraps Rasa's message handler with the checks above (``senders``: the rate limit, by
    default the one ``SENDER_RATE_LIMIT`` configures)."""
    if senders is None:
        senders = sender_limit.configured()
    in_order = SenderTurns()

    async def handle(message: UserMessage) -> None:
        verdict = Verdict.PASS if senders is None else senders.check(str(message.sender_id))
        if verdict is Verdict.DROP:
            reply = None  # the sender was told; a flood is not logged message by message
        elif verdict is Verdict.SLOW_DOWN:
            logger.info("sender over the rate limit", extra={"sender_id": message.sender_id})
            reply = SLOW_DOWN_REPLY
        elif isinstance(message.text, str) and len(message.text) > MAX_MESSAGE_CHARS:
            logger.info(
                "message too long",
                extra={"sender_id": message.sender_id, "chars": len(message.text)},
            )
            reply = TOO_LONG_REPLY
        else:
            async with in_order.turn(str(message.sender_id)):
                reply = await _handle(on_new_message, prepare(message))
        if reply:
            await message.output_channel.send_text_message(message.sender_id, reply)

    return handle


async def _handle(on_new_message: Handler, message: UserMessage) -> Optional[str]:
    """Runs the turn inside the turn gate; the polite answer if it could not run."""
    try:
        async with turn_gate.turn():
            await on_new_message(message)
    except turn_gate.GateFull:
        logger.warning("turn refused: the queue is full", extra={"sender_id": message.sender_id})
        return BUSY_REPLY
    except Exception:
        logger.exception(
            "handling a message failed",
            extra={"sender_id": message.sender_id, "channel": message.input_channel},
        )
        return FAILURE_REPLY
    return None
