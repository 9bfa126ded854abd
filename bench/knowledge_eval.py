"""Answer accuracy of the knowledge answers: did the bot pick the right answer for a question?

    .venv/bin/python bench/knowledge_eval.py tests/nlu/knowledge_zh.jsonl \
        tests/nlu/knowledge_en.jsonl [--model models/eepay.tar.gz] [--errors] [--min 0.9]

Each line is ``{"text": ..., "intent": ...}`` where ``intent`` is the answer the question
wants: a topic of the retrieval intent (``payment_guide/limits``) or a plain intent
(``contact_info`` for the service hours and official channels). The bot's answer is what
actions/knowledge.py gives: for a message classified ``payment_guide``, the topic the
response selector picked (the general how-to answer without one); for any other intent, that
intent's flow (``nlu_fallback`` when the FallbackClassifier took it). A line counts as right
when that answer is the expected one, so both a wrong intent and a wrong topic count against
it. Prints the accuracy per expected answer and overall; with ``--min``, exits 1 below it.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.knowledge import RETRIEVAL_INTENT, selected_topic  # noqa: E402
from bench.nlu_eval import (  # noqa: E402
    latest_model,
    predict_many,
    read_examples,
    scoring_parser,
)


def answer_of(parse: dict) -> str:
    """The answer the bot gives to a parsed message: ``payment_guide/<topic>`` or the intent."""
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    if intent != RETRIEVAL_INTENT:
        return intent
    return f"{RETRIEVAL_INTENT}/{selected_topic(parse)}"


def accuracy_table(expected: list[str], answered: list[str]) -> list[tuple[str, int, int]]:
    """(expected answer, right, lines) per expected answer, sorted by name."""
    lines = Counter(expected)
    right = Counter(e for e, a in zip(expected, answered, strict=True) if e == a)
    return [(name, right[name], lines[name]) for name in sorted(lines)]


def main(argv: list[str] | None = None) -> int:
    parser = scoring_parser(
        __doc__.split("\n\n")[0], "JSONL file(s) of {text, intent}", "list the wrong answers"
    )
    parser.add_argument("--min", type=float, help="exit 1 when the overall accuracy is below")
    args = parser.parse_args(argv)

    model = args.model or latest_model()
    files = [read_examples(path) for path in args.data]
    parsed = asyncio.run(predict_many(model, [[e["text"] for e in f] for f in files]))

    print(f"model: {model}")
    total_right = total = 0
    for path, examples, (parses, seconds) in zip(args.data, files, parsed, strict=True):
        expected = [e["intent"] for e in examples]
        answered = [answer_of(p) for p in parses]
        print(f"\n{path}  ({len(examples)} lines, {seconds * 1000:.1f} ms a message)")
        print(f"{'answer':32} {'right':>7} {'lines':>6} {'accuracy':>9}")
        for name, right, lines in accuracy_table(expected, answered):
            print(f"{name:32} {right:>7} {lines:>6} {right / lines:>9.3f}")
        right = sum(e == a for e, a in zip(expected, answered, strict=True))
        print(f"{'all':32} {right:>7} {len(examples):>6} {right / len(examples):>9.3f}")
        total_right += right
        total += len(examples)
        if args.errors:
            for example, answer in zip(examples, answered, strict=True):
                if answer != example["intent"]:
                    print(f"  ✗ {example['text']!r}: {example['intent']} -> {answer}")
    overall = total_right / total if total else 0.0
    print(f"\noverall answer accuracy: {overall:.3f} ({total_right}/{total})")
    if args.min is not None and overall < args.min:
        print(f"below the minimum {args.min}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
