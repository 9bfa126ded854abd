"""Which of the customer's own payments their words name: one resolver for every flow.

Customers rarely quote a transaction number. They say ``外卖那笔``, ``点卡那笔268的``,
``在京东买电脑3299``, ``昨天打车的钱``. :func:`read_clues` turns a message (its text and the
``transaction_id`` / ``amount`` / ``date`` entities) into clues; :func:`resolve` scores every
payment of the customer against them:

* a clue that fits adds to the score: transaction id, merchant or kind of purchase (the
  everyday words of ``resources/merchant_aliases.yml``), amount, day or period;
* a clue that contradicts rules the payment out (it was not 京东 if the customer said 京东);
* softer clues — the payment method (信用卡) and the state (失败 / 处理中 / 成功) — only raise or
  lower the rank: customers describe them loosely (a payment still processing "failed").

A bare number (``268``) counts as an amount only if one of the customer's payments has it, so
"2" answering a list or "3天" never rules anything out. The result is none, one, or several
payments, likeliest first; the flows name a single match back to the customer and offer
several as buttons. Nothing here decides what a flow does with the payment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml
from opencc import OpenCC

from actions.clients.payment_backend import BackendClient, Transaction
from service_kit.amounts import find_amounts
from service_kit.dates import EEPAY_TZ, find_dates, today_in_eepay_tz

ALIASES_FILE = Path(__file__).parent / "resources" / "merchant_aliases.yml"

# how much each fitting clue adds; a strong clue (the first five) can also rule a payment out
WEIGHT_ID = 100
WEIGHT_WHAT = 10
WEIGHT_AMOUNT = 8
WEIGHT_DAY = 5
WEIGHT_PERIOD = 4
WEIGHT_METHOD = 3
WEIGHT_STATUS = 3
WEIGHT_RECENT = 2
WEIGHT_PREFERRED = 1  # the flow's own preference breaks ties only

# how many payments a customer's history is read up to (pages of the backend's maximum)
PAGE_SIZE = 100
MAX_PAYMENTS = 1000

# what each status word is compatible with: a pending payment has "failed" for the customer
STATUS_FITS = {
    "failed": frozenset({"failed", "pending"}),
    "pending": frozenset({"pending"}),
    "success": frozenset({"success", "partially_refunded", "refunded", "pending"}),
}

_T2S = OpenCC("t2s")
_TRANSACTION_ID = re.compile(r"(?<![A-Za-z0-9])[Tt]\d{12}(?!\d)")
# a bare number of two to seven digits, not part of an id, a phone or a decimal
_BARE_NUMBER = re.compile(r"(?<![\dA-Za-z.,])(\d{2,7})(?:\.(\d{1,2}))?(?![\d%])")
_NOT_WEEKDAY = r"(?![一二三四五六日天末])"
_RECENT = re.compile(r"刚才|刚刚|刚付|刚买|just now|a moment ago")


@dataclass(frozen=True)
class Period:
    """A stretch of days a customer names (上周, 上个月): any of its ranges fits."""

    name: str
    ranges: tuple[tuple[date, date], ...]

    def fits(self, day: date) -> bool:
        """Whether ``day`` lies in one of the ranges (both ends included)."""
        return any(start <= day <= end for start, end in self.ranges)


def _periods(text: str, today: date) -> list[Period]:
    """上周 / 这周 / 上个月 / 这个月 / 前几天 / 最近, read loosely: 上周 is last calendar week or
    one to two weeks ago, whichever the customer means."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    found: list[Period] = []
    rules: list[tuple[str, tuple[tuple[date, date], ...]]] = [
        (
            rf"上(?:个)?(?:周|星期|礼拜){_NOT_WEEKDAY}|last week",
            (
                (monday - timedelta(days=7), monday - timedelta(days=1)),
                (today - timedelta(days=14), today - timedelta(days=6)),
            ),
        ),
        (rf"(?:这|本)(?:个)?(?:周|星期|礼拜){_NOT_WEEKDAY}|this week", ((monday, today),)),
        (
            r"上(?:个)?月(?![\d一二三四五六七八九十]+[日号])|last month",
            (
                (last_month_end.replace(day=1), last_month_end),
                (today - timedelta(days=60), today - timedelta(days=20)),
            ),
        ),
        (
            r"(?:这|本)(?:个)?月(?![\d一二三四五六七八九十]+[日号])|this month",
            ((first, today),),
        ),
        (r"前几天|这几天|最近几天|few days ago", ((today - timedelta(days=7), today),)),
    ]
    for pattern, ranges in rules:
        match = re.search(pattern, text)
        if match:
            found.append(Period(match.group(0), ranges))
    return found


@dataclass(frozen=True)
class Vocabulary:
    """The alias file, as phrase → what it names, longest phrases first."""

    what: tuple[tuple[str, frozenset[tuple[str, str]]], ...]
    methods: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str], ...]


def _phrase(word: Any) -> str:
    return _T2S.convert(str(word)).lower().strip()


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The alias file, read once per process."""
    data = yaml.safe_load(ALIASES_FILE.read_text(encoding="utf-8")) or {}
    what: dict[str, set[tuple[str, str]]] = {}
    for merchant, words in (data.get("merchants") or {}).items():
        for word in [merchant, *(words or [])]:
            what.setdefault(_phrase(word), set()).add(("merchant", str(merchant)))
    for category, words in (data.get("categories") or {}).items():
        for word in words or []:
            what.setdefault(_phrase(word), set()).add(("category", str(category)))

    def flat(section: str) -> tuple[tuple[str, str], ...]:
        pairs = [
            (_phrase(word), str(key))
            for key, words in (data.get(section) or {}).items()
            for word in words or []
        ]
        return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))

    return Vocabulary(
        what=tuple(
            sorted(
                ((phrase, frozenset(targets)) for phrase, targets in what.items()),
                key=lambda item: -len(item[0]),
            )
        ),
        methods=flat("payment_methods"),
        statuses=flat("statuses"),
    )


def normalise(text: str) -> str:
    """Simplified, lower case: the form the alias file is written in."""
    return _T2S.convert(text or "").lower()


def _find_phrases(text: str, phrases: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Non-overlapping occurrences of the phrases (longest first) as (phrase, value)."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, Any]] = []
    for phrase, value in phrases:
        if not phrase:
            continue
        start = text.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            if not any(start < b and end > a for a, b in taken):
                taken.append((start, end))
                found.append((phrase, value))
            start = text.find(phrase, end)
    return found


def is_transaction_id(text: str) -> bool:
    """Whether ``text`` is exactly one transaction id (a button's or a slot's value)."""
    return bool(_TRANSACTION_ID.fullmatch((text or "").strip()))


def fen_of(value: Any) -> Optional[int]:
    """An amount in yuan (an ``amount`` entity's value, ``45.5``) as a positive number of fen."""
    try:
        fen = int((Decimal(str(value)) * 100).to_integral_value())
    except (InvalidOperation, ValueError, ArithmeticError):
        return None
    return fen if fen > 0 else None


@dataclass(frozen=True)
class Clues:
    """What a message says about the payment it means."""

    transaction_ids: tuple[str, ...] = ()
    # one entry per phrase found: the merchants / categories it can name
    whats: tuple[frozenset[tuple[str, str]], ...] = ()
    amounts_fen: tuple[int, ...] = ()
    # bare numbers: amounts only if some payment has them
    loose_amounts_fen: tuple[int, ...] = ()
    days: tuple[date, ...] = ()
    periods: tuple[Period, ...] = ()
    methods: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    recent: bool = False
    # what the customer wrote, for the payee names that are not in the alias file
    text: str = field(default="", compare=False)

    def names_payment(self, payments: Sequence[Transaction] = ()) -> bool:
        """Whether the message points at a payment at all (a strong clue), not just a state."""
        return bool(
            self.transaction_ids
            or self.whats
            or self.amounts_fen
            or self.days
            or self.periods
            or _payees_named(self.text, payments)
            or any(_amount_fits(p.amount_fen, self.loose_amounts_fen) for p in payments)
        )


def read_clues(
    text: str, entities: Sequence[dict[str, Any]] = (), today: Optional[date] = None
) -> Clues:
    """The clues of one message: its words and the NLU's entities."""
    today = today or today_in_eepay_tz()
    plain = normalise(text)
    vocab = vocabulary()

    ids = {m.group(0).upper() for m in _TRANSACTION_ID.finditer(plain)}
    amounts: set[int] = set()
    days: set[date] = set()
    for item in entities or []:
        name, value = item.get("entity"), item.get("value")
        if name == "transaction_id" and value:
            ids.add(str(value).strip().upper())
        elif name == "amount":
            fen = fen_of(value)
            if fen:
                amounts.add(fen)
        elif name == "date" and value:
            try:
                days.add(date.fromisoformat(str(value)[:10]))
            except ValueError:
                pass

    # spans already read as something else are not bare amounts
    taken: list[tuple[int, int]] = [m.span() for m in _TRANSACTION_ID.finditer(plain)]
    for match in find_amounts(plain):
        fen = fen_of(match.value)
        if fen:
            amounts.add(fen)
        taken.append((match.start, match.end))
    for match in find_dates(plain, today):
        days.add(match.value)
        taken.append((match.start, match.end))
    loose: set[int] = set()
    for match in _BARE_NUMBER.finditer(plain):
        start, end = match.span()
        if any(start < b and end > a for a, b in taken):
            continue
        # a number followed by 天 / 号 / 个 / 次 / 点 counts days, items or hours, not money
        if re.match(r"\s*(?:天|号|日|个|次|点|分钟|小时|月|年|岁|笔)", plain[end:]):
            continue
        fen = fen_of(match.group(0))
        if fen:
            loose.add(fen)

    whats = tuple(targets for _phrase_, targets in _find_phrases(plain, vocab.what))
    methods = frozenset(kind for _p, kind in _find_phrases(plain, vocab.methods))
    statuses = frozenset(kind for _p, kind in _find_phrases(plain, vocab.statuses))
    return Clues(
        transaction_ids=tuple(sorted(ids)),
        whats=whats,
        amounts_fen=tuple(sorted(amounts)),
        loose_amounts_fen=tuple(sorted(loose - amounts)),
        days=tuple(sorted(days)),
        periods=tuple(_periods(plain, today)),
        methods=methods,
        statuses=statuses,
        recent=bool(_RECENT.search(plain)),
        text=plain,
    )


def _amount_fits(amount_fen: int, candidates: Iterable[int]) -> bool:
    """Exactly, or to the yuan when the customer gave whole yuan (45 for ¥45.50)."""
    for fen in candidates:
        if fen == amount_fen or (fen % 100 == 0 and fen // 100 == amount_fen // 100):
            return True
    return False


def _payees_named(text: str, payments: Sequence[Transaction]) -> set[str]:
    """Payees (as the backend names them) that appear word for word in the text."""
    return {p.payee for p in payments if p.payee and normalise(p.payee) in text}


def _local_day(moment: datetime) -> date:
    return moment.astimezone(EEPAY_TZ).date()


def what_fits(payment: Transaction, clues: Clues, payees: set[str]) -> int:
    """How many of the merchant / kind-of-purchase words of the message the payment fits."""
    return sum(
        1
        for targets in clues.whats
        if ("merchant", payment.payee) in targets
        or ("category", payment.merchant_category) in targets
    ) + (1 if payment.payee in payees else 0)


def score(
    payment: Transaction,
    clues: Clues,
    *,
    loose_fit: bool,
    payees: set[str],
    now: datetime,
) -> Optional[int]:
    """How well the payment fits the clues; None when a clue rules it out."""
    total = 0
    if clues.transaction_ids:
        if payment.id.upper() not in clues.transaction_ids:
            return None
        total += WEIGHT_ID
    if clues.whats or payees:
        fitting = what_fits(payment, clues, payees)
        if not fitting:
            return None
        total += WEIGHT_WHAT * fitting
    if clues.amounts_fen:
        if not _amount_fits(payment.amount_fen, clues.amounts_fen):
            return None
        total += WEIGHT_AMOUNT
    if loose_fit:
        # bare numbers some payment has: they rule out the payments without them
        if not _amount_fits(payment.amount_fen, clues.loose_amounts_fen):
            return None
        total += WEIGHT_AMOUNT
    day = _local_day(payment.created_at)
    if clues.days:
        if day not in clues.days:
            return None
        total += WEIGHT_DAY
    for period in clues.periods:
        if not period.fits(day):
            return None
        total += WEIGHT_PERIOD
    if clues.methods:
        total += WEIGHT_METHOD if payment.payment_method.type in clues.methods else 0
    for status in clues.statuses:
        fits = payment.status in STATUS_FITS.get(status, frozenset())
        total += WEIGHT_STATUS if fits else -WEIGHT_STATUS
    if clues.recent and now - payment.created_at <= timedelta(hours=24):
        total += WEIGHT_RECENT
    return total


@dataclass(frozen=True)
class Resolution:
    """The payments a message names, likeliest first.

    ``named`` is False when the message names no payment at all (``我要退款``): the flow then
    does what it does without a clue (lists its candidates). ``matches`` is empty when the
    customer named a payment that is not among theirs.
    """

    named: bool
    matches: tuple[Transaction, ...] = ()

    @property
    def one(self) -> Optional[Transaction]:
        """The payment, when exactly one fits."""
        return self.matches[0] if len(self.matches) == 1 else None


def resolve(
    payments: Sequence[Transaction],
    clues: Clues,
    *,
    prefer: Optional[Callable[[Transaction], bool]] = None,
    now: Optional[datetime] = None,
) -> Resolution:
    """The customer's payments that fit the clues, best score first, then newest first.

    ``prefer`` is the flow's own leaning (the payment-failure flow leans to failed payments);
    it only breaks ties between payments that fit the customer's words equally well.
    """
    if not clues.names_payment(payments):
        return Resolution(named=False)
    now = now or datetime.now(EEPAY_TZ)
    payees = _payees_named(clues.text, payments)
    loose_fit = any(_amount_fits(p.amount_fen, clues.loose_amounts_fen) for p in payments)
    scored: list[tuple[int, Transaction]] = []
    for payment in payments:
        points = score(payment, clues, loose_fit=loose_fit, payees=payees, now=now)
        if points is None:
            continue
        if prefer is not None and prefer(payment):
            points += WEIGHT_PREFERRED
        scored.append((points, payment))
    if scored:
        # 星巴克买咖啡: 瑞幸 is coffee too, but only 星巴克 fits every word the customer used
        most = max(what_fits(payment, clues, payees) for _points, payment in scored)
        scored = [item for item in scored if what_fits(item[1], clues, payees) == most]
    scored.sort(key=lambda item: (item[0], item[1].created_at), reverse=True)
    return Resolution(named=True, matches=tuple(payment for _points, payment in scored))


async def customer_payments(backend: BackendClient, customer_id: str) -> list[Transaction]:
    """Every transaction of the customer, newest first (up to ``MAX_PAYMENTS``)."""
    payments: list[Transaction] = []
    while len(payments) < MAX_PAYMENTS:
        page = await backend.list_transactions(customer_id, limit=PAGE_SIZE, offset=len(payments))
        payments.extend(page.items)
        if not page.items or len(payments) >= page.total:
            break
    return payments


async def find_payments(
    backend: BackendClient,
    customer_id: str,
    clues: Clues,
    *,
    prefer: Optional[Callable[[Transaction], bool]] = None,
) -> tuple[Resolution, list[Transaction]]:
    """The resolution of ``clues`` against all the customer's payments, and those payments
    (newest first, for the "here are your recent ones" answer when nothing fits)."""
    if not clues.names_payment() and not clues.loose_amounts_fen:
        # a message without any clue needs no history read (the flows' first turn, mostly)
        return Resolution(named=False), []
    payments = await customer_payments(backend, customer_id)
    return resolve(payments, clues, prefer=prefer), payments
