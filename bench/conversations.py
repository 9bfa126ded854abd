"""Play every conversation of tests/conversations/ against the real stack; the resolution rate.

    .venv/bin/python bench/conversations.py [--model /tmp/me/models/eepay.tar.gz]
        [--only refund] [--json results/conversations.json] [--quiet]

Starts the backend, the action server, the Rasa server (with ``--model``, default
models/eepay.tar.gz) and the desk on free ports, in a temporary folder, as the test suite does
(tests/support/live_stack.py); plays ALL conversations, also those whose ``needs`` are not built
yet (tests/conversations/README.md); prints the resolution rate — the share of conversations
where every check holds — overall, per topic, per language and split by built / not built
needs, then each failed conversation as a transcript with the check that failed.

``--only`` keeps the conversations whose id, topic or file name contains the text. Exit status:
0 when every conversation whose needs are built passed, 1 otherwise (as ``make test`` would).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rate_rows(results: list, key: str) -> list[tuple[str, int, int]]:
    """(group, passed, total) for each value of ``key`` (a function of a result), sorted."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for result in results:
        groups[key(result)].append(result.passed)
    return [(name, sum(flags), len(flags)) for name, flags in sorted(groups.items())]


def _table(title: str, rows: Iterable[tuple[str, int, int]]) -> str:
    lines = [f"{title:<36} {'resolved':>9} {'rate':>7}"]
    for name, passed, total in rows:
        lines.append(f"  {name:<34} {passed:>4}/{total:<4} {passed / total:>7.1%}")
    return "\n".join(lines)


def report(results: list, built: frozenset[str]) -> str:
    """The rates overall and per topic, language and needs, then the failed transcripts."""
    from tests.conversations import suite

    passed = sum(r.passed for r in results)
    seconds = sum(r.seconds for r in results)
    parts = [
        f"resolution rate: {passed}/{len(results)} = {passed / max(len(results), 1):.1%} "
        f"({seconds:.0f} s of conversation, {len(results)} conversations)",
        _table("by topic", _rate_rows(results, lambda r: r.conversation.topic)),
        _table("by language", _rate_rows(results, lambda r: r.conversation.language)),
        _table(
            "by needs",
            _rate_rows(
                results,
                lambda r: (
                    "not built: " + ", ".join(suite.unmet_needs(r.conversation, built))
                    if suite.unmet_needs(r.conversation, built)
                    else "built (runs in make test)"
                ),
            ),
        ),
    ]
    failures = [r for r in results if not r.passed]
    if failures:
        parts.append(f"failed conversations ({len(failures)}):")
        parts.extend(r.transcript() for r in failures)
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="the trained model (models/eepay.tar.gz)")
    parser.add_argument("--only", help="only conversations whose id, topic or file has this")
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    parser.add_argument("--quiet", action="store_true", help="no progress line per conversation")
    args = parser.parse_args(argv)
    if args.model:
        # tests/support/stack.py reads it when imported: set it before the import below
        os.environ["EEPAY_TEST_MODEL"] = str(args.model.resolve())

    from tests.conversations import suite
    from tests.support.live_stack import start_live_stack

    built = suite.built_needs()
    conversations = [
        c
        for c in suite.load()
        if not args.only or any(args.only in s for s in (c.id, c.topic, c.source))
    ]
    results = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="eepay-conversations-") as workdir:
        with start_live_stack(Path(workdir)) as live:
            print(f"stack ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
            for number, conversation in enumerate(conversations, 1):
                result = suite.play(conversation, live)
                results.append(result)
                if not args.quiet:
                    mark = "ok  " if result.passed else "FAIL"
                    print(
                        f"[{number}/{len(conversations)}] {mark} {conversation.id}",
                        file=sys.stderr,
                    )
    print(report(results, built))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        rows = [
            {
                "id": r.conversation.id,
                "topic": r.conversation.topic,
                "language": r.conversation.language,
                "needs": list(r.conversation.needs),
                "passed": r.passed,
                "seconds": round(r.seconds, 2),
                "transcript": r.transcript(),
            }
            for r in results
        ]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    must_pass = [r for r in results if not suite.unmet_needs(r.conversation, built)]
    return 0 if all(r.passed for r in must_pass) else 1


if __name__ == "__main__":
    sys.exit(main())
