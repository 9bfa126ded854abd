"""Reading a message as the answer to the question the bot just asked.

While the bot waits for a choice from a list or for a yes / no, the customer answers in their
own words: ``第二个``, ``2``, ``最后那笔``, ``对``, ``不是``, ``算了``, or a correction
``不是这笔，是京东那笔``. The classifier may give such a message any intent; the form
validators (actions/transaction_choice.py) read it here instead, in the context of the question.
"""

from __future__ import annotations

import re
from typing import Optional

from actions.resolver import normalise

_CN_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2}
_EN_ORDINALS.update({"3rd": 3, "4th": 4, "5th": 5})

# 第二个 / 第2笔 / 选2 / 2号 anywhere; a message that is only a small number
_NTH = re.compile(r"第\s*([1-9一二两三四五六七八])\s*(?:个|笔|条|项|单|次)?")
_PICK = re.compile(r"(?:选|要|是)\s*([1-9一二两三四五六七八])\s*(?:个|笔|号)?(?![\d])")
_ONLY_NUMBER = re.compile(r"^\s*(?:#|no\.?\s*|option\s*)?([1-9])\s*(?:个|笔|号)?\s*[。.!！]?\s*$")
_LAST = re.compile(r"最后(?:一|那)?(?:个|笔|条)|the last one|last one")
_EN_NTH = re.compile(r"\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\b")

YES_WORDS = (
    "是的", "是", "对", "对的", "嗯", "好", "好的", "行", "可以", "确认", "没错", "就是",
    "就这笔", "就是这笔", "ok", "okay", "yes", "yep", "yeah", "sure", "right", "correct",
)  # fmt: skip
NO_WORDS = (
    "不是", "不对", "不", "错了", "不要", "不行", "no", "nope", "not really", "wrong",
)  # fmt: skip
CANCEL_WORDS = (
    "算了", "不用了", "取消", "不要了", "不办了", "不弄了", "先不", "cancel", "never mind",
    "nevermind", "forget it",
)  # fmt: skip
_TRIM = re.compile(r"[\s，,。.!！~～啊吧呀呢哈了]+")
_WORDS = re.compile(r"[\s，,。.!！~～]+")

# "不是这笔，是京东那笔" / "不是美团是京东" / "no, the JD one"
_CORRECTION_SPLIT = re.compile(
    r"^(?:(?:不是|不对|错了|搞错了|not)\S*?[\s，,。.!！;；]+|不是[^，,。\s]{1,12}?(?=而?是))"
    r"(?:而?是|应该是|我说的是|我要的是|要|换成|it'?s|i meant|i mean)?\s*(?P<rest>.+)$"
)
_CORRECTION_START = re.compile(r"^\s*(?:不是|不对|错了|搞错了|no[\s,]|not (?:this|that)|wrong)")


def ordinal(text: str, choices: int) -> Optional[int]:
    """The 0-based position a message picks from a list of ``choices``, if it picks one."""
    if choices <= 0:
        return None
    plain = normalise(text)
    if _LAST.search(plain):
        return choices - 1
    for pattern in (_NTH, _PICK, _ONLY_NUMBER):
        match = pattern.search(plain)
        if match:
            token = match.group(1)
            number = int(token) if token.isdigit() else _CN_ORDINALS.get(token, 0)
            return number - 1 if 1 <= number <= choices else None
    match = _EN_NTH.search(plain)
    if match:
        number = _EN_ORDINALS[match.group(1)]
        return number - 1 if number <= choices else None
    return None


def _bare(text: str) -> str:
    return _TRIM.sub("", normalise(text))


def is_cancel(text: str) -> bool:
    """A short message that drops the request (算了, 不用了, cancel)."""
    plain = normalise(text)
    # a long message that mentions 算了 says more than "drop it"; English words are longer
    limit = 16 if plain.isascii() else 8
    return len(_bare(text)) <= limit and any(word in plain for word in CANCEL_WORDS)


def yes_or_no(text: str) -> Optional[bool]:
    """True for a bare yes (是 / 对 / ok / 对 就是这笔), False for a bare no (不是 / 不对),
    else None. Several words count when all of them say the same (``对 就是这笔``)."""
    bare = _bare(text)
    if bare in NO_WORDS:
        return False
    if bare in YES_WORDS:
        return True
    words = [_bare(word) for word in _WORDS.split(normalise(text or ""))]
    words = [word for word in words if word]
    if len(words) > 1 and all(word in YES_WORDS for word in words):
        return True
    if len(words) > 1 and all(word in NO_WORDS for word in words):
        return False
    return None


def correction(text: str) -> Optional[str]:
    """The part of ``不是这笔，是京东那笔`` that names the right payment, if it is a correction."""
    plain = normalise(text).strip()
    if not _CORRECTION_START.search(plain):
        return None
    match = _CORRECTION_SPLIT.match(plain)
    if not match:
        return None
    rest = match.group("rest").strip(" ，,。.!！")
    return rest or None


# "did that solve it?" answered in the customer's words (换了卡 付成功了 / 还是不行)
_NOT_SOLVED = re.compile(
    r"还是?不行|还不行|没好|没解决|还是?(?:失败|付不了|付不出|登不上|不能)|没成功|不成功"
    r"|still (?:not|fail|does|doesn|can)|didn'?t work|not work|no luck"
)
_SOLVED = re.compile(
    r"好了|可以了|成功了|解决了|能付了|付上了|登上了|搞定|没问题了|行了"
    r"|works now|it worked|that worked|fixed|went through|sorted|all good"
)


def solved_or_not(text: str) -> Optional[bool]:
    """The answer to "did that solve it?": True (好了 / 付成功了), False (还是不行), or None."""
    said = yes_or_no(text)
    if said is not None:
        return said
    plain = normalise(text)
    if _NOT_SOLVED.search(plain):
        return False
    return True if _SOLVED.search(plain) else None


def resolution_followup(awaiting_resolution: bool, text: str) -> Optional[str]:
    """The action for ``text`` sent right after "did that solve it?": the closing for a yes
    (付成功了), the handoff for a no (还是不行), None when it is neither or nothing was asked."""
    if not awaiting_resolution:
        return None
    solved = solved_or_not(text)
    if solved is None:
        return None
    return "action_resolution_confirmed" if solved else "action_checklist_unresolved"
