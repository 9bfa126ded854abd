"""The conversation suite itself, without a stack: the files follow the format, the suite
covers what issue 18 asks (customers, languages, size), and the checks catch what they claim."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conversations import suite

CONVERSATIONS = suite.load()


def test_the_suite_is_large_and_covers_every_customer_and_language() -> None:
    assert len(CONVERSATIONS) >= 150
    customers = {c.who for c in CONVERSATIONS}
    assert customers >= {*suite.DEMO_CUSTOMERS, "anonymous"}
    languages = Counter(c.language for c in CONVERSATIONS)
    # Simplified first, but Traditional and English customers are real customers too
    assert languages["zh-Hant"] >= 25 and languages["en"] >= 30, languages
    assert len({c.topic for c in CONVERSATIONS}) >= 10


def test_at_least_150_conversations_are_multi_turn() -> None:
    # issue 18: conversations, not lookups — the customer answers, follows up, closes
    assert sum(len(c.turns) > 1 for c in CONVERSATIONS) >= 150


def test_every_turn_checks_something() -> None:
    empty = [c.id for c in CONVERSATIONS for t in c.turns if not t.checks]
    assert not empty


def test_needs_are_known_tags_and_built_is_a_subset() -> None:
    assert suite.BUILT <= set(suite.NEEDS)
    assert {n for c in CONVERSATIONS for n in c.needs} <= set(suite.NEEDS)


def test_assume_built_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(suite.ASSUME_BUILT_ENV, "resolver, context")
    assert suite.built_needs() >= {"resolver", "context"}
    monkeypatch.setenv(suite.ASSUME_BUILT_ENV, "telepathy")
    with pytest.raises(suite.SuiteError):
        suite.built_needs()


def test_a_malformed_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(
        "conversations:\n  - id: x\n    turns:\n      - user: 你好\n        bot: {sayz: [a]}\n",
        encoding="utf-8",
    )
    with pytest.raises(suite.SuiteError):
        suite.load(tmp_path)
    (tmp_path / "bad.yml").write_text(
        "conversations:\n  - id: x\n    customer: u2000\n    turns: [{user: hi}]\n",
        encoding="utf-8",
    )
    with pytest.raises(suite.SuiteError):
        suite.load(tmp_path)
    # unquoted, YAML reads [¥1,200.00] as ["¥1", 200.0]: a check that would pass on any ¥1
    (tmp_path / "bad.yml").write_text(
        "conversations:\n  - id: x\n    turns:\n      - user: 付款失败\n"
        "        bot: {says: [¥1,200.00]}\n",
        encoding="utf-8",
    )
    with pytest.raises(suite.SuiteError):
        suite.load(tmp_path)


REPLIES = [
    {"text": "您的退款 R202611180005 正在審核中，金額 ¥45.50。"},
    {
        "text": "請問您對這次服務滿意嗎？",
        "buttons": [{"title": str(n), "payload": str(n)} for n in range(1, 6)],
    },
]


def test_says_compares_in_simplified_characters_and_any_of_a_list() -> None:
    assert suite.check_turn({"says": ["审核中", ["退回", "¥45.50"]]}, REPLIES, "zh-Hant") == []
    failures = suite.check_turn({"says": ["已退款"], "not_says": ["R2026"]}, REPLIES, "zh-Hant")
    assert len(failures) == 2


def test_rating_buttons_and_language_are_checked() -> None:
    assert suite.check_turn({"rating": True, "buttons": ["5"]}, REPLIES, "zh-Hant") == []
    assert suite.check_turn({"rating": False}, REPLIES, "zh-Hant") == ["rating asked"]
    assert suite.check_turn({"not_buttons": ["3"]}, REPLIES, "zh-Hant")
    # a Traditional Chinese customer answered in Simplified is a failure
    simplified = [{"text": "您的退款正在审核中，请耐心等待。"}]
    assert suite.check_turn({}, simplified, "zh-Hant")
    assert suite.check_turn({"silent": True}, [], "zh-Hans") == []
    unfilled = [{"text": "已为您转接人工客服，您前面还有 {position} 位。"}]
    assert suite.check_turn({"says": ["人工客服"]}, unfilled, "zh-Hans") == [
        "a template slot left unfilled: {position}"
    ]


def _snapshot(refunds=(), disputes=(), frozen=()) -> suite.Snapshot:
    return suite.Snapshot(
        {f"R{i}": ("u1005", t) for i, t in enumerate(refunds)},
        {f"D{i}": ("u1006", t, k) for i, (t, k) in enumerate(disputes)},
        set(frozen),
    )


def _conversation(end: dict) -> suite.Conversation:
    turn = suite.Turn("我要退款", {"says": ["退款"]})
    return suite.Conversation("c", "refund", "x.yml", "u1005", "zh-Hans", (), (turn,), end)


def test_the_end_state_must_be_exactly_what_the_conversation_names() -> None:
    before = _snapshot()
    filed = _snapshot(refunds=["T1"], disputes=[("T2", "duplicate_charge")])
    wanted = {"refunds": ["T1"], "disputes": [{"transaction": "T2", "type": "duplicate_charge"}]}
    assert suite.check_end(_conversation(wanted), before, filed, []) == []
    # filing anything the conversation does not name fails it
    assert len(suite.check_end(_conversation({}), before, filed, [])) == 2
    wrong_type = {"refunds": ["T1"], "disputes": [{"transaction": "T2", "type": "unauthorized"}]}
    assert suite.check_end(_conversation(wrong_type), before, filed, [])
    frozen = _snapshot(frozen=[("u1001", "02")])
    assert suite.check_end(_conversation({}), before, frozen, [])


def test_the_handoff_reason_is_checked() -> None:
    state = _snapshot()
    ticket = [{"reason": "refund_overdue"}]
    assert suite.check_end(_conversation({"handoff": "refund_overdue"}), state, state, ticket) == []
    assert suite.check_end(_conversation({"handoff": "customer_request"}), state, state, ticket)
    assert suite.check_end(_conversation({}), state, state, ticket)
    assert suite.check_end(_conversation({"handoff": "any"}), state, state, []) != []
