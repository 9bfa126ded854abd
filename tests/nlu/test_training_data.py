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
HELDOUT_EN = ROOT / "tests" / "nlu" / "heldout_en.jsonl"

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


def training_examples(language: str | None = None) -> list[tuple[str, str]]:
    """(intent, text) of all of data/nlu, or of one language: zh (top level) or en (en/)."""
    examples = []
    base = ROOT / "data" / "nlu"
    if language is None:
        paths = sorted(base.rglob("*.yml"))
    else:
        paths = sorted((base / "en" if language == "en" else base).glob("*.yml"))
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip():
                        # payment_guide/<topic> (a knowledge answer) is the intent payment_guide
                        intent = block["intent"].split("/")[0]
                        examples.append((intent, re.sub(r"^\s*-\s", "", line)))
    return examples


def heldout(path: Path = HELDOUT) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def canonical(text: str) -> str:
    """Text without case, spaces and punctuation, for near-duplicate checks."""
    return re.sub(r"[\s\W_]+", "", text.lower())


def test_domain_declares_the_contract_names():
    # intents and entities may be added (issue 19: report_scam; more_details and its
    # `details` entity), never renamed or removed
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert CONTRACT_INTENTS <= set(domain["intents"]) - {"nlu_fallback"}
    assert CONTRACT_ENTITIES <= set(domain["entities"])


@pytest.mark.parametrize(("language", "support", "other"), [("zh", 80, 30), ("en", 40, 25)])
def test_every_intent_has_enough_examples(language, support, other):
    counts = Counter(intent for intent, _ in training_examples(language))
    assert CONTRACT_INTENTS <= set(counts)
    for intent, count in counts.items():
        minimum = support if intent in SUPPORT_INTENTS else other
        assert count >= minimum, f"{language} {intent}: {count} < {minimum}"


def test_no_example_is_labelled_twice():
    seen: dict[str, str] = {}
    for intent, text in training_examples():
        key = canonical(text) or text
        assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} and {intent}"


def test_training_data_carries_no_entity_annotations():
    # Entities come from rule extractors; annotations would switch DIET's entity head on.
    for _intent, text in training_examples():
        assert not re.search(r"\[[^\]]+\]\([^)]+\)|\[[^\]]+\]\{", text), text


@pytest.mark.parametrize(
    ("path", "minimum"), [(HELDOUT, 25), (FINAL, 25), (HELDOUT_EN, 20)], ids=lambda v: str(v)
)
def test_evaluation_files_are_well_formed_and_big_enough(path, minimum):
    lines = heldout(path)
    for item in lines:
        assert set(item) == {"text", "intent"}
        assert item["intent"] in CONTRACT_INTENTS
    counts = Counter(item["intent"] for item in lines)
    assert set(counts) == CONTRACT_INTENTS
    assert min(counts.values()) >= minimum


@pytest.mark.parametrize("path", [HELDOUT, FINAL, HELDOUT_EN], ids=lambda p: p.name)
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
