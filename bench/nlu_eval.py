"""Score the latest trained model's intent classification on a labelled JSONL file.

    .venv/bin/python bench/nlu_eval.py tests/nlu/heldout_zh.jsonl [--model models/x.tar.gz]
        [--errors] [--json results/nlu_eval.json]
    .venv/bin/python bench/nlu_eval.py --sweep tests/nlu/heldout_zh.jsonl tests/nlu/real_en.jsonl \
        [--oos-only tests/nlu/real_zh.jsonl] [--ambiguities 0 0.05 0.1] [--plot bench/sweep.png]

Each input line is ``{"text": ..., "intent": ...}``. Prints a per-intent precision / recall /
F1 table, the in-scope macro-F1 (the 17 support and small-talk intents; every line counts, so
an off-topic message classified as ``payment_failed`` lowers that intent's precision), and the
out-of-scope accuracy (share of ``out_of_scope`` lines predicted as ``out_of_scope`` or
``nlu_fallback``).

``--sweep`` loads the model once, parses every file once, and prints what each
FallbackClassifier ``threshold`` / ``ambiguity_threshold`` pair would give on every file: the
in-scope macro-F1 against the out-of-scope accuracy, and their means over the files (files
given with ``--oos-only`` count for out-of-scope accuracy only: a set with too few in-scope
intents to rank a model by). ``--plot`` also draws the trade-off (needs matplotlib).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"


@dataclass
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    model: str
    data: str
    lines: int
    in_scope_macro_f1: float
    out_of_scope_accuracy: float
    fallback_rate: float
    scores: list[IntentScore] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    seconds_per_message_ms: float = 0.0
    threshold_sweep: list = field(default_factory=list)
    # [gold, predicted, count] of the errors, most frequent first (docs/nlu-guide.md's error
    # analysis is written from these)
    confusions: list = field(default_factory=list)


def latest_model(models_dir: Path = ROOT / "models") -> Path:
    """The most recently written model archive."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit(f"no trained model in {models_dir}; run `make train` first")
    return models[-1]


def scoring_parser(description: str, data_help: str, errors_help: str) -> argparse.ArgumentParser:
    """The arguments every command that scores a model on labelled lines takes (this one and
    bench/knowledge_eval.py): the JSONL files, ``--model`` and ``--errors``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("data", type=Path, nargs="+", help=data_help)
    parser.add_argument("--model", type=Path, help="model archive (default: latest in models/)")
    parser.add_argument("--errors", action="store_true", help=errors_help)
    return parser


def read_examples(path: Path) -> list[dict]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        if not isinstance(item.get("text"), str) or not isinstance(item.get("intent"), str):
            raise SystemExit(f"{path}:{number}: need string fields text and intent")
        examples.append(item)
    return examples


def score(examples: list[dict], predicted: list[str]) -> tuple[list[IntentScore], float, float]:
    """Per-intent scores, in-scope macro-F1 and out-of-scope accuracy."""
    from sklearn.metrics import precision_recall_fscore_support

    truth = [e["intent"] for e in examples]
    in_scope = sorted({t for t in truth if t != OUT_OF_SCOPE})
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=in_scope, zero_division=0
    )
    scores = [
        IntentScore(intent, float(p), float(r), float(f), int(s))
        for intent, p, r, f, s in zip(in_scope, precision, recall, f1, support, strict=True)
    ]
    oos = [p for t, p in zip(truth, predicted, strict=True) if t == OUT_OF_SCOPE]
    oos_accuracy = sum(p in (OUT_OF_SCOPE, FALLBACK) for p in oos) / len(oos) if oos else 0.0
    if oos:
        correct = sum(p == OUT_OF_SCOPE for p in oos)
        predicted_oos = sum(p == OUT_OF_SCOPE for p in predicted)
        p_oos = correct / predicted_oos if predicted_oos else 0.0
        r_oos = correct / len(oos)
        f_oos = 2 * p_oos * r_oos / (p_oos + r_oos) if p_oos + r_oos else 0.0
        scores.append(IntentScore(OUT_OF_SCOPE, p_oos, r_oos, f_oos, len(oos)))
    macro_f1 = sum(s.f1 for s in scores if s.intent != OUT_OF_SCOPE) / max(len(in_scope), 1)
    return scores, macro_f1, oos_accuracy


def quiet_logs() -> None:
    """Rasa logs every parse at debug level through structlog; keep the report readable."""
    import structlog

    logging.basicConfig(level=logging.WARNING)
    for name in ("rasa", "jieba", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))


async def predict_many(model: Path, batches: list[list[str]]) -> list[tuple[list[dict], float]]:
    """Parses of each list of texts, and the mean parse time per text, with one model load."""
    from rasa.core.agent import Agent

    quiet_logs()
    agent = Agent.load(str(model))
    results = []
    for texts in batches:
        started = time.perf_counter()
        parsed = [await agent.parse_message(text) for text in texts]
        elapsed = time.perf_counter() - started
        results.append((parsed, elapsed / max(len(texts), 1)))
    return results


async def predict(model: Path, texts: list[str]) -> tuple[list[dict], float]:
    return (await predict_many(model, [texts]))[0]


def with_threshold(parse: dict, threshold: float, ambiguity: float = 0.1) -> str:
    """The intent the FallbackClassifier would give at another confidence threshold."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != FALLBACK]
    if not ranking:
        return (parse.get("intent") or {}).get("name") or FALLBACK
    top = ranking[0]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top["confidence"] < threshold or top["confidence"] - second < ambiguity:
        return FALLBACK
    return top["name"]


def threshold_sweep(
    examples: list[dict], parsed: list[dict], thresholds: list[float], ambiguity: float = 0.1
) -> list:
    """(threshold, in-scope macro-F1, out-of-scope accuracy) for each threshold."""
    rows = []
    for threshold in thresholds:
        predicted = [with_threshold(p, threshold, ambiguity) for p in parsed]
        _, macro_f1, oos_accuracy = score(examples, predicted)
        rows.append((threshold, macro_f1, oos_accuracy))
    return rows


SWEEP_THRESHOLDS = [round(0.20 + 0.05 * step, 2) for step in range(15)]  # 0.20 ... 0.90


@dataclass
class SweepRow:
    threshold: float
    ambiguity: float
    per_set: dict  # file name -> [macro-F1 or None, out-of-scope accuracy]
    mean_f1: float
    mean_oos: float


def sweep(
    sets: dict[str, tuple[list[dict], list[dict]]],
    oos_only: set[str],
    thresholds: list[float],
    ambiguities: list[float],
) -> list[SweepRow]:
    """Every (threshold, ambiguity) pair scored on every set of ``{name: (examples, parses)}``;
    the means leave the ``oos_only`` sets out of macro-F1."""
    rows = []
    for ambiguity in ambiguities:
        for threshold in thresholds:
            per_set = {}
            for name, (examples, parsed) in sets.items():
                predicted = [with_threshold(p, threshold, ambiguity) for p in parsed]
                _, macro_f1, oos_accuracy = score(examples, predicted)
                per_set[name] = [None if name in oos_only else macro_f1, oos_accuracy]
            f1s = [f1 for f1, _ in per_set.values() if f1 is not None]
            rows.append(
                SweepRow(
                    threshold,
                    ambiguity,
                    per_set,
                    sum(f1s) / max(len(f1s), 1),
                    sum(oos for _, oos in per_set.values()) / max(len(per_set), 1),
                )
            )
    return rows


def print_sweep(rows: list[SweepRow], model: Path) -> None:
    names = list(rows[0].per_set)
    print(f"model: {model}\nin-scope macro-F1 / out-of-scope accuracy at each fallback setting\n")
    header = f"{'thresh':>6} {'ambig':>5} " + " ".join(f"{n[:15]:>15}" for n in names)
    print(header + f" {'mean F1':>8} {'mean OOS':>8}")
    for row in rows:
        cells = []
        for name in names:
            f1, oos = row.per_set[name]
            cells.append(f"{'  -  ' if f1 is None else f'{f1:.3f}'}/{oos:.3f}".rjust(15))
        print(
            f"{row.threshold:>6.2f} {row.ambiguity:>5.2f} "
            + " ".join(cells)
            + f" {row.mean_f1:>8.3f} {row.mean_oos:>8.3f}"
        )


def plot_sweep(rows: list[SweepRow], path: Path) -> bool:
    """The mean trade-off, one line per ambiguity threshold; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for ambiguity in sorted({r.ambiguity for r in rows}):
        mine = [r for r in rows if r.ambiguity == ambiguity]
        axes.plot(
            [r.mean_oos for r in mine],
            [r.mean_f1 for r in mine],
            marker="o",
            label=f"ambiguity {ambiguity:.2f}",
        )
        for r in mine[::2]:
            axes.annotate(f"{r.threshold:.2f}", (r.mean_oos, r.mean_f1), fontsize=7)
    axes.set_xlabel("out-of-scope accuracy (mean over sets)")
    axes.set_ylabel("in-scope macro-F1 (mean over sets)")
    axes.set_title("fallback threshold trade-off")
    axes.grid(alpha=0.3)
    axes.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    return True


def run_sweep(
    files: list[Path], oos_only: list[Path], model: Path, ambiguities: list[float]
) -> list[SweepRow]:
    everything = list(dict.fromkeys([*files, *oos_only]))
    examples = [read_examples(path) for path in everything]
    results = asyncio.run(predict_many(model, [[e["text"] for e in ex] for ex in examples]))
    sets = {
        path.stem: (ex, parsed)
        for path, ex, (parsed, _) in zip(everything, examples, results, strict=True)
    }
    return sweep(sets, {p.stem for p in oos_only}, SWEEP_THRESHOLDS, ambiguities)


def confusion_pairs(errors: list[dict]) -> list[list]:
    """[gold, predicted, count] over the errors, most frequent first (ties by name)."""
    counts = Counter((e["expected"], e["predicted"]) for e in errors)
    return [
        [gold, pred, n] for (gold, pred), n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]


def evaluate(data: Path, model: Path, thresholds: list[float] | None = None) -> Report:
    examples = read_examples(data)
    parsed, per_message = asyncio.run(predict(model, [e["text"] for e in examples]))
    predicted = [(p.get("intent") or {}).get("name") or FALLBACK for p in parsed]
    scores, macro_f1, oos_accuracy = score(examples, predicted)
    errors = [
        {
            "text": e["text"],
            "expected": e["intent"],
            "predicted": pred,
            "confidence": round(float((p.get("intent") or {}).get("confidence") or 0), 3),
        }
        for e, pred, p in zip(examples, predicted, parsed, strict=True)
        if pred != e["intent"] and not (e["intent"] == OUT_OF_SCOPE and pred == FALLBACK)
    ]
    return Report(
        model=str(model),
        data=str(data),
        lines=len(examples),
        in_scope_macro_f1=macro_f1,
        out_of_scope_accuracy=oos_accuracy,
        fallback_rate=sum(p == FALLBACK for p in predicted) / max(len(predicted), 1),
        scores=scores,
        errors=errors,
        seconds_per_message_ms=per_message * 1000,
        threshold_sweep=threshold_sweep(examples, parsed, thresholds or []),
        confusions=confusion_pairs(errors),
    )


def print_report(report: Report, show_errors: bool) -> None:
    print(f"model: {report.model}\ndata:  {report.data} ({report.lines} lines)\n")
    print(f"{'intent':<22}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for s in report.scores:
        print(f"{s.intent:<22}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{s.support:>10}")
    print()
    print(f"in-scope macro-F1:     {report.in_scope_macro_f1:.3f}")
    print(f"out-of-scope accuracy: {report.out_of_scope_accuracy:.3f}")
    print(f"fallback rate:         {report.fallback_rate:.3f}")
    print(f"parse time per line:   {report.seconds_per_message_ms:.1f} ms")
    if report.threshold_sweep:
        print("\nfallback threshold sweep (what another FallbackClassifier threshold would give):")
        for threshold, macro_f1, oos in report.threshold_sweep:
            print(
                f"  threshold {threshold:.2f}: macro-F1 {macro_f1:.3f}  out-of-scope acc {oos:.3f}"
            )
    if report.confusions:
        print("\nconfusion pairs (gold -> predicted: lines), most frequent first:")
        for gold, pred, count in report.confusions[:15]:
            print(f"  {gold:>20} -> {pred:<20} {count}")
    if show_errors and report.errors:
        print(f"\n{len(report.errors)} errors:")
        for e in report.errors:
            print(
                f"  {e['expected']:>20} -> {e['predicted']:<20} {e['confidence']:.2f}  {e['text']}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = scoring_parser(
        __doc__.split("\n\n")[0],
        "JSONL file(s) of {text, intent} lines",
        "list misclassified lines",
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--thresholds", type=float, nargs="*", help="also score at these fallback thresholds"
    )
    parser.add_argument(
        "--sweep", action="store_true", help="fallback threshold x ambiguity table over the files"
    )
    parser.add_argument(
        "--oos-only", type=Path, nargs="*", default=[], help="sweep: files scored for OOS only"
    )
    parser.add_argument(
        "--ambiguities", type=float, nargs="*", default=[0.0, 0.05, 0.1], help="sweep: values"
    )
    parser.add_argument("--plot", type=Path, help="sweep: also draw the trade-off to this PNG")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    model = args.model or latest_model()
    if args.sweep:
        rows = run_sweep(args.data, args.oos_only, model, args.ambiguities)
        print_sweep(rows, model)
        if args.plot and not plot_sweep(rows, args.plot):
            print("(no plot: matplotlib is not installed)")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
        return 0
    if len(args.data) > 1:
        parser.error("one data file at a time, except with --sweep")
    report = evaluate(args.data[0], model, args.thresholds)
    print_report(report, args.errors)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
