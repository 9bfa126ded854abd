"""The load test's corpus: utterances by category, and scenarios that string them into turns.

Format: bench/corpus/scenarios.yml (the step syntax is explained at its top). A
:class:`Conversation` is played one turn at a time: :meth:`Conversation.next_message` looks at
the bot's previous reply (to click one of its buttons) and returns the next customer message,
or None when the scenario is over.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
HUMAN_PAYLOAD = "/request_human"

# Replies that mean the bot handed the conversation to a person; it stays silent afterwards.
HANDOFF_MARKERS = re.compile(
    r"已为您(转接|登记)人工客服|🙋|transferred you to|connected you with an agent"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: float
    steps: tuple[str, ...]
    customers: tuple[str, ...]  # demo customer ids; "any" / "anonymous" as given


@dataclass
class Corpus:
    """Utterances by category and language, and the scenarios to play."""

    categories: dict[str, dict[str, list[str]]]
    scenarios: list[Scenario]

    def distinct_utterances(self) -> int:
        """How many different texts the corpus can send (buttons' payloads not counted)."""
        return len(
            {text for langs in self.categories.values() for ts in langs.values() for text in ts}
        )

    def utterance(self, category: str, language: str, rng: random.Random) -> str:
        """A random text of ``category``, in ``language`` when the corpus has one."""
        try:
            by_language = self.categories[category]
        except KeyError:
            raise KeyError(f"corpus has no category {category!r}") from None
        texts = by_language.get(language) or next(iter(by_language.values()))
        return rng.choice(texts)

    def pick_scenario(self, rng: random.Random) -> Scenario:
        """A scenario drawn by weight."""
        return rng.choices(self.scenarios, weights=[s.weight for s in self.scenarios])[0]

    def validate(self) -> None:
        """Every step names a known category (or is a button step with a known fallback)."""
        for scenario in self.scenarios:
            for step in scenario.steps:
                category = _step_category(step)
                if category and category not in self.categories:
                    raise ValueError(f"scenario {scenario.name!r}: unknown category {category!r}")


def _step_category(step: str) -> Optional[str]:
    step = step.rstrip("?")
    if step.startswith("@"):
        parts = step[1:].split("|", 1)
        return parts[1] if len(parts) == 2 else None
    return step


def load_corpus(utterances: Path, scenarios: Optional[Path] = None) -> Corpus:
    """Reads a corpus: categories from ``utterances``; scenarios from ``scenarios`` or, when
    None, from the same file (the baseline corpus keeps both in one file)."""
    data = yaml.safe_load(utterances.read_text(encoding="utf-8"))
    scenario_data = yaml.safe_load(scenarios.read_text(encoding="utf-8")) if scenarios else data
    categories = {
        name: {lang: [str(t) for t in texts] for lang, texts in langs.items()}
        for name, langs in data["categories"].items()
    }
    parsed = []
    for item in scenario_data["scenarios"]:
        customer = item.get("customer", "anonymous")
        customers = tuple(customer) if isinstance(customer, list) else (str(customer),)
        parsed.append(
            Scenario(item["name"], float(item.get("weight", 1)), tuple(item["steps"]), customers)
        )
    corpus = Corpus(categories, parsed)
    corpus.validate()
    return corpus


def default_corpus() -> Corpus:
    """eepay's corpus: bench/corpus/utterances.yml + scenarios.yml."""
    return load_corpus(CORPUS_DIR / "utterances.yml", CORPUS_DIR / "scenarios.yml")


def baseline_corpus() -> Corpus:
    """The `rasa init` bot's English corpus: bench/corpus/baseline_en.yml."""
    return load_corpus(CORPUS_DIR / "baseline_en.yml")


def buttons_of(reply: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons of a turn's bot messages, latest message last."""
    found: list[dict[str, Any]] = []
    for message in reply:
        for button in message.get("buttons") or []:
            if isinstance(button, dict) and isinstance(button.get("payload"), str):
                found.append(button)
    return found


def is_handoff(reply: Sequence[dict[str, Any]]) -> bool:
    """Whether the bot handed the conversation to a person in this turn."""
    return any(HANDOFF_MARKERS.search(m.get("text") or "") for m in reply)


@dataclass
class Conversation:
    """One simulated customer playing one scenario."""

    scenario: Scenario
    sender: str
    customer_id: Optional[str]
    language: str
    rng: random.Random
    corpus: Corpus
    _step: int = 0
    sent: list[str] = field(default_factory=list)
    #: what the latest message was: its category, or "button" for a clicked payload
    last_label: str = ""

    def next_message(self, last_reply: Sequence[dict[str, Any]]) -> Optional[str]:
        """The next customer message given the bot's last reply; None when finished."""
        while self._step < len(self.scenario.steps):
            step = self.scenario.steps[self._step]
            self._step += 1
            optional = step.endswith("?")
            step = step.rstrip("?")
            if optional and self.rng.random() < 0.5:
                continue
            rendered = self._render(step, last_reply)
            if rendered is not None:
                message, self.last_label = rendered
                self.sent.append(message)
                return message
        return None

    def _render(self, step: str, last_reply: Sequence[dict[str, Any]]) -> Optional[tuple[str, str]]:
        if not step.startswith("@"):
            return self.corpus.utterance(step, self.language, self.rng), step
        target, _, fallback = step[1:].partition("|")
        buttons = buttons_of(last_reply)
        if target == "button":
            choices = [b for b in buttons if b["payload"] != HUMAN_PAYLOAD] or buttons
            if choices:
                return self.rng.choice(choices)["payload"], "button"
        else:
            for button in buttons:
                if button["payload"] == target:
                    return target, "button"
        if fallback:
            return self.corpus.utterance(fallback, self.language, self.rng), fallback
        return None


def new_conversation(
    corpus: Corpus,
    rng: random.Random,
    sender: str,
    demo_customers: Sequence[str],
    anonymous_share: float,
    english_share: float,
) -> Conversation:
    """A conversation with a scenario, a customer (or none) and a language drawn at random."""
    scenario = corpus.pick_scenario(rng)
    choice = rng.choice(scenario.customers)
    if choice == "anonymous" or not demo_customers:
        customer: Optional[str] = None
    elif choice == "any":
        customer = None if rng.random() < anonymous_share else rng.choice(list(demo_customers))
    else:
        customer = choice
    language = "en" if rng.random() < english_share else "zh"
    return Conversation(scenario, sender, customer, language, rng, corpus)
