"""The conversation suite: customers' conversations written as data, played against the stack.

Each YAML file of this folder holds the conversations of one topic. A conversation is a
customer (a demo customer ``u1001``…``u1009``, signed in on every turn, or nobody), the turns
they type and what each answer must give them, and what must be true afterwards at the backend
and the desk. The checks are about what matters to the customer — the fact from their own data,
the policy reason, the buttons they can press, what was filed — never about exact wording::

    topic: refund
    conversations:
      - id: u1005-refund-game-top-up-not-refundable
        customer: u1005            # omit (or null) for an anonymous customer
        language: zh-Hans          # zh-Hans (default) | zh-Hant | en: every answer in it
        needs: [resolver]          # bot work it depends on (README of this folder)
        turns:
          - user: 点卡那笔268的能不能退
            bot:
              says: [腾讯游戏, ¥268.00, 虚拟商品]   # each must be seen; a list item = any of
              not_says: [没有可以申请退款的交易]
              buttons: [T202611230005]          # a button whose payload or title has it
              not_buttons: [T202610010005]
              rating: false                     # the rating question is (not) asked
              silent: false                     # the bot says nothing at all
        end:
          refunds: []              # transactions refunded in this conversation (default none)
          disputes: []             # [{transaction: T…, type: duplicate_charge}] (default none)
          frozen: []               # customers whose payment methods were frozen (default none)
          handoff: null            # the desk ticket's reason, or any (default: no ticket)

Text is compared in Simplified characters and case-insensitively, so one check serves a
Traditional Chinese conversation too. Every conversation also checks that each answer is in
the customer's language with no template slot left unfilled (``{position}``), that the rating
question is asked at most once and that nothing is filed that its ``end`` does not name.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import yaml
from opencc import OpenCC

from service_kit.language import LANGUAGES, SIMPLIFIED, detect_language
from tests.support.live_stack import LiveStack

HERE = Path(__file__).resolve().parent
DEMO_CUSTOMERS = tuple(f"u{n}" for n in range(1001, 1010))
# What a conversation may depend on: bot work of issues 18 and 19, tag → what it is. A
# conversation names the tags its checks rely on; README.md of this folder explains each.
NEEDS: dict[str, str] = {
    "resolver": "issue 18.1: payments named by description (merchant, alias, amount, date)",
    "context": "issue 18.2: a turn read as the answer to the last question (第二个, 不是这笔…)",
    "opening": "issue 18.3: a greeting or thanks with a need serves the need",
    "closing": "issue 18.3: thanks + goodbye or 没有了 closes once, with the rating",
    "phrasing": "issues 17, 18.4: phrasing the classifier misses (merchant + amount + symptom"
    " in one breath, 收不到验证码, English symptoms…)",
    "traditional": "Traditional Chinese read like Simplified: a message with no script-specific"
    " characters keeps the conversation in Traditional; keyword checks read Traditional text",
    "knowledge": "issue 19.1: knowledge answers (limits, fees, real name, abroad…)",
    "scam": "issue 19.3: scam situations recognised, warned about, victims protected",
    "form_switch": "another support topic typed at a free-text form question (where to send"
    " the code) leaves the form instead of being taken as the answer",
    "nlu_gap": "phrasings the classifier missed (issue 17's open part): a merchant and an"
    " amount with 不是我买的 is a dispute, not shopping; Traditional 帳戶被凍結了 scores as its"
    " Simplified spelling (the sentence encoder reads the folded text too)",
}
# The tags whose work has landed. A conversation whose needs are all here runs in `make test`
# and must pass; the others are skipped with the missing tags as the reason (bench/
# conversations.py plays them all). Add a tag here when its work is merged.
BUILT: frozenset[str] = frozenset(
    {
        "resolver",
        "context",
        "opening",
        "closing",
        "phrasing",
        "traditional",
        "knowledge",
        "scam",
        "form_switch",
        "nlu_gap",
    }
)
# For the engineer building a tag: EEPAY_CONVERSATIONS_BUILT=resolver,context runs those too.
ASSUME_BUILT_ENV = "EEPAY_CONVERSATIONS_BUILT"
TURN_CHECKS = {"says", "not_says", "buttons", "not_buttons", "rating", "silent", "language"}
TEXT_CHECKS = ("says", "not_says", "buttons", "not_buttons")
END_CHECKS = {"refunds", "disputes", "frozen", "handoff"}
HANDOFF_WAIT_SECONDS = 5.0
_T2S = OpenCC("t2s")  # as service_kit.language reads scripts
# a response variable nobody filled ({position}, {amount}): the customer would read it as is
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")

# a check item: one text, or a list of texts of which any one will do
Expected = Union[str, list[str]]


@dataclass(frozen=True)
class Turn:
    user: str
    checks: dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    id: str
    topic: str
    source: str
    customer: Optional[str]
    language: str
    needs: tuple[str, ...]
    turns: tuple[Turn, ...]
    end: dict[str, Any]

    @property
    def who(self) -> str:
        return self.customer or "anonymous"


@dataclass
class Exchange:
    """One turn as it happened: what the customer typed, what the bot answered."""

    user: str
    replies: list[dict]
    failures: list[str] = field(default_factory=list)


@dataclass
class Result:
    conversation: Conversation
    exchanges: list[Exchange]
    end_failures: list[str]
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.end_failures and not any(e.failures for e in self.exchanges)

    def transcript(self) -> str:
        """The whole conversation with the failed checks where they failed."""
        c = self.conversation
        needs = f", needs {', '.join(c.needs)}" if c.needs else ""
        lines = [f"{c.id} ({c.who}, {c.language}{needs}) — tests/conversations/{c.source}"]
        for number, exchange in enumerate(self.exchanges, 1):
            lines.append(f"  {number}. customer: {exchange.user}")
            replies = exchange.replies or [{"text": "(no answer)"}]
            for reply in replies:
                body = (reply.get("text") or "").replace("\n", "\n          ")
                lines.append(f"     bot: {body}" if body else "     bot: (no text)")
                buttons = reply.get("buttons") or []
                if buttons:
                    shown = " | ".join(f"{b.get('title')} → {b.get('payload')}" for b in buttons)
                    lines.append(f"          [{shown}]")
            lines.extend(f"     ✗ {failure}" for failure in exchange.failures)
        lines.extend(f"  ✗ end: {failure}" for failure in self.end_failures)
        return "\n".join(lines)


# --- loading ------------------------------------------------------------------------------


class SuiteError(ValueError):
    """A conversation file that does not follow the format above."""


def built_needs() -> frozenset[str]:
    """The tags counted as built: BUILT, plus those named in EEPAY_CONVERSATIONS_BUILT."""
    extra = {t.strip() for t in os.environ.get(ASSUME_BUILT_ENV, "").split(",") if t.strip()}
    unknown = extra - set(NEEDS)
    if unknown:
        raise SuiteError(f"{ASSUME_BUILT_ENV} names unknown tags: {sorted(unknown)}")
    return BUILT | extra


def unmet_needs(conversation: Conversation, built: frozenset[str]) -> tuple[str, ...]:
    """The tags the conversation needs that are not built yet."""
    return tuple(n for n in conversation.needs if n not in built)


def load(directory: Path = HERE) -> list[Conversation]:
    """Every conversation of every YAML file in ``directory``, in file order."""
    conversations: list[Conversation] = []
    for path in sorted(directory.glob("*.yml")):
        conversations.extend(_load_file(path))
    seen: set[str] = set()
    for conversation in conversations:
        if conversation.id in seen:
            raise SuiteError(f"{conversation.source}: conversation id {conversation.id} twice")
        seen.add(conversation.id)
    return conversations


def _is_text_check(items: Any) -> bool:
    """A list of texts or of lists of texts (any of them), or nothing."""
    if items is None:
        return True
    return isinstance(items, list) and all(
        isinstance(i, str) or (isinstance(i, list) and all(isinstance(j, str) for j in i))
        for i in items
    )


def _load_file(path: Path) -> list[Conversation]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topic = data.get("topic") or path.stem
    return [_conversation(item, topic, path.name) for item in data.get("conversations") or []]


def _conversation(item: dict, topic: str, source: str) -> Conversation:
    where = f"{source}: {item.get('id', '?')}"
    unknown = set(item) - {"id", "customer", "language", "needs", "turns", "end"}
    if unknown or not item.get("id") or not item.get("turns"):
        raise SuiteError(f"{where}: needs id and turns (unknown keys: {sorted(unknown)})")
    customer = item.get("customer")
    if customer is not None and customer not in DEMO_CUSTOMERS:
        raise SuiteError(f"{where}: customer {customer!r} is not a demo customer")
    language = item.get("language", SIMPLIFIED)
    needs = tuple(item.get("needs") or ())
    end = item.get("end") or {}
    if language not in LANGUAGES or set(needs) - set(NEEDS) or set(end) - END_CHECKS:
        raise SuiteError(f"{where}: language, needs or end not one of the known values")
    turns = []
    for turn in item["turns"]:
        checks = turn.get("bot") or {}
        if set(turn) - {"user", "bot"} or set(checks) - TURN_CHECKS or "user" not in turn:
            raise SuiteError(f"{where}: a turn has user and bot ({sorted(TURN_CHECKS)})")
        if not all(_is_text_check(checks.get(key)) for key in TEXT_CHECKS):
            # YAML reads [¥2,000.00] as ["¥2", 0.0]: quote amounts with a comma
            raise SuiteError(f"{where}: {turn['user']!r}: a check that is not text (quote it)")
        turns.append(Turn(str(turn["user"]), checks))
    return Conversation(item["id"], topic, source, customer, language, needs, tuple(turns), end)


# --- comparing ----------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Simplified characters, lower case, single spaces: what a check compares."""
    return re.sub(r"\s+", " ", _T2S.convert(text or "")).lower()


def _any_in(expected: Expected, haystack: str) -> bool:
    options = expected if isinstance(expected, list) else [expected]
    return any(normalise(str(option)) in haystack for option in options)


def _describe(expected: Expected) -> str:
    return " or ".join(map(repr, expected)) if isinstance(expected, list) else repr(expected)


def seen_text(replies: list[dict]) -> str:
    """Everything the customer reads in a turn: texts and button titles."""
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts.extend(b.get("title") or "" for b in reply.get("buttons") or [])
    return normalise("\n".join(parts))


def asks_rating(replies: list[dict]) -> bool:
    """The rating question: score buttons 1 to 5."""
    payloads = {b.get("payload") for r in replies for b in r.get("buttons") or []}
    return {"1", "5"} <= payloads


def check_turn(checks: dict[str, Any], replies: list[dict], language: str) -> list[str]:
    """The failed checks of one turn, each as a sentence."""
    failures: list[str] = []
    seen = seen_text(replies)
    buttons = [
        normalise(f"{b.get('title') or ''} {b.get('payload') or ''}")
        for r in replies
        for b in r.get("buttons") or []
    ]
    for expected in checks.get("says") or []:
        if not _any_in(expected, seen):
            failures.append(f"expected the answer to give {_describe(expected)}")
    for unwanted in checks.get("not_says") or []:
        if _any_in(unwanted, seen):
            failures.append(f"the answer must not say {_describe(unwanted)}")
    for expected in checks.get("buttons") or []:
        if not any(_any_in(expected, b) for b in buttons):
            failures.append(f"expected a button for {_describe(expected)}")
    for unwanted in checks.get("not_buttons") or []:
        if any(_any_in(unwanted, b) for b in buttons):
            failures.append(f"there must be no button for {_describe(unwanted)}")
    if "rating" in checks and asks_rating(replies) != bool(checks["rating"]):
        failures.append("expected the rating question" if checks["rating"] else "rating asked")
    if "silent" in checks and (not replies) != bool(checks["silent"]):
        failures.append("expected no answer" if checks["silent"] else "expected an answer")
    expected_language = checks.get("language", language)
    for reply in replies:
        found = detect_language(reply.get("text") or "")
        if found is not None and found != expected_language:
            failures.append(f"answered in {found}, the customer writes {expected_language}")
            break
    unfilled = sorted({m for r in replies for m in _PLACEHOLDER.findall(r.get("text") or "")})
    if unfilled:
        failures.append(f"a template slot left unfilled: {', '.join(unfilled)}")
    return failures


# --- the state behind the conversation --------------------------------------------------


@dataclass
class Snapshot:
    """What the backend holds for the demo customers: refunds, disputes, frozen methods."""

    refunds: dict[str, tuple[str, str]]  # refund id → (customer, transaction)
    disputes: dict[str, tuple[str, str, str]]  # case id → (customer, transaction, type)
    frozen: set[tuple[str, str]]  # (customer, payment method id)

    @classmethod
    def take(cls, stack: LiveStack, customers: tuple[str, ...] = DEMO_CUSTOMERS) -> Snapshot:
        """The state of ``customers``, read in parallel (three backend calls each)."""
        with ThreadPoolExecutor(max_workers=len(customers)) as pool:
            states = list(pool.map(lambda c: _customer_state(stack, c), customers))
        refunds, disputes, frozen = {}, {}, set()
        for customer, (their_refunds, their_disputes, methods) in zip(
            customers, states, strict=True
        ):
            for r in their_refunds:
                refunds[r["id"]] = (customer, r["transaction_id"])
            for d in their_disputes:
                disputes[d["id"]] = (customer, d["transaction_id"], d["type"])
            frozen.update((customer, m["id"]) for m in methods if m["status"] == "frozen")
        return cls(refunds, disputes, frozen)


def _customer_state(stack: LiveStack, customer: str) -> tuple[list, list, list]:
    return stack.refunds(customer), stack.disputes(customer), stack.payment_methods(customer)


def watched_customers(conversation: Conversation) -> tuple[str, ...]:
    """Whose state a conversation could change: the signed-in customer's (the token decides
    whose account is touched); for an anonymous one every demo customer's, since an anonymous
    chat must change nobody's."""
    return (conversation.customer,) if conversation.customer else DEMO_CUSTOMERS


def _as_list(value: Any) -> list:
    return [] if value is None else list(value) if isinstance(value, list) else [value]


def check_end(
    conversation: Conversation, before: Snapshot, after: Snapshot, tickets: list[dict]
) -> list[str]:
    """What the conversation filed, against what its ``end`` says it must (default nothing)."""
    end, failures = conversation.end, []
    refunded = sorted(tx for rid, (_, tx) in after.refunds.items() if rid not in before.refunds)
    wanted_refunds = sorted(str(t) for t in _as_list(end.get("refunds")))
    if refunded != wanted_refunds:
        failures.append(f"refunds filed for {refunded or 'nothing'}, expected {wanted_refunds}")

    opened = sorted(
        (tx, kind) for cid, (_, tx, kind) in after.disputes.items() if cid not in before.disputes
    )
    wanted_disputes = [
        (str(d["transaction"]), d.get("type")) if isinstance(d, dict) else (str(d), None)
        for d in _as_list(end.get("disputes"))
    ]
    if not _same_disputes(opened, wanted_disputes):
        failures.append(f"disputes opened: {opened or 'none'}, expected {wanted_disputes}")

    frozen = sorted({customer for customer, _ in after.frozen - before.frozen})
    wanted_frozen = sorted(_as_list(end.get("frozen")))
    if frozen != wanted_frozen:
        failures.append(
            f"payment methods frozen for {frozen or 'nobody'}, expected {wanted_frozen}"
        )

    reasons = [t["reason"] for t in tickets]
    wanted = end.get("handoff")
    if wanted is None and reasons:
        failures.append(f"handed to a person ({', '.join(reasons)}), expected no handoff")
    elif wanted is not None and (len(reasons) != 1 or (wanted != "any" and reasons[0] != wanted)):
        failures.append(f"desk tickets with reasons {reasons}, expected one for {wanted!r}")
    return failures


def _same_disputes(opened: list[tuple[str, str]], wanted: list[tuple[str, Any]]) -> bool:
    """Each wanted case matches one opened case; a wanted case without a type takes any."""
    left = list(opened)
    for transaction, kind in wanted:
        match = next((o for o in left if o[0] == transaction and kind in (None, o[1])), None)
        if match is None:
            return False
        left.remove(match)
    return not left


# --- playing ------------------------------------------------------------------------------


def play(conversation: Conversation, stack: LiveStack) -> Result:
    """Resets the demo data, plays the conversation as a new sender, checks everything."""
    started = time.monotonic()
    stack.reset_demo_data()
    watched = watched_customers(conversation)
    before = Snapshot.take(stack, watched)
    sender = f"conv-{conversation.id[:40]}-{uuid.uuid4().hex[:8]}"
    exchanges: list[Exchange] = []
    ratings = 0
    for turn in conversation.turns:
        replies = stack.chat(sender, turn.user, conversation.customer)
        exchange = Exchange(
            turn.user, replies, check_turn(turn.checks, replies, conversation.language)
        )
        if asks_rating(replies):
            ratings += 1
            if ratings == 2:
                exchange.failures.append("the rating question a second time")
        exchanges.append(exchange)
    after = Snapshot.take(stack, watched)
    tickets = stack.tickets(sender, conversation.customer)
    deadline = time.monotonic() + HANDOFF_WAIT_SECONDS
    while conversation.end.get("handoff") and not tickets and time.monotonic() < deadline:
        time.sleep(0.5)  # a ticket the desk was slow to take arrives from the outbox
        tickets = stack.tickets(sender, conversation.customer)
    end_failures = check_end(conversation, before, after, tickets)
    return Result(conversation, exchanges, end_failures, time.monotonic() - started)
