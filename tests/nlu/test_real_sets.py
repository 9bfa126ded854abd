"""Format and label checks for the real-text NLU sets (tests/nlu/real_*.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CONTRACT = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
    "inform",
    "complain",
    "payment_failed",
    "request_refund",
    "refund_status",
    "forgot_password",
    "login_problem",
    "transaction_dispute",
    "payment_guide",
    "request_human",
    "contact_info",
}
SOURCES = {"real_en": {"clinc150", "hint3"}, "real_zh": {"crosswoz"}}
SETS = [(lang, part) for lang in SOURCES for part in ("", "_final")]


def load(name: str) -> list[dict]:
    lines = (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def long_enough(text: str) -> bool:
    return len(text.split()) >= 5 if text.isascii() else len(text) >= 8


@pytest.mark.parametrize(("lang", "part"), SETS)
def test_lines_have_text_contract_intent_and_known_source(lang, part):
    for item in load(lang + part):
        assert set(item) == {"text", "intent", "source"}
        assert item["text"] == " ".join(item["text"].split()) and item["text"]
        assert item["intent"] in CONTRACT
        assert item["source"] in SOURCES[lang]


@pytest.mark.parametrize("lang", SOURCES)
def test_development_part_has_at_least_600_lines(lang):
    assert len(load(lang)) >= 600


@pytest.mark.parametrize("lang", SOURCES)
def test_development_and_final_parts_do_not_overlap(lang):
    dev = {i["text"].lower() for i in load(lang)}
    final = [i["text"].lower() for i in load(lang + "_final")]
    assert len(final) == len(set(final))
    assert not dev & set(final)


@pytest.mark.parametrize("lang", SOURCES)
def test_no_real_line_is_in_training_data(lang):
    """Stock phrases (okay, yeah, 谢谢) occur anywhere by coincidence; longer lines must not."""
    data = HERE.parent.parent / "data"
    training = set()
    for path in data.rglob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("- "):
                training.add(line[2:].strip().lower())
    leaked = [
        i["text"]
        for name in (lang, lang + "_final")
        for i in load(name)
        if i["text"].lower() in training and long_enough(i["text"])
    ]
    assert not leaked, f"real-text lines found in data/: {leaked[:5]}"
