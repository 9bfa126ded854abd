"""The knowledge held-out sets (tests/nlu/knowledge_*.jsonl) and the topics they score.

Answer accuracy on them: ``bench/knowledge_eval.py`` (bench/README.md).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.nlu.test_training_data import canonical, training_examples

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "tests" / "nlu" / f"knowledge_{language}.jsonl" for language in ("zh", "en")]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
TOPICS = {
    name.removeprefix("utter_")
    for name in DOMAIN["responses"]
    if name.startswith("utter_payment_guide/")
}
GENERAL = "payment_guide/how_to_pay"
# the service hours and official channels are contact_info's answer
PLAIN_ANSWERS = {"contact_info"}


def lines() -> list[dict]:
    return [
        json.loads(line)
        for path in FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_every_line_names_an_answer_the_bot_has():
    for item in lines():
        assert set(item) == {"text", "intent"}
        assert item["intent"] in TOPICS | PLAIN_ANSWERS, item


def test_at_least_twelve_topics_with_twenty_phrasings_each():
    counts = Counter(item["intent"] for item in lines())
    scored = {answer for answer in counts if answer != GENERAL}
    assert len(scored) >= 12
    assert all(counts[answer] >= 20 for answer in scored), counts
    assert TOPICS - {GENERAL} <= set(counts), "a topic without held-out phrasings"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_held_out_line_is_in_training_data(path):
    trained = {canonical(text) for _, text in training_examples()}
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert not [i["text"] for i in items if canonical(i["text"]) in trained]
    assert len({canonical(i["text"]) for i in items}) == len(items), "duplicate lines"
