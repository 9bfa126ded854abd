"""eepay's published service policy, loaded once from ``service_kit/policy.yml``.

The figures customers are told (refund review and arrival times, dispute answers, fees and
when a withdrawal arrives, code validity, login lock, password rules, hours and contact
details) live in that one file, so the backend's rules, the desk's hours and the bot's
responses cannot drift apart: the backend and the desk take their defaults from
:data:`POLICY`, and ``tests/test_policy_consistency.py`` holds every
figure in ``domain.yml`` against it. ``docs/policies.md`` explains each figure.

The file is strict: a missing or unknown key, or a value of the wrong kind, stops the import
with the key's path, so a typo cannot silently fall back to some other number.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import yaml

from service_kit.amounts import yuan

POLICY_FILE = Path(__file__).with_name("policy.yml")

DayRange = tuple[int, int]  # (earliest, latest)


@dataclass(frozen=True)
class Refunds:
    review_working_days: int
    arrival_working_days: Mapping[str, DayRange]  # by payment method type
    non_refundable_categories: frozenset[str]


@dataclass(frozen=True)
class Disputes:
    answer_working_days: DayRange
    duplicate_window_minutes: int
    duplicate_lookback_days: int


@dataclass(frozen=True)
class Payments:
    pending_result_hours: int
    diagnosis_lookback_days: int


@dataclass(frozen=True)
class Fees:
    # money in fen, rates in basis points (10 = 0.1 %)
    bank_card_free_allowance_fen: int  # withdrawals and transfers to a bank card, for life
    bank_card_rate_bp: int
    bank_card_min_fee_fen: int
    repayment_free_monthly_fen: int  # credit-card repayments, per calendar month
    repayment_rate_bp: int
    free_kinds: frozenset[str]


@dataclass(frozen=True)
class BankCardArrival:
    usual_hours: int
    latest_working_days: int


@dataclass(frozen=True)
class Verification:
    code_valid_minutes: int
    code_resend_seconds: int
    code_max_attempts: int
    codes_per_day: int
    reset_link_valid_minutes: int


@dataclass(frozen=True)
class Passwords:
    login_min_length: int
    payment_digits: int


@dataclass(frozen=True)
class Login:
    max_failed_attempts: int


@dataclass(frozen=True)
class Contact:
    hotline: str
    hotline_hours: str  # "HH:MM-HH:MM", China time
    agent_hours: str  # the desk's working-hours syntax (desk/core/hours.py)
    agent_days: str  # ISO weekdays, e.g. "1-7"
    chat_hours: str  # the bot's: "00:00-24:00" is around the clock
    email: str
    email_reply_hours: int


@dataclass(frozen=True)
class Policy:
    refunds: Refunds
    disputes: Disputes
    payments: Payments
    fees: Fees
    bank_card_arrival: BankCardArrival
    verification: Verification
    passwords: Passwords
    login: Login
    contact: Contact


class PolicyError(ValueError):
    """The policy file does not have the shape of :class:`Policy`."""


def load_policy(path: Path = POLICY_FILE) -> Policy:
    """Read and check a policy file (``PolicyError`` names the first key that is wrong)."""
    with path.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    return _convert(Policy, data, "policy")


def flatten(policy: Policy) -> dict[str, Any]:
    """Every figure by its dotted key, e.g. ``refunds.arrival_working_days.debit_card``."""
    figures: dict[str, Any] = {}

    def walk(value: Any, key: str) -> None:
        if dataclasses.is_dataclass(value):
            for field in dataclasses.fields(value):
                walk(getattr(value, field.name), f"{key}.{field.name}" if key else field.name)
        elif isinstance(value, Mapping):
            for name, item in value.items():
                walk(item, f"{key}.{name}")
        else:
            figures[key] = value

    walk(policy, "")
    return figures


def _convert(kind: Any, value: Any, where: str) -> Any:
    """``value`` from YAML as an instance of the annotation ``kind``, checked on the way."""
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise PolicyError(f"{where}: expected a mapping, got {value!r}")
        hints = get_type_hints(kind)
        names = [field.name for field in dataclasses.fields(kind)]
        missing = [name for name in names if name not in value]
        unknown = [name for name in value if name not in names]
        if missing or unknown:
            raise PolicyError(f"{where}: missing {missing}, unknown {unknown}")
        return kind(
            **{name: _convert(hints[name], value[name], f"{where}.{name}") for name in names}
        )
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple:
        if not isinstance(value, list) or len(value) != len(args):
            raise PolicyError(f"{where}: expected a list of {len(args)}, got {value!r}")
        items = tuple(_convert(arg, item, where) for arg, item in zip(args, value, strict=True))
        if items != tuple(sorted(items)):
            raise PolicyError(f"{where}: a range goes from low to high, got {value!r}")
        return items
    if origin is frozenset:
        if not isinstance(value, list):
            raise PolicyError(f"{where}: expected a list, got {value!r}")
        return frozenset(_convert(args[0], item, where) for item in value)
    if origin is Mapping:
        if not isinstance(value, dict):
            raise PolicyError(f"{where}: expected a mapping, got {value!r}")
        return types.MappingProxyType(
            {key: _convert(args[1], item, f"{where}.{key}") for key, item in value.items()}
        )
    # int and str: YAML must already say which (a bool is not a number of days)
    if type(value) is not kind or (kind is int and value < 0):
        raise PolicyError(f"{where}: expected a non-negative {kind.__name__}, got {value!r}")
    return value


POLICY: Policy = load_policy()


def _clock(hours: str) -> str:
    """``09:00-21:00`` as customers read it: ``9:00-21:00``."""
    return "-".join(part[1:] if part[:2] in _TWO_DIGIT_HOURS else part for part in hours.split("-"))


_TWO_DIGIT_HOURS = {f"0{digit}" for digit in range(10)}


def day_span(days: DayRange) -> str:
    """``1-3`` for (1, 3), ``2`` for (2, 2): a range of days as responses write it."""
    earliest, latest = days
    return str(latest) if earliest == latest else f"{earliest}-{latest}"


def percent(basis_points: int) -> str:
    """0.1% for 10 basis points (no trailing zeros: 0.1%, 1%, 0.05%)."""
    value = Decimal(basis_points) / 100
    return f"{value.normalize():f}%"


# Contact details, hours, fees and arrival times as responses write them: {hotline},
# {hotline_hours}, {bank_card_free_allowance}…, filled in by the response generator
# (addons/nlg.py), so no response types these figures itself.
POLICY_PLACEHOLDERS = {
    "hotline": POLICY.contact.hotline,
    "hotline_hours": _clock(POLICY.contact.hotline_hours),
    "agent_hours": _clock(POLICY.contact.agent_hours),
    "support_email": POLICY.contact.email,
    "email_reply_hours": str(POLICY.contact.email_reply_hours),
    "bank_card_free_allowance": yuan(POLICY.fees.bank_card_free_allowance_fen),
    "bank_card_fee_rate": percent(POLICY.fees.bank_card_rate_bp),
    "bank_card_min_fee": yuan(POLICY.fees.bank_card_min_fee_fen),
    "repayment_free_allowance": yuan(POLICY.fees.repayment_free_monthly_fen),
    "repayment_fee_rate": percent(POLICY.fees.repayment_rate_bp),
    "bank_card_arrival_hours": str(POLICY.bank_card_arrival.usual_hours),
    "bank_card_latest_working_days": str(POLICY.bank_card_arrival.latest_working_days),
}
