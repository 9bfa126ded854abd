"""The writing rules of docs/style.md that a program can check, over every response in
domain.yml and every text of actions/i18n.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.i18n import TEXTS

ROOT = Path(__file__).resolve().parents[1]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
CJK = r"\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
SPACED_PLACEHOLDER = re.compile(rf"[{CJK}] +\{{[a-z_]+\}}|\{{[a-z_]+\}} +[{CJK}]")
EMOJI = re.compile(
    r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u23F3\u231B]|\d\ufe0f?\u20e3",
)
KEYCAP_DIGIT = re.compile(r"\d\ufe0f?\u20e3")
MAX_ZH, MAX_EN, MAX_EMOJI = 150, 450, 3

# docs/style.md, "One term per thing" and "Safety wording": words we do not use
NOT_OUR_WORDS = ("案件号", "收款人", "流水号", "动态码", "7×24", "请留意电话", "留意来电")


def _is_english(variant: dict) -> bool:
    return any(c.get("value") == "en" for c in variant.get("condition") or [])


def _texts(english: bool) -> list[tuple[str, str]]:
    """(where, text) of every response variant and i18n text in Chinese or in English."""
    found = [
        (name, variant["text"])
        for name, variants in RESPONSES.items()
        for variant in variants
        if variant.get("text") and _is_english(variant) == english
    ]
    found += [
        (f"i18n:{key}", entry["en" if english else "zh"])
        for key, entry in TEXTS.items()
        if entry.get("en" if english else "zh")
    ]
    return found


CHINESE, ENGLISH = _texts(english=False), _texts(english=True)


def _length(text: str) -> int:
    return len(PLACEHOLDER.sub("xx", text))


@pytest.mark.parametrize(("where", "text"), CHINESE, ids=[w for w, _ in CHINESE])
def test_no_space_around_a_placeholder_in_chinese(where, text):
    assert not SPACED_PLACEHOLDER.findall(text), text


@pytest.mark.parametrize(("where", "text"), CHINESE, ids=[w for w, _ in CHINESE])
def test_one_term_per_thing(where, text):
    assert not [word for word in NOT_OUR_WORDS if word in text], text


@pytest.mark.parametrize(("where", "text"), CHINESE, ids=[w for w, _ in CHINESE])
def test_chinese_fits_a_phone_screen(where, text):
    assert _length(text) <= MAX_ZH, f"{_length(text)} characters: {text}"


@pytest.mark.parametrize(("where", "text"), ENGLISH, ids=[w for w, _ in ENGLISH])
def test_english_fits_a_phone_screen(where, text):
    assert _length(text) <= MAX_EN, f"{_length(text)} characters: {text}"


@pytest.mark.parametrize(
    ("where", "text"), CHINESE + ENGLISH, ids=[w for w, _ in CHINESE + ENGLISH]
)
def test_few_emoji_and_no_emoji_digits(where, text):
    assert len(EMOJI.findall(text)) <= MAX_EMOJI, text
    assert not KEYCAP_DIGIT.search(text), text


def test_the_checks_see_every_response():
    """A guard on the guards: the lists above are not empty, and a known violation is caught."""
    assert len(CHINESE) > 100 and len(ENGLISH) > 100
    assert SPACED_PLACEHOLDER.search("付给 {payee} 的")
    assert not SPACED_PLACEHOLDER.search("付给{payee}的{amount}（交易号{transaction_id}）")
    assert not SPACED_PLACEHOLDER.search("paid {payee} {amount}")
