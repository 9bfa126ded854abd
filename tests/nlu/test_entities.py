"""The trained model extracts every contract entity with its normalised value."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from service_kit.dates import today_in_eepay_tz

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "eepay.tar.gz"
CASES = [
    json.loads(line) for line in (ROOT / "tests/nlu/entities_zh.jsonl").read_text().splitlines()
]


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    if not MODEL.exists():
        pytest.fail(f"{MODEL} missing: run `make train` (make test does)")
    return Agent.load(str(MODEL))


def parse(agent, text: str) -> dict:
    return asyncio.run(agent.parse_message(text))


def expected_value(value):
    """``@yesterday`` and ``@a|b`` stand for dates that depend on today."""
    if isinstance(value, str) and value.startswith("@"):
        if value == "@yesterday":
            return {(today_in_eepay_tz() - timedelta(days=1)).isoformat()}
        return set(value[1:].split("|"))
    return {value}


@pytest.mark.parametrize("case", CASES, ids=[c["text"] for c in CASES])
def test_entities(agent, case):
    parsed = parse(agent, case["text"])
    found = {e["entity"]: e["value"] for e in parsed["entities"]}
    assert set(found) == set(case["entities"]), parsed["entities"]
    for name, value in case["entities"].items():
        assert found[name] in expected_value(value), (name, found[name])


def test_parse_output_carries_no_secret_and_flags_it(agent):
    parsed = parse(agent, "密码是Abc12345 验证码 123456")
    assert parsed["sensitive_data"] == ["verification_code", "password"] or set(
        parsed["sensitive_data"]
    ) == {"verification_code", "password"}


@pytest.mark.parametrize("text", ["", "😀", "付款失败了" * 2000, "ａｐｐ登不上"])
def test_odd_input_parses(agent, text):
    parsed = parse(agent, text)
    assert parsed["intent"]["name"]
