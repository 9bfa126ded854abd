"""Does spaCy earn its place in the NLU pipeline? Measure it against the pipeline without it.

    make bench-spacy                                        # installs spaCy, then runs this
    .venv/bin/python bench/spacy_compare.py [--seed 2611]   # once spaCy is installed

spaCy is not a dependency of the product (that is what this measurement decided), so it is not
in requirements.lock: ``make bench-spacy`` installs ``bench/requirements-spacy.txt`` into .venv
first. The figures and the decision are in docs/performance.md.

Builds a Chinese spaCy pipeline locally (blank ``zh`` with the jieba segmenter and our payment
dictionary, plus an EntityRuler compiled from the lookup tables and synonyms in
``data/nlu/entities.yml``; no downloaded model), then trains two NLU models that differ only in
how ``bank`` and ``payment_method`` are found:

* ``lookup``: ``addons.nlu.entity_extractors.LookupEntityExtractor`` (what config.yml uses);
* ``spacy``:  ``SpacyNLP`` (loaded by path) + ``SpacyEntityExtractor`` over the EntityRuler.

For each: entity precision/recall on ``tests/nlu/entities_zh.jsonl``, in-scope macro-F1 and
out-of-scope accuracy on the held-out file, parse latency, model load time and the process's
resident memory. spaCy's dense features (SpacyFeaturizer) are not compared: a blank pipeline
has no word vectors, so they would be all zeros.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlu_eval import evaluate, quiet_logs  # noqa: E402

ENTITIES = ("bank", "payment_method")


def build_spacy_pipeline(target: Path) -> Path:
    """A blank zh pipeline (jieba + payment dictionary) with an EntityRuler, saved to ``target``."""
    import jieba

    try:
        import spacy
    except ImportError as missing:
        raise SystemExit(
            "spaCy is not installed: it is not a product dependency. Run `make bench-spacy`, or "
            "`.venv/bin/pip install -r bench/requirements-spacy.txt` first."
        ) from missing

    for dictionary in (ROOT / "data" / "jieba").glob("*.txt"):
        jieba.load_userdict(str(dictionary))
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    data = yaml.safe_load((ROOT / "data" / "nlu" / "entities.yml").read_text(encoding="utf-8"))
    patterns = []
    for block in data["nlu"]:
        if block.get("lookup") in ENTITIES:
            for line in block["examples"].splitlines():
                term = re.sub(r"^\s*-\s*", "", line).strip()
                if term:
                    # character-level pattern: jieba may split a bank name differently
                    patterns.append({"label": block["lookup"], "pattern": term})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(patterns)
    nlp.to_disk(target)
    return target


def configs(spacy_path: Path) -> dict[str, dict]:
    base = yaml.safe_load((ROOT / "config.yml").read_text())
    base.pop("policies", None)
    lookup = yaml.safe_load(yaml.safe_dump(base))
    spacy_config = yaml.safe_load(yaml.safe_dump(base))
    pipeline = []
    for component in spacy_config["pipeline"]:
        if component["name"] == "addons.nlu.entity_extractors.LookupEntityExtractor":
            pipeline.append({"name": "SpacyEntityExtractor", "dimensions": list(ENTITIES)})
            continue
        pipeline.append(component)
    spacy_config["pipeline"] = [{"name": "SpacyNLP", "model": str(spacy_path)}, *pipeline]
    return {"lookup": lookup, "spacy": spacy_config}


def train(name: str, config: dict, workdir: Path, seed: int) -> tuple[Path, float]:
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["random_seed"] = seed
    path = workdir / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/rasa"), "train", "nlu", "--config", str(path), "--nlu", "data/nlu",
         "--out", str(workdir), "--fixed-model-name", name],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return workdir / f"{name}.tar.gz", time.perf_counter() - started


def probe(model: Path) -> dict:
    """Runs in a fresh process: load time, parse latency, peak memory, entity precision/recall."""
    from rasa.core.agent import Agent

    quiet_logs()
    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_seconds = time.perf_counter() - started
    cases = [
        json.loads(line)
        for line in (ROOT / "tests/nlu/entities_zh.jsonl").read_text(encoding="utf-8").splitlines()
    ]

    async def measure() -> tuple[int, int, int, float]:
        tp = fp = fn = 0
        for case in cases:
            parsed = await agent.parse_message(case["text"])
            found = {
                (e["entity"], e["value"]) for e in parsed["entities"] if e["entity"] in ENTITIES
            }
            wanted = {(k, v) for k, v in case["entities"].items() if k in ENTITIES}
            tp, fp, fn = (
                tp + len(found & wanted),
                fp + len(found - wanted),
                fn + len(wanted - found),
            )
        started = time.perf_counter()
        for _ in range(5):
            for case in cases:
                await agent.parse_message(case["text"])
        return tp, fp, fn, (time.perf_counter() - started) / (5 * len(cases)) * 1000

    tp, fp, fn, latency_ms = asyncio.run(measure())
    return {
        "load_s": round(load_seconds, 2),
        "parse_ms": round(latency_ms, 1),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "entity_precision": round(tp / max(tp + fp, 1), 3),
        "entity_recall": round(tp / max(tp + fn, 1), 3),
    }


def entity_scores(model: Path) -> dict:
    """``probe`` in a child process, so each model's memory is measured on its own."""
    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), __file__, "--probe", str(model)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2611)
    parser.add_argument("--data", type=Path, default=ROOT / "tests/nlu/heldout_zh.jsonl")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe)))
        return 0
    quiet_logs()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="spacy-compare-") as tmp:
        workdir = Path(tmp)
        spacy_path = build_spacy_pipeline(workdir / "spacy_zh")
        for name, config in configs(spacy_path).items():
            model, seconds = train(name, config, workdir, args.seed)
            report = evaluate(args.data, model)
            rows[name] = {
                "train_s": round(seconds),
                "model_mb": round(model.stat().st_size / 1e6, 1),
                "macro_f1": round(report.in_scope_macro_f1, 3),
                "oos_accuracy": round(report.out_of_scope_accuracy, 3),
                **entity_scores(model),
            }
            print(name, json.dumps(rows[name]), flush=True)
    keys = list(next(iter(rows.values())))
    print("\n" + f"{'':<8}" + "".join(f"{k:>17}" for k in keys))
    for name, row in rows.items():
        print(f"{name:<8}" + "".join(f"{row[k]:>17}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
