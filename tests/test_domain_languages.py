"""Every response speaks every language the bot promises, with nothing lost in translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from service_kit.language import TRADITIONAL, localise

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def variables(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text or ""))


def variant(name: str, language: str | None) -> dict:
    for candidate in RESPONSES[name]:
        conditions = candidate.get("condition") or []
        values = {c["value"] for c in conditions if c.get("name") == "language"}
        if (language is None and not conditions) or language in values:
            return candidate
    raise AssertionError(f"{name} has no {language or 'default'} variant")


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_has_an_english_variant_that_matches(name):
    chinese, english = variant(name, None), variant(name, "en")
    assert variables(chinese["text"]) == variables(english["text"])
    assert [b["payload"] for b in chinese.get("buttons", [])] == [
        b["payload"] for b in english.get("buttons", [])
    ]
    assert not re.search(
        r"[\u4e00-\u9fff]", english["text"].replace("eepay支付", "").replace("eepay客服", "")
    )


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_traditional_rendering_has_no_simplified_only_characters(name):
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    rendered = localise(variant(name, None)["text"], TRADITIONAL)
    leftovers = [c for c in rendered if re.match(r"[\u4e00-\u9fff]", c) and s2t.convert(c) != c]
    assert not leftovers, leftovers


@pytest.mark.parametrize("language", [None, "en"])
def test_a_question_the_bot_cannot_answer_offers_a_person(language):
    """utter_out_of_scope does not leave the customer at a dead end (issue 19)."""
    payloads = [b["payload"] for b in variant("utter_out_of_scope", language).get("buttons", [])]
    assert "/request_human" in payloads
