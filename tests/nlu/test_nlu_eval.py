"""bench/nlu_eval.py's confusion pairs: the error analysis in docs/nlu-guide.md is read off them."""

from __future__ import annotations

from bench.nlu_eval import confusion_pairs


def test_confusion_pairs_count_gold_and_predicted_most_frequent_first():
    errors = [
        {"expected": "payment_failed", "predicted": "out_of_scope"},
        {"expected": "login_problem", "predicted": "nlu_fallback"},
        {"expected": "payment_failed", "predicted": "out_of_scope"},
        {"expected": "deny", "predicted": "complain"},
    ]
    assert confusion_pairs(errors) == [
        ["payment_failed", "out_of_scope", 2],
        ["deny", "complain", 1],
        ["login_problem", "nlu_fallback", 1],
    ]


def test_no_errors_no_pairs():
    assert confusion_pairs([]) == []
