"""Compare NLU configurations on held-out files, over several DIET seeds.

    .venv/bin/python bench/nlu_compare.py bench/configs/a.yml bench/configs/b.yml \\
        [--seeds 1 2 3] [--data tests/nlu/heldout_zh.jsonl tests/nlu/real_en.jsonl ...]
        [--oos-only tests/nlu/real_zh.jsonl]

For every configuration and seed: trains an NLU-only model into a temporary folder (the
seed replaces every ``random_seed`` in the pipeline), times the training, scores it with
``bench/nlu_eval.py`` and reports mean and spread of in-scope macro-F1, out-of-scope
accuracy, training time and model size. DIET's seed alone moves macro-F1 by up to 0.04, so
one run per configuration proves nothing (the logistic-regression pipelines are deterministic:
one seed is enough for them). With several ``--data`` files the first is the one the threshold
table reads, and a per-file table follows; ``--oos-only`` files count for out-of-scope
accuracy only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlu_eval import evaluate  # noqa: E402

RASA = str(ROOT / ".venv" / "bin" / "rasa")


def with_seed(config: dict, seed: int) -> dict:
    for component in config.get("pipeline", []):
        if component.get("name") in ("DIETClassifier", "ResponseSelector"):
            component["random_seed"] = seed
    return config


def train(config_path: Path, seed: int, workdir: Path) -> tuple[Path, float]:
    config = with_seed(yaml.safe_load(config_path.read_text()), seed)
    seeded = workdir / f"{config_path.stem}-{seed}.yml"
    seeded.write_text(yaml.safe_dump(config, allow_unicode=True))
    name = f"{config_path.stem}-{seed}"
    started = time.perf_counter()
    subprocess.run(
        [
            RASA,
            "train",
            "nlu",
            "--config",
            str(seeded),
            "--nlu",
            "data/nlu",
            "--out",
            str(workdir),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    return workdir / f"{name}.tar.gz", time.perf_counter() - started


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument(
        "--data", type=Path, nargs="+", default=[ROOT / "tests/nlu/heldout_zh.jsonl"]
    )
    parser.add_argument("--oos-only", type=Path, nargs="*", default=[])
    parser.add_argument("--json", type=Path, help="write all runs here as JSON")
    parser.add_argument("--thresholds", type=float, nargs="*", default=[0.5, 0.6, 0.7, 0.8])
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory(prefix="nlu-compare-") as tmp:
        for config in args.configs:
            for seed in args.seeds:
                model, seconds = train(config, seed, Path(tmp))
                report = evaluate(args.data[0], model, args.thresholds)
                others = {
                    path.stem: evaluate(path, model) for path in [*args.data[1:], *args.oos_only]
                }
                run = {
                    "config": config.stem,
                    "seed": seed,
                    "train_seconds": round(seconds, 1),
                    "model_mb": round(model.stat().st_size / 1e6, 1),
                    "macro_f1": round(report.in_scope_macro_f1, 4),
                    "oos_accuracy": round(report.out_of_scope_accuracy, 4),
                    "parse_ms": round(report.seconds_per_message_ms, 1),
                    "sweep": [[t, round(f, 4), round(o, 4)] for t, f, o in report.threshold_sweep],
                    "sets": {
                        name: [round(r.in_scope_macro_f1, 4), round(r.out_of_scope_accuracy, 4)]
                        for name, r in [(args.data[0].stem, report), *others.items()]
                    },
                }
                runs.append(run)
                print(json.dumps(run), flush=True)
                model.unlink()

    print(f"\n{'config':<24}{'macro-F1':>18}{'OOS acc':>18}{'train s':>16}{'MB':>8}{'ms':>7}")
    for config in args.configs:
        mine = [r for r in runs if r["config"] == config.stem]
        print(
            f"{config.stem:<24}"
            f"{spread([r['macro_f1'] for r in mine]):>18}"
            f"{spread([r['oos_accuracy'] for r in mine]):>18}"
            f"{statistics.mean(r['train_seconds'] for r in mine):>16.0f}"
            f"{statistics.mean(r['model_mb'] for r in mine):>8.1f}"
            f"{statistics.mean(r['parse_ms'] for r in mine):>7.1f}"
        )
    print("\nat other fallback thresholds (macro-F1 / OOS accuracy, mean over seeds):")
    for config in args.configs:
        mine = [r for r in runs if r["config"] == config.stem]
        cells = []
        for index, threshold in enumerate(args.thresholds):
            f1 = statistics.mean(r["sweep"][index][1] for r in mine)
            oos = statistics.mean(r["sweep"][index][2] for r in mine)
            cells.append(f"{threshold:.2f}: {f1:.3f}/{oos:.3f}")
        print(f"{config.stem:<24}" + "   ".join(cells))
    if len(args.data) > 1 or args.oos_only:
        names = list(runs[0]["sets"])
        oos_only = {p.stem for p in args.oos_only}
        print("\nin-scope macro-F1 / out-of-scope accuracy per file (mean over seeds):")
        print(f"{'config':<24}" + "".join(f"{n[:15]:>17}" for n in names))
        for config in args.configs:
            mine = [r for r in runs if r["config"] == config.stem]
            cells = []
            for name in names:
                f1 = statistics.mean(r["sets"][name][0] for r in mine)
                oos = statistics.mean(r["sets"][name][1] for r in mine)
                cells.append(f"{'  -  ' if name in oos_only else f'{f1:.3f}'}/{oos:.3f}")
            print(f"{config.stem:<24}" + "".join(f"{c:>17}" for c in cells))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
