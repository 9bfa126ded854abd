"""WeChat's message rules, kept apart from the channel as wechatpy keeps crypto, parsing and
replies apart: request signatures and timestamps, safe XML parsing, what a pushed message is,
and how bot messages become WeChat text (2048-byte parts, numbered buttons, agent prefix).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from defusedxml.ElementTree import fromstring as defused_fromstring
from wechatpy.messages import BaseMessage
from wechatpy.parser import parse_message
from wechatpy.utils import WeChatSigner

MAX_MESSAGE_BYTES = 2048  # text content of a passive reply or customer-service message
AGENT_MESSAGE = "agent_message"

_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # FromUserName; ToUserName is gh_… likewise
_DIGITS = re.compile(r"\d{1,20}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SIGNATURE = re.compile(r"[0-9a-f]{40}")


# --- rendering rules --------------------------------------------------------------------------


def split_message(text: str, limit: int = MAX_MESSAGE_BYTES) -> list[str]:
    """Cuts ``text`` into parts of at most ``limit`` UTF-8 bytes (WeChat's text limit).

    Parts end at line breaks where possible and never inside a character.
    """
    parts: list[str] = []
    current, size = "", 0
    for line in (text or "").strip().splitlines(keepends=True):
        while len(line.encode("utf-8")) > limit:  # one line too long: cut at characters
            if current:
                parts.append(current)
                current, size = "", 0
            head, used = "", 0
            for char in line:
                width = len(char.encode("utf-8"))
                if used + width > limit:
                    break
                head, used = head + char, used + width
            parts.append(head)
            line = line[len(head) :]
        width = len(line.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current, size = current + line, size + width
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def numbered_options(
    buttons: Sequence[dict[str, Any]], first: int = 1
) -> tuple[list[str], list[str]]:
    """Buttons as text lines "回复 1：title" and the payloads behind the numbers.

    WeChat text messages have no buttons; a number the customer sends back stands for one.
    """
    lines: list[str] = []
    payloads: list[str] = []
    for button in buttons:
        if not isinstance(button, dict):
            continue
        title = str(button.get("title") or "").strip()
        payload = button.get("payload") or button.get("url") or title
        if not title or not isinstance(payload, str):
            continue
        number = first + len(payloads)
        lines.append(f"回复 {number}：{title}")
        payloads.append(payload)
    return lines, payloads


def agent_text(message: dict[str, Any]) -> Optional[str]:
    """The text of an agent's message marked 【人工客服 name】, or None for a bot message."""
    custom = message.get("custom")
    if not isinstance(custom, dict) or custom.get("type") != AGENT_MESSAGE:
        return None
    name = str(custom.get("agent_name") or message.get("agent_name") or "").strip()
    text = str(message.get("text") or custom.get("text") or "").strip()
    return f"【人工客服 {name}】{text}" if name else f"【人工客服】{text}"


def cdata(text: str) -> str:
    """Text safe inside the CDATA section of a reply (``]]>`` would end it early)."""
    return text.replace("]]>", "]]]]><![CDATA[>")


# --- request checks ---------------------------------------------------------------------------


class Refused(Exception):
    """A request WeChat did not send (403) or cannot have meant (400)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_matches(token: str, signature: str, *parts: str) -> bool:
    """WeChat's rule: SHA-1 of the sorted token, timestamp, nonce (and Encrypt), in hex.

    Compared in constant time so a forger learns nothing from response times.
    """
    if not _SIGNATURE.fullmatch(signature or ""):
        return False
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return hmac.compare_digest(signer.signature.encode(), signature.encode())


def authenticate(query: Mapping[str, str], token: str, tolerance: int, now: float) -> None:
    """Raises :class:`Refused` (403) unless ``signature`` is right and ``timestamp`` is fresh."""
    timestamp = query.get("timestamp") or ""
    nonce = query.get("nonce") or ""
    if not _DIGITS.fullmatch(timestamp) or not _NONCE.fullmatch(nonce):
        raise Refused(403, "missing or odd timestamp/nonce")
    if not signature_matches(token, query.get("signature") or "", timestamp, nonce):
        raise Refused(403, "wrong signature")
    if abs(now - int(timestamp)) > tolerance:
        raise Refused(403, "stale timestamp")


def xml_fields(data: Union[str, bytes]) -> dict[str, str]:
    """Top-level fields of a WeChat XML document, parsed with DTDs and entities forbidden."""
    try:
        root = defused_fromstring(data, forbid_dtd=True, forbid_entities=True)
    except Exception as error:  # ParseError, DTDForbidden, EntitiesForbidden, ...
        raise Refused(400, f"unreadable XML: {type(error).__name__}") from error
    if root.tag != "xml":
        raise Refused(400, "root element is not <xml>")
    return {child.tag: child.text or "" for child in root}


def raw_field(message: BaseMessage, name: str) -> str:
    """A field as WeChat sent it (also for message and event types wechatpy does not know)."""
    value = message._data.get(name)  # wechatpy keeps the parsed XML fields here
    return value if isinstance(value, str) else ""


def is_event(message: BaseMessage) -> bool:
    """Events (subscribe, menu clicks, ...) have MsgType "event" and no MsgId."""
    return raw_field(message, "MsgType").lower() == "event"


def read_message(data: Union[str, bytes]) -> BaseMessage:
    """The pushed message as wechatpy's typed message; :class:`Refused` (400) if malformed."""
    xml_fields(data)  # the gate: nothing with a DTD reaches the parser below
    try:
        message = parse_message(data)
        source, target = message.source, message.target
        valid = (
            isinstance(source, str)
            and isinstance(target, str)
            and _OPENID.fullmatch(source) is not None
            and _OPENID.fullmatch(target) is not None
            and message.time > 0
            and (is_event(message) or message.id > 0)
        )
    except Exception as error:  # missing MsgType, non-numeric MsgId/CreateTime, odd nesting
        raise Refused(400, f"not a WeChat message: {type(error).__name__}") from error
    if not valid:
        raise Refused(400, "not a WeChat message")
    return message


def incoming_text(message: BaseMessage) -> Optional[str]:
    """What the customer said: the text, or WeChat's recognition of a voice message."""
    if message.type == "text":
        return str(message.content or "")
    if message.type == "voice":
        recognition = str(getattr(message, "recognition", "") or "").strip()
        return recognition or None
    return None


def delivery_key(message: BaseMessage) -> str:
    """WeChat's de-duplication key: MsgId, or FromUserName + CreateTime for events."""
    if is_event(message):
        return f"event:{message.source}:{message.time}:{raw_field(message, 'Event').lower()}"
    return f"msg:{message.id}"
