"""Character-level normalisation of customer text before the Chinese features.

Two things make the same word look different to the classifier: Traditional characters
(帳戶 vs 帐户) and full-width forms that phone keyboards produce (ａｐｐ, １９９). Both are
mapped character by character, so every character keeps its position and entity spans found
on the normalised text are valid on the original.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")


@lru_cache(maxsize=8192)
def _normalise_char(char: str) -> str:
    simplified = _T2S.convert(char)
    if len(simplified) != 1:
        simplified = char
    folded = unicodedata.normalize("NFKC", simplified)
    # keep the one-to-one mapping: NFKC may expand (e.g. ㎡ -> m2)
    return folded if len(folded) == 1 else simplified


def normalise(text: str) -> str:
    """Simplified, half-width text of exactly the same length as ``text``."""
    if not text:
        return text
    phrase_level = _T2S.convert(text)
    chars = phrase_level if len(phrase_level) == len(text) else text
    return "".join(_normalise_char(c) for c in chars)
