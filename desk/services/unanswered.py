"""Unanswered questions: customer messages that ended in ``nlu_fallback`` or ``out_of_scope``,
grouped by similarity, each group ready to paste into ``data/nlu`` as training candidates.

Grouping: identical texts are counted once; the most frequent ``MAX_TEXTS`` distinct texts are
turned into TF-IDF vectors of character uni- and bigrams (Chinese has no spaces, and character
n-grams need no segmenter and tolerate typos), and merged by average-linkage agglomerative
clustering on cosine distance until groups are further apart than ``DISTANCE_THRESHOLD``
(scikit-learn). ``MAX_TEXTS`` bounds the O(n²) distance matrix (1,500 texts ≈ 18 MB); the
rest is counted, not grouped.

The YAML is what a trainer pastes under ``nlu:`` in a file of ``data/nlu``: the intent is left
for them to choose (``TODO``), the examples are the group's texts, one per line.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select

from desk.models import UnansweredMessage
from desk.schemas.analytics import UnansweredExample, UnansweredGroupOut, UnansweredOut
from desk.services import analytics
from desk.services.context import ServiceContext

MAX_TEXTS = 1500
MAX_GROUPS = 100
MAX_EXAMPLES = 50
DISTANCE_THRESHOLD = 0.8
NGRAM_RANGE = (1, 2)
INTENT_LABELS = {"nlu_fallback": "未识别", "out_of_scope": "超出范围"}


@dataclass
class _Text:
    text: str
    count: int = 0
    intents: Counter = field(default_factory=Counter)
    first_seen: Optional[datetime] = None
    last_seen: Optional[datetime] = None


def _load(ctx: ServiceContext, period: analytics.Period) -> dict[str, _Text]:
    texts: dict[str, _Text] = {}
    with ctx.db.session() as session:
        rows = session.execute(
            select(
                UnansweredMessage.text,
                UnansweredMessage.intent,
                func.count(UnansweredMessage.id),
                func.min(UnansweredMessage.sent_at),
                func.max(UnansweredMessage.sent_at),
            )
            .where(UnansweredMessage.day >= period.since, UnansweredMessage.day <= period.until)
            .group_by(UnansweredMessage.text, UnansweredMessage.intent)
        ).all()
    for text, intent, count, first, last in rows:
        entry = texts.setdefault(text, _Text(text))
        entry.count += int(count)
        entry.intents[intent] += int(count)
        entry.first_seen = first if entry.first_seen is None else min(entry.first_seen, first)
        entry.last_seen = last if entry.last_seen is None else max(entry.last_seen, last)
    return texts


def cluster(texts: list[str], threshold: float = DISTANCE_THRESHOLD) -> list[int]:
    """A group label per text: similar texts share one (see the module docstring)."""
    if len(texts) < 2:
        return [0] * len(texts)
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True, lowercase=True
    ).fit_transform(texts)
    distances = 1.0 - cosine_similarity(vectors)
    np.clip(distances, 0.0, 1.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        affinity="precomputed",
        linkage="average",
        distance_threshold=threshold,
    )
    return [int(label) for label in model.fit(distances).labels_]


def _yaml_line(text: str) -> str:
    # Square brackets would read as Rasa entity annotations ("[text](entity)").
    return " ".join(text.replace("[", "［").replace("]", "］").split())


def nlu_yaml(examples: list[str], period: analytics.Period, messages: int) -> str:
    """The group as an NLU block for ``data/nlu`` (the intent left to the trainer)."""
    lines = [
        f"# 未解答问题 {period.since.isoformat()} – {period.until.isoformat()}, "
        f"{messages} 条消息 / {messages} messages; 请选择意图 (choose the intent)",
        "- intent: TODO",
        "  examples: |",
    ]
    seen: set[str] = set()
    for text in examples:
        line = _yaml_line(text)
        if not line or line.startswith("/") or line in seen:
            continue
        seen.add(line)
        lines.append(f"    - {line}")
    return "\n".join(lines) + "\n"


def groups(ctx: ServiceContext, period: analytics.Period) -> UnansweredOut:
    """The period's unanswered messages, grouped, largest groups first."""
    analytics.refresh(ctx)
    texts = _load(ctx, period)
    ranked = sorted(texts.values(), key=lambda t: (-t.count, t.text))
    chosen = ranked[:MAX_TEXTS]
    labels = cluster([entry.text for entry in chosen])
    members: dict[int, list[_Text]] = defaultdict(list)
    for label, entry in zip(labels, chosen, strict=True):
        members[label].append(entry)
    built: list[tuple[int, UnansweredGroupOut]] = []
    for entries in members.values():
        entries.sort(key=lambda t: (-t.count, t.text))
        total = sum(entry.count for entry in entries)
        intents: Counter = Counter()
        for entry in entries:
            intents.update(entry.intents)
        examples = entries[:MAX_EXAMPLES]
        built.append(
            (
                total,
                UnansweredGroupOut(
                    messages=total,
                    intents=dict(intents.most_common()),
                    examples=[UnansweredExample(text=e.text, count=e.count) for e in examples],
                    first_seen=min(e.first_seen for e in entries if e.first_seen),
                    last_seen=max(e.last_seen for e in entries if e.last_seen),
                    nlu_yaml=nlu_yaml([e.text for e in examples], period, total),
                ),
            )
        )
    built.sort(key=lambda item: (-item[0], item[1].examples[0].text))
    return UnansweredOut(
        since=period.since,
        until=period.until,
        messages=sum(entry.count for entry in ranked),
        distinct_texts=len(ranked),
        grouped_texts=len(chosen),
        groups=[group for _total, group in built[:MAX_GROUPS]],
    )
