"""The training data and the held-out file keep the shape the NLU depends on."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "tests" / "nlu" / "heldout_zh.jsonl"
FINAL = ROOT / "tests" / "nlu" / "final_zh.jsonl"

CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "inform",
    "complain", "payment_failed", "request_refund", "refund_status", "forgot_password",
    "login_problem", "transaction_dispute", "payment_guide", "request_human", "contact_info",
}  # fmt: skip
CONTRACT_ENTITIES = {
    "transaction_id", "amount", "payment_method", "bank", "phone_number", "email", "date",
}  # fmt: skip
SUPPORT_INTENTS = {
    "payment_failed", "request_refund", "refund_status", "forgot_password", "login_problem",
    "transaction_dispute", "request_human",
}  # fmt: skip


def training_examples() -> list[tuple[str, str]]:
    examples = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip():
                        examples.append((block["intent"], re.sub(r"^\s*-\s", "", line)))
    return examples


def heldout(path: Path = HELDOUT) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def canonical(text: str) -> str:
    """Text without case, spaces and punctuation, for near-duplicate checks."""
    return re.sub(r"[\s\W_]+", "", text.lower())


def test_domain_declares_exactly_the_contract_names():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["intents"]) - {"nlu_fallback"} == CONTRACT_INTENTS
    assert set(domain["entities"]) == CONTRACT_ENTITIES


def test_every_intent_has_enough_examples():
    counts = Counter(intent for intent, _ in training_examples())
    assert set(counts) == CONTRACT_INTENTS
    for intent, count in counts.items():
        minimum = 80 if intent in SUPPORT_INTENTS else 30
        assert count >= minimum, f"{intent}: {count} < {minimum}"


def test_no_example_is_labelled_twice():
    seen: dict[str, str] = {}
    for intent, text in training_examples():
        key = canonical(text) or text
        assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} and {intent}"


def test_training_data_carries_no_entity_annotations():
    # Entities come from rule extractors; annotations would switch DIET's entity head on.
    for _intent, text in training_examples():
        assert not re.search(r"\[[^\]]+\]\([^)]+\)|\[[^\]]+\]\{", text), text


def test_heldout_file_is_well_formed_and_big_enough():
    lines = heldout()
    for item in lines:
        assert set(item) == {"text", "intent"}
        assert item["intent"] in CONTRACT_INTENTS
    counts = Counter(item["intent"] for item in lines)
    assert set(counts) == CONTRACT_INTENTS
    assert min(counts.values()) >= 25


@pytest.mark.parametrize("path", [HELDOUT, FINAL], ids=lambda p: p.name)
def test_evaluation_lines_are_not_in_training_data(path):
    trained = {canonical(text) or text for _, text in training_examples()}
    leaked = [
        item["text"]
        for item in heldout(path)
        if (canonical(item["text"]) or item["text"]) in trained
    ]
    assert not leaked


@pytest.mark.parametrize("path", sorted((ROOT / "data").rglob("*.yml")), ids=lambda p: p.name)
def test_yaml_files_parse(path):
    assert yaml.safe_load(path.read_text(encoding="utf-8"))
