"""Which language a customer writes in: Simplified Chinese, Traditional Chinese or English.

Per-message detection that mixed input does not flip: ids, amounts, emails and links are
ignored; a few English words inside Chinese (``我的 app 登不上``) are still Chinese; a message
with too little signal (``ok``, ``👍``, ``T202611200001``) has no language and the
conversation keeps the one it has. An explicit request (``请用英文``, ``speak Chinese please``)
switches whatever the message itself is written in.

Simplified vs Traditional: characters that exist only in one script decide; OpenCC (a kept
library) knows which those are.

Traditional Chinese is written for a region: readers in Taiwan and in Hong Kong use different
words as well as different characters (登入 / 登錄, 簡訊 / 短訊, 帳戶 / 賬戶), so a reply is
converted with OpenCC's phrase-level configs (``s2twp`` for Taiwan, ``s2hk`` for Hong Kong) plus
a few payment terms those configs leave as mainland usage. The region comes from the chat
front end's locale (``zh-TW``, ``zh-HK``) or, failing that, from Cantonese words in what the
customer writes; Taiwan's usage is the default for Traditional Chinese.
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

TAIWAN = "TW"
HONG_KONG = "HK"
REGIONS = (TAIWAN, HONG_KONG)
_S2REGION = {TAIWAN: OpenCC("s2twp"), HONG_KONG: OpenCC("s2hk")}
# Payment terms OpenCC's regional configs leave in mainland usage, applied after them
# (docs/style.md lists the terms per region).
_REGIONAL_TERMS = {
    TAIWAN: {
        "賬號": "帳號",
        "賬戶": "帳戶",
        "賬單": "帳單",
        "轉賬": "轉帳",
        "到賬": "入帳",
        "手機號碼": "手機號碼",  # listed so that the longer match wins: no 手機號碼碼
        "手機號": "手機號碼",
        "掃二維碼": "掃描QR Code",
        "二維碼": "QR Code",
        "提現": "提領",
    },
    HONG_KONG: {
        "登錄": "登入",
        "短信": "短訊",
        "賬户": "賬戶",
        "客户": "客戶",
        "帳户": "帳戶",
        "用户": "用戶",
        "激活": "啟用",
        "手機號碼": "手機號碼",
        "手機號": "手機號碼",
    },
}
_REGIONAL_PATTERNS = {
    region: re.compile("|".join(sorted(map(re.escape, terms), key=len, reverse=True)))
    for region, terms in _REGIONAL_TERMS.items()
}
# Written Cantonese: characters a Hong Kong customer uses and a Taiwanese one does not.
_CANTONESE = re.compile(r"[嘅咗唔冇佢啲喺嚟嘢睇攞咩乜嗰噉]")

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


def script_neutral(text: str) -> bool:
    """True for Chinese written only in characters both scripts share (``好的 提交吧``,
    ``我要退款``): it says nothing of whether the writer uses Simplified or Traditional."""
    han = _HAN.findall(_NOISE.sub(" ", text or ""))
    return bool(han) and not any(_script_of(char) for char in han)


def to_traditional(text: str, region: Optional[str] = None) -> str:
    """Simplified Chinese text in Traditional Chinese as readers in ``region`` write it
    (Taiwan's usage when no region is given); other scripts untouched."""
    if not text:
        return text
    region = region if region in REGIONS else TAIWAN
    converted = _S2REGION[region].convert(text)
    terms = _REGIONAL_TERMS[region]
    return _REGIONAL_PATTERNS[region].sub(lambda match: terms[match.group(0)], converted)


def to_simplified(text: str) -> str:
    """Traditional characters of ``text`` in Simplified (other scripts untouched)."""
    return _T2S.convert(text) if text else text


def localise(text: str, language: Optional[str], region: Optional[str] = None) -> str:
    """``text`` written in Simplified Chinese, as a customer of ``language`` (and, for
    Traditional Chinese, of ``region``) should read it."""
    return to_traditional(text, region) if language == TRADITIONAL else text


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


REGION_CODES = {"zh-tw": TAIWAN, "zh-hk": HONG_KONG, "zh-mo": HONG_KONG}


def conversation_region(messages: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """Whose Traditional Chinese a conversation's replies use: the front end's locale when it
    names a region (``metadata.language`` zh-TW / zh-HK / zh-MO), else Hong Kong's when the
    customer has written Cantonese, else Taiwan's. ``messages`` as for
    :func:`conversation_language`; their parse data holds the text."""
    cantonese = False
    for parse_data, metadata in messages:
        if isinstance(metadata, dict):
            code = REGION_CODES.get(str(metadata.get("language") or "").lower())
            if code:
                return code
        cantonese = cantonese or bool(_CANTONESE.search((parse_data or {}).get("text") or ""))
    return HONG_KONG if cantonese else TAIWAN


def conversation_language(messages: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """The language a conversation is in after its user messages, oldest first.

    Each message is ``(parse_data, metadata)``; the NLU component ``LanguageDetector`` puts
    ``language`` and ``language_request`` into the parse data. Rules, in order:

    * an explicit request (请用英文 / speak Chinese please) switches, and holds until the next
      explicit request: a customer who asked for English but types Chinese still gets English;
    * otherwise a message that says enough to tell switches to its own language — but Chinese
      written only in characters both scripts share does not switch Traditional to Simplified;
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
        configured = None
        if index == 0 and isinstance(metadata, dict):
            configured = FRONT_END_CODES.get(str(metadata.get("language") or "").lower())
        if requested in LANGUAGES:
            language, chosen = requested, True
        elif detected in LANGUAGES and not chosen:
            if detected == SIMPLIFIED and script_neutral((parse_data or {}).get("text") or ""):
                # 好的 提交吧 is as Traditional as it is Simplified: a Traditional conversation
                # (or one opened from a Traditional front end) stays Traditional
                if language != TRADITIONAL:
                    language = TRADITIONAL if configured == TRADITIONAL else SIMPLIFIED
            else:
                language = detected
        elif index == 0 and not detected and configured:
            language = configured
    return language
