"""Which language a customer writes in: Simplified Chinese, Traditional Chinese or English.

Per-message detection that mixed input does not flip: ids, amounts, emails and links are
ignored; a few English words inside Chinese (``我的 app 登不上``) are still Chinese; a message
with too little signal (``ok``, ``👍``, ``T202611200001``) has no language and the
conversation keeps the one it has. An explicit request (``请用英文``, ``speak Chinese please``)
switches whatever the message itself is written in.

Simplified vs Traditional: characters that exist only in one script decide; OpenCC (a kept
library) knows which those are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Optional

from opencc import OpenCC

SIMPLIFIED = "zh-Hans"
TRADITIONAL = "zh-Hant"
ENGLISH = "en"
LANGUAGES = (SIMPLIFIED, TRADITIONAL, ENGLISH)
DEFAULT = SIMPLIFIED

_T2S = OpenCC("t2s")
_S2T = OpenCC("s2t")

_NOISE = re.compile(
    # an address starts where its run of name characters starts: tried from inside the run,
    # a long word with no "@" after it would be scanned again from each of its letters
    r"https?://\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[Tt]\d{12}|[Rr]\d{12}"
    r"|[$¥￥]?\d[\d,.]*",
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]{2,}")

# Explicit requests to switch language, checked before detection.
_REQUESTS = (
    (
        ENGLISH,
        re.compile(
            r"(请|請|可以|能不能|麻烦|麻煩)?(用|说|說|讲|講|换成|換成|切换|切換)(成|到)?英(文|语|語)|"
            r"\b(in|speak|use|switch to|reply in|talk in)\s+english\b|\benglish\s+(please|pls)\b",
            re.I,
        ),
    ),
    (
        TRADITIONAL,
        re.compile(
            r"(用|说|說|换成|換成|切换|切換)(成|到)?(繁体|繁體|正体|正體)|"
            r"\btraditional chinese\b",
            re.I,
        ),
    ),
    (
        SIMPLIFIED,
        re.compile(
            r"(请|請|可以|能不能|麻烦|麻煩)?(用|说|說|讲|講|换成|換成|切换|切換)(成|到)?"
            r"(中文|汉语|漢語|普通话|普通話|简体|簡體)|"
            r"\b(in|speak|use|switch to|reply in|talk in)\s+(chinese|mandarin)\b|"
            r"\bchinese\s+(please|pls)\b",
            re.I,
        ),
    ),
)


def language_request(text: str) -> Optional[str]:
    """The language the customer explicitly asks for, if they do."""
    for language, pattern in _REQUESTS:
        if pattern.search(text or ""):
            return language
    return None


@lru_cache(maxsize=4096)
def _script_of(char: str) -> int:
    """+1 for a Traditional-only character, -1 for a Simplified-only one, 0 for shared."""
    if _T2S.convert(char) != char:
        return 1
    if _S2T.convert(char) != char:
        return -1
    return 0


def detect_language(text: str) -> Optional[str]:
    """zh-Hans, zh-Hant, en, or None when the message says too little to tell."""
    content = _NOISE.sub(" ", text or "")
    han = _HAN.findall(content)
    words = _WORD.findall(content)
    english_weight = sum(2 if len(w) >= 3 else 1 for w in words)
    if len(han) >= 2 and len(han) >= english_weight:
        script = sum(_script_of(c) for c in han)
        return TRADITIONAL if script > 0 else SIMPLIFIED
    if not han and (len(words) >= 2 or sum(len(w) for w in words) >= 8):
        return ENGLISH
    if han and english_weight >= 2 * len(han) and len(words) >= 2:
        return ENGLISH  # "my 余额 is wrong": English with a Chinese word in it
    return None


def to_traditional(text: str) -> str:
    """Simplified Chinese text in Traditional characters (other scripts untouched)."""
    return _S2T.convert(text) if text else text


def localise(text: str, language: Optional[str]) -> str:
    """``text`` written in Simplified Chinese, as a customer of ``language`` should read it."""
    return to_traditional(text) if language == TRADITIONAL else text


FRONT_END_CODES = {
    "zh": SIMPLIFIED,
    "zh-cn": SIMPLIFIED,
    "zh-hans": SIMPLIFIED,
    "zh-tw": TRADITIONAL,
    "zh-hk": TRADITIONAL,
    "zh-hant": TRADITIONAL,
    "en": ENGLISH,
    "en-us": ENGLISH,
    "en-gb": ENGLISH,
}


def conversation_language(messages: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """The language a conversation is in after its user messages, oldest first.

    Each message is ``(parse_data, metadata)``; the NLU component ``LanguageDetector`` puts
    ``language`` and ``language_request`` into the parse data. Rules, in order:

    * an explicit request (请用英文 / speak Chinese please) switches, and holds until the next
      explicit request: a customer who asked for English but types Chinese still gets English;
    * otherwise a message that says enough to tell switches to its own language;
    * the first message, when it cannot tell, takes the chat front end's configured language
      (``metadata.language``, e.g. the widget's ``data-language``);
    * otherwise the conversation keeps its language (ok, 👍, T202611200001 change nothing).

    Computed from the conversation itself on every use (no slot to keep in step, no action
    server call per message, which would be a large share of a turn's cost).
    """
    language, chosen = DEFAULT, False
    for index, (parse_data, metadata) in enumerate(messages):
        requested = (parse_data or {}).get("language_request")
        detected = (parse_data or {}).get("language")
        if requested in LANGUAGES:
            language, chosen = requested, True
        elif detected in LANGUAGES and not chosen:
            language = detected
        elif index == 0 and not detected and isinstance(metadata, dict):
            language = FRONT_END_CODES.get(str(metadata.get("language") or "").lower(), language)
    return language
