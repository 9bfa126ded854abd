"""Load and latency benchmark of the eepay bot, side by side with a default Rasa bot.

    .venv/bin/python bench/load.py --concurrency 20 --duration 60

One command measures, on this machine and in this order:

1. the BASELINE bot: `rasa init --no-prompt` (Rasa's default config, trained by init) built
   into a temporary folder; its build time;
2. `rasa train` of this project into a temporary folder with an empty cache (skip with
   --skip-train); models/ is never written;
3. eepay as `make run` starts it (--topology single): backend, desk, action server and one
   Rasa server with models/eepay.tar.gz, SQLite in a temporary workdir, as
   tests/support/stack.py starts them; or a running server (--target): cold start, memory
   after load, latency with one user, then the load: --concurrency simulated customers
   playing multi-turn conversations from bench/corpus/ for --duration seconds (or --turns);
4. eepay in its production topology (--topology replicas; Procfile.prod, docs/deploy.md):
   two Rasa replicas behind nginx on PostgreSQL and Redis, a two-worker action server,
   backend and desk on PostgreSQL (private databases, dropped afterwards), under the same
   concurrency and the same number of turns;
5. the baseline under the same concurrency and the same number of turns (English moodbot
   conversations from bench/corpus/baseline_en.yml).

It prints a table (each eepay topology, the baseline, their ratios) and writes everything to
results/load-<time>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlparse

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadtest import procinfo, services  # noqa: E402
from bench.loadtest.corpus import Corpus, baseline_corpus, default_corpus  # noqa: E402
from bench.loadtest.driver import run_load, summarize  # noqa: E402
from service_kit import customer_token  # noqa: E402
from tests.support import stack  # noqa: E402

DEMO_CUSTOMERS = tuple(f"u{n}" for n in range(1001, 1010))
MB = 1024 * 1024
# Targets of issue 10, measured at 20 concurrent conversations.
TARGETS = {
    "throughput_ratio": 3.0,
    "p95_ms": 500.0,
    "memory_mb": 1024.0,
    "cold_start_s": 20.0,
    "train_s": 180.0,
}


def log(message: str) -> None:
    """Progress on stderr (stdout carries the table)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=20, help="simulated customers (20)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--duration", type=float, help="seconds of load on eepay (default 60)")
    budget.add_argument("--turns", type=int, help="turns of load on each bot instead")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--target", help="a running eepay Rasa server, e.g. http://127.0.0.1:5005")
    where.add_argument(
        "--start-stack",
        action="store_true",
        help="start eepay's stack on free ports with SQLite (the default without --target)",
    )
    parser.add_argument(
        "--topology",
        choices=("single", "replicas", "both"),
        default="both",
        help="eepay as `make run` starts it (one Rasa server, SQLite), in the production "
        "topology (two replicas behind nginx, PostgreSQL, Redis), or both (default)",
    )
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "eepay.tar.gz")
    parser.add_argument("--no-desk", action="store_true", help="start the stack without the desk")
    parser.add_argument(
        "--rasa-pid",
        type=int,
        action="append",
        help="with --target: the Rasa server process(es) to measure (default: who listens on "
        "the target's port)",
    )
    parser.add_argument(
        "--jwt-secret",
        help="with --target: CHAT_JWT_SECRET of that server (default: $CHAT_JWT_SECRET or the "
        "development default)",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-train", action="store_true", help="do not time `rasa train`")
    parser.add_argument(
        "--baseline-dir",
        type=Path,
        help="build the baseline here and keep it; a later run with the same directory reuses "
        "it (default: a temporary folder, removed at the end)",
    )
    parser.add_argument("--single-turns", type=int, default=60, help="turns with one user (60)")
    parser.add_argument(
        "--warmup-turns", type=int, help="unmeasured turns before the load (2 × concurrency)"
    )
    parser.add_argument("--anonymous-share", type=float, default=0.25)
    parser.add_argument("--english-share", type=float, default=0.1)
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause between turns")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per turn")
    parser.add_argument("--seed", type=int, default=2611)
    parser.add_argument("--out", type=Path, help="JSON file (default results/load-<time>.json)")
    args = parser.parse_args(argv)
    if args.duration is None and args.turns is None:
        args.duration = 60.0
    if args.warmup_turns is None:
        args.warmup_turns = 2 * args.concurrency
    return args


def model_mb(model: Path) -> float:
    """Size of a model archive in MB."""
    return round(model.stat().st_size / MB, 2)


def mint_tokens(secret: str) -> dict[str, str]:
    """A customer token per demo customer (24 h)."""
    return {c: customer_token.mint(c, secret=secret, ttl_seconds=24 * 3600) for c in DEMO_CUSTOMERS}


def measure_bot(
    name: str,
    url: str,
    pids: list[int],
    corpus: Corpus,
    args: argparse.Namespace,
    tokens: Optional[dict[str, str]],
    turns: Optional[int],
    duration: Optional[float],
    side_pids: Optional[dict[str, int]] = None,
) -> dict[str, Any]:
    """Memory, one-user latency, warm-up and the load run on one bot."""
    result: dict[str, Any] = {"url": url, "pids": pids}
    result["memory_after_load_mb"] = round(procinfo.tree_rss(pids) / MB, 1) if pids else None
    common = {
        "tokens": tokens,
        "anonymous_share": args.anonymous_share,
        "english_share": args.english_share,
        "timeout": args.timeout,
        "think_time": args.think_ms / 1000,
    }
    log(f"{name}: one user, {args.single_turns} turns")
    single = asyncio.run(
        run_load(
            url,
            corpus,
            1,
            turns=args.single_turns,
            seed=args.seed,
            sender_prefix=f"{name}-single",
            **common,
        )
    )
    result["single_user"] = summarize(single)
    if args.warmup_turns:
        log(f"{name}: warm-up, {args.warmup_turns} turns")
        asyncio.run(
            run_load(
                url,
                corpus,
                args.concurrency,
                turns=args.warmup_turns,
                seed=args.seed + 1,
                sender_prefix=f"{name}-warm",
                **common,
            )
        )
    what = f"{turns} turns" if turns else f"{duration:.0f} s"
    log(f"{name}: load, {args.concurrency} concurrent conversations, {what}")
    side = side_pids or {}
    speed_before = procinfo.machine_speed()
    load_before = procinfo.load_average()
    side_cpu_before = {k: procinfo.tree_cpu([p]) for k, p in side.items()}
    client_cpu_before = time.process_time()
    with procinfo.TreeSampler(pids) as sampler:
        run = asyncio.run(
            run_load(
                url,
                corpus,
                args.concurrency,
                turns=turns,
                duration=duration,
                seed=args.seed + 2,
                sender_prefix=f"{name}-load",
                **common,
            )
        )
    summary = summarize(run)
    # the machine's speed before and after, on an idle bot: ratios between bots measured
    # minutes apart are only as good as the machine was steady in between
    summary["machine_speed"] = [speed_before, procinfo.machine_speed()]
    n = max(1, summary["turns"])
    summary["peak_rss_mb"] = round(sampler.peak_rss / MB, 1) if pids else None
    summary["peak_rss_hwm_mb"] = (
        round(sum(procinfo.peak_rss_bytes(p) for p in pids) / MB, 1) if pids else None
    )
    # one Rasa server's own peak (the largest, when several replicas are measured)
    summary["peak_rss_per_server_mb"] = (
        round(max(procinfo.peak_rss_bytes(p) for p in pids) / MB, 1) if pids else None
    )
    summary["rasa_cpu_ms_per_turn"] = round(1000 * sampler.cpu_used / n, 1) if pids else None
    summary["rasa_cpu_share"] = round(sampler.cpu_used / run.wall_seconds, 2) if pids else None
    summary["other_services_cpu_ms_per_turn"] = {
        k: round(1000 * (procinfo.tree_cpu([p]) - side_cpu_before[k]) / n, 1)
        for k, p in side.items()
    }
    summary["load_generator_cpu_share"] = round(
        (time.process_time() - client_cpu_before) / run.wall_seconds, 2
    )
    summary["machine_busy_share"] = round(sampler.machine_busy_share, 2)
    summary["load_average_before"] = load_before
    result["load"] = summary
    return result


def ratio(ours: Optional[float], theirs: Optional[float]) -> Optional[float]:
    if ours is None or theirs in (None, 0):
        return None
    return round(ours / theirs, 2)


# The eepay measurements in the report, in table order: (report key, column title).
EEPAY_COLUMNS = (("eepay", "eepay"), ("eepay_replicas", "replicas"))


def _load(result: dict[str, Any]) -> dict[str, Any]:
    return result.get("load") or {}


def _latency(result: dict[str, Any], key: str, which: str = "load") -> Any:
    return (result.get(which) or {}).get("latency_ms", {}).get(key)


def _speed(result: dict[str, Any], index: int) -> Optional[float]:
    speeds = _load(result).get("machine_speed") or []
    return speeds[index] if len(speeds) > index else None


def figures(concurrency: int) -> list[tuple[str, Any, bool]]:
    """(figure, how to read it from one bot's results, whether ratios to the baseline mean
    something) for the table."""
    c = concurrency
    return [
        (f"throughput @{c} (turns/s)", lambda r: _load(r).get("throughput_turns_per_s"), True),
        (f"p50 latency @{c} (ms)", lambda r: _latency(r, "p50"), True),
        (f"p95 latency @{c} (ms)", lambda r: _latency(r, "p95"), True),
        (f"p99 latency @{c} (ms)", lambda r: _latency(r, "p99"), True),
        ("turns measured", lambda r: _load(r).get("turns"), False),
        ("errors", lambda r: _load(r).get("errors"), False),
        ("unanswered turns", lambda r: _load(r).get("unanswered"), False),
        ("handoffs (conversation ends)", lambda r: _load(r).get("handoffs"), False),
        ("Rasa servers", lambda r: len(r.get("pids") or []) or None, False),
        ("peak RSS, one Rasa server (MB)", lambda r: _load(r).get("peak_rss_per_server_mb"), True),
        ("peak RSS, all Rasa servers (MB)", lambda r: _load(r).get("peak_rss_mb"), True),
        ("Rasa RSS after model load (MB)", lambda r: r.get("memory_after_load_mb"), True),
        ("Rasa CPU per turn (ms)", lambda r: _load(r).get("rasa_cpu_ms_per_turn"), True),
        ("cold start to first answer (s)", lambda r: r.get("cold_start_s"), True),
        ("replicas: all answering (s)", lambda r: r.get("topology_ready_s"), False),
        ("one user p50 (ms)", lambda r: _latency(r, "p50", "single_user"), True),
        ("one user p95 (ms)", lambda r: _latency(r, "p95", "single_user"), True),
        ("training (s)", lambda r: r.get("train_s"), True),
        ("model size (MB)", lambda r: r.get("model_mb"), True),
        ("machine speed before (probe/s)", lambda r: _speed(r, 0), False),
        ("machine speed after (probe/s)", lambda r: _speed(r, 1), False),
    ]


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def table(report: dict[str, Any]) -> str:
    """The readable summary printed to stdout."""
    measured = [(key, title) for key, title in EEPAY_COLUMNS if report.get(key)]
    base = report.get("baseline") or {}
    titles = [title for _, title in measured] + ["baseline"]
    if base:
        titles += [f"{title}/base" for _, title in measured]
    width = max(10, *(len(t) for t in titles))
    lines = [f"{'figure':<34}" + "".join(f" {t:>{width}}" for t in titles)]
    lines.append("-" * len(lines[0]))
    for name, read, meaningful in figures(report["settings"]["concurrency"]):
        values = [read(report[key]) for key, _ in measured]
        theirs = read(base) if base else None
        cells = [*values, theirs]
        if base:
            for ours in values:
                numbers = isinstance(ours, (int, float)) and isinstance(theirs, (int, float))
                cells.append(ratio(float(ours), float(theirs)) if numbers and meaningful else None)
        lines.append(f"{name:<34}" + "".join(f" {fmt(v):>{width}}" for v in cells))
    for key, title in measured:
        result = report[key]
        ol = _load(result)
        lines.append("")
        lines.append(
            f"{title}: machine busy {ol.get('machine_busy_share')} of {report['machine']['cpus']} "
            f"CPUs during the load (Rasa {ol.get('rasa_cpu_share')} CPUs, load generator "
            f"{ol.get('load_generator_cpu_share')}), load average before "
            f"{ol.get('load_average_before')}"
        )
        other = ol.get("other_services_cpu_ms_per_turn") or {}
        if other:
            lines.append(
                "  other services, CPU ms per turn: "
                + ", ".join(f"{k} {v}" for k, v in other.items())
            )
        slow = list((ol.get("latency_ms_by_step") or {}).items())[:5]
        if slow:
            lines.append(
                "  slowest steps (p50 ms): " + ", ".join(f"{k} {v['p50']:.0f}" for k, v in slow)
            )
        checks = (report.get("targets") or {}).get(key) or {}
        if checks:
            lines.append(
                "  targets (issue 10): "
                + ", ".join(f"{k} {'OK' if ok else 'MISSED'}" for k, ok in checks.items())
            )
    return "\n".join(lines)


def check_targets(result: dict[str, Any], base: Optional[dict[str, Any]]) -> dict[str, bool]:
    """Issue 10's targets for one eepay measurement (memory: each Rasa server)."""
    ol = _load(result)
    checks: dict[str, bool] = {}
    if base and base.get("load"):
        r = ratio(ol.get("throughput_turns_per_s"), base["load"].get("throughput_turns_per_s"))
        checks["throughput>=3x"] = r is not None and r >= TARGETS["throughput_ratio"]
    checks["p95<=500ms"] = ol.get("latency_ms", {}).get("p95", 1e9) <= TARGETS["p95_ms"]
    if ol.get("peak_rss_per_server_mb") is not None:
        checks["memory<=1GB"] = ol["peak_rss_per_server_mb"] <= TARGETS["memory_mb"]
    if result.get("cold_start_s") is not None:
        checks["cold_start<=20s"] = result["cold_start_s"] <= TARGETS["cold_start_s"]
    if result.get("train_s") is not None:
        checks["train<=3min"] = result["train_s"] <= TARGETS["train_s"]
    return checks


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if not args.target and not args.model.exists():
        log(f"{args.model} missing: run `make train` first")
        return 2
    corpus = default_corpus()
    report: dict[str, Any] = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/load.py", *(argv or sys.argv[1:])]),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": procinfo.load_average(),
        },
        "corpus": {
            "distinct_utterances": corpus.distinct_utterances(),
            "scenarios": len(corpus.scenarios),
        },
    }
    out = args.out or ROOT / "results" / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    with ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="eepay-bench-")))
        baseline_bot = None
        if not args.skip_baseline:
            directory = args.baseline_dir or tmp / "baseline"
            log(f"baseline: rasa init --no-prompt in {directory} (trains with the default config)")
            baseline_bot = services.build_baseline(directory, reuse=args.baseline_dir is not None)
            log(
                f"baseline: built in {baseline_bot.build_seconds:.0f} s "
                f"(reused: {baseline_bot.reused})"
            )
        ours: dict[str, Any] = {}
        if not args.skip_train:
            log("eepay: timing `rasa train` into a temporary folder (empty cache)")
            timing = services.time_training(tmp / "train")
            ours["train_s"] = round(timing.seconds, 1)
            ours["trained_model_mb"] = round(timing.model_bytes / MB, 2)
            log(f"eepay: trained in {timing.seconds:.0f} s")

        # --- eepay ---------------------------------------------------------------------
        tokens = mint_tokens(stack.CHAT_JWT_SECRET)
        if args.target:
            url = args.target.rstrip("/")
            secret = (
                args.jwt_secret or os.environ.get("CHAT_JWT_SECRET") or customer_token.DEV_SECRET
            )
            pids = args.rasa_pid or procinfo.pids_listening_on(urlparse(url).port or 80)
            ours.update({"target": url, "cold_start_s": None})
            ours.update(
                measure_bot(
                    "eepay", url, pids, corpus, args, mint_tokens(secret), args.turns, args.duration
                )
            )
            report["eepay"] = ours
        turns = args.turns or (ours["load"]["turns"] if args.target else None)

        def measure_started(
            name: str, url: str, pids: list[int], side: dict[str, int], turns: Optional[int]
        ) -> dict[str, Any]:
            """An eepay topology this run started: as many turns as the run before it, or
            --duration for the first one."""
            return measure_bot(
                name, url, pids, corpus, args, tokens, turns, None if turns else args.duration, side
            )

        if not args.target and args.topology in ("single", "both"):
            log("eepay: starting backend, desk, action server and Rasa server (SQLite)")
            workdir = tmp / "stack"
            workdir.mkdir()
            with services.eepay_stack(workdir, args.model, with_desk=not args.no_desk) as eepay:
                single = dict(ours, model=str(args.model), model_mb=model_mb(args.model))
                single["cold_start_s"] = round(eepay.rasa.cold_start_seconds, 2)
                log(
                    f"eepay: first answer {eepay.rasa.cold_start_seconds:.1f} s after start "
                    f"(Rasa pid {eepay.rasa.pid}, for py-spy)"
                )
                side = {k: v for k, v in eepay.pids().items() if k != "rasa"}
                single.update(measure_started("eepay", eepay.url, [eepay.rasa.pid], side, turns))
            report["eepay"] = single
            turns = turns or single["load"]["turns"]
        if not args.target and args.topology in ("replicas", "both"):
            log("replicas: starting the production topology (nginx, 2 Rasa replicas, PostgreSQL)")
            workdir = tmp / "replicas"
            workdir.mkdir()
            with services.eepay_replicas(workdir, args.model) as topology:
                first = time.monotonic()
                services.first_answer(topology.balancer_url, "你好")
                first_answer_s = time.monotonic() - first
                replicas = dict(ours, model=str(args.model), model_mb=model_mb(args.model))
                # each replica from its spawn to serving (all loading at once), plus the first
                # answer through the balancer; and the whole topology's start
                replicas["replica_start_s"] = [round(t, 2) for t in topology.replica_start_seconds]
                replicas["cold_start_s"] = round(
                    max(topology.replica_start_seconds) + first_answer_s, 2
                )
                replicas["topology_ready_s"] = round(
                    topology.replicas_ready_seconds + first_answer_s, 2
                )
                pids = topology.pids()
                log(
                    f"replicas: each replica serving {replicas['replica_start_s']} s after its "
                    f"start, first answer {replicas['topology_ready_s']:.1f} s after the first "
                    f"replica's start (Rasa pids {topology.replica_pids()}, for py-spy)"
                )
                side = {k: v for k, v in pids.items() if not k.startswith("rasa-")}
                replicas.update(
                    measure_started(
                        "replicas", topology.balancer_url, topology.replica_pids(), side, turns
                    )
                )
            report["eepay_replicas"] = replicas
            turns = turns or replicas["load"]["turns"]

        # --- baseline ------------------------------------------------------------------
        if baseline_bot is not None:
            base: dict[str, Any] = {
                "project": str(baseline_bot.directory),
                "model_mb": round(baseline_bot.model_bytes / MB, 2),
                "train_s": round(baseline_bot.build_seconds, 1),
                "build_reused": baseline_bot.reused,
            }
            log("baseline: starting `rasa run`")
            with services.baseline_server(baseline_bot) as rasa:
                base["cold_start_s"] = round(rasa.cold_start_seconds, 2)
                log(f"baseline: first answer {rasa.cold_start_seconds:.1f} s after start")
                base.update(
                    measure_bot(
                        "baseline", rasa.url, [rasa.pid], baseline_corpus(), args, None, turns, None
                    )
                )
            report["baseline"] = base
    report["targets"] = {
        key: check_targets(report[key], report.get("baseline"))
        for key, _ in EEPAY_COLUMNS
        if report.get(key)
    }
    report["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(table(report))
    print(f"\nfull results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
