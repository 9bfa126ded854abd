"""Character-level normalisation of customer text before the Chinese features.

Three things make the same word look different to the classifier: Traditional characters
(帳戶 vs 帐户), variant Simplified characters that customers use interchangeably (帐户 / 账户,
and OpenCC turns 帳 into 帐) and full-width forms that phone keyboards produce (ａｐｐ, １９９).
All are mapped character by character, so every character keeps its position and entity spans found
on the normalised text are valid on the original.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
# Variants folded to the form the training data mostly uses: in payment support 帐 is always
# the 账 of 账户 / 账号 / 账单 / 转账 / 到账 (a mosquito net or a tent is off-topic either way).
_VARIANTS = {"帐": "账"}


def _untouched_text_test(converter: OpenCC) -> Callable[[str], bool]:
    """A test for texts that ``converter.convert`` returns unchanged: texts in which no entry of
    its dictionaries occurs. A single-character entry occurs only if its character does; a
    phrase only if it is a substring, and all but a handful of phrases contain a character that
    is itself an entry. Skipping OpenCC's parse tree for those texts (the Simplified Chinese
    most customers write) removes the slowest step of the NLU pipeline."""
    converter.convert("")  # loads the dictionaries
    characters: set[str] = set()
    phrases: list[str] = []
    for group in converter._dict_chain_data:
        for _longest, _shortest, entries in group:
            for entry in entries:
                if len(entry) == 1:
                    characters.add(entry)
                else:
                    phrases.append(entry)
    entry_characters = frozenset(characters)
    uncovered = tuple(p for p in phrases if entry_characters.isdisjoint(p))

    def untouched(text: str) -> bool:
        return entry_characters.isdisjoint(text) and not any(p in text for p in uncovered)

    return untouched


_untouched_by_t2s = _untouched_text_test(_T2S)


@lru_cache(maxsize=8192)
def _normalise_char(char: str) -> str:
    simplified = _T2S.convert(char)
    if len(simplified) != 1:
        simplified = char
    simplified = _VARIANTS.get(simplified, simplified)
    folded = unicodedata.normalize("NFKC", simplified)
    # keep the one-to-one mapping: NFKC may expand (e.g. ㎡ -> m2)
    return folded if len(folded) == 1 else simplified


def normalise(text: str) -> str:
    """Simplified, half-width text of exactly the same length as ``text``."""
    if not text:
        return text
    phrase_level = text if _untouched_by_t2s(text) else _T2S.convert(text)
    chars = phrase_level if len(phrase_level) == len(text) else text
    return "".join(_normalise_char(c) for c in chars)
