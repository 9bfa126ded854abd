"""Every figure the bot states is the published policy's (service_kit/policy.yml, issue 19).

Each response text in ``domain.yml`` is searched for figures with a unit (working days, days,
hours, minutes, seconds, password lengths, clock hours, money, percentages) and for contact
details (hotline numbers, e-mail addresses). A figure is attributed to a policy figure by the
words around it (its clause, else its sentence, else the response's name), the nearest cue
winning (tests/policy_statements.yml), and must equal it; a figure no cue explains fails too, so
a new figure in a response needs its place in the policy (and its cue words) before it is said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from actions.i18n import TEXTS
from service_kit.policy import (
    POLICY,
    POLICY_PLACEHOLDERS,
    Policy,
    PolicyError,
    flatten,
    load_policy,
)

ROOT = Path(__file__).resolve().parents[1]

# A number or a range ("1-3", "1 至 3").
NUMBER = r"(?P<low>\d+)(?:\s*(?:-|–|~|至|到)\s*(?P<high>\d+))?"
CLOCK = r"(?P<low>\d{1,2}:\d{2})\s*(?:-|–|~|至|到)\s*(?P<high>\d{1,2}:\d{2})"
# Said for the chat itself: it answers at any hour.
AROUND_THE_CLOCK = r"7\s*[×x*]\s*24\s*小时|24/7|24 hours a day|全天候"

# Each kind of figure: how it is written (Chinese, English).
KINDS: dict[str, list[str]] = {
    "working_days": [NUMBER + r"\s*个?工作日", NUMBER + r"\s+(?:business|working)\s+days?\b"],
    "days": [NUMBER + r"\s*天", NUMBER + r"\s+days?\b"],
    "hours": [NUMBER + r"\s*个?小时", NUMBER + r"\s+hours?\b"],
    "minutes": [NUMBER + r"\s*分钟", NUMBER + r"\s+min(?:ute)?s?\b"],
    "seconds": [NUMBER + r"\s*秒", NUMBER + r"\s+sec(?:ond)?s?\b"],
    # lengths count only where a password is the subject (see _mentions)
    "length": [NUMBER + r"\s*位", NUMBER + r"[- ]digits?\b", NUMBER + r"\s+characters\b"],
    "clock": [CLOCK],
    "money": [
        r"[¥￥]\s*(?P<low>[\d,]+(?:\.\d+)?)",
        r"(?P<low>\d[\d,]*(?:\.\d+)?)\s*(?:元|块|yuan\b)",
    ],
    "percent": [r"(?P<low>\d+(?:\.\d+)?)\s*%"],
    "phone": [r"(?<![\d-])(?P<low>\d{3}-\d{3}-\d{4})(?![\d-])"],
    # ASCII only: a filled-in address follows Chinese text directly ("邮箱kefu@…")
    "email": [r"(?P<low>[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"],
}


@dataclass(frozen=True)
class Statement:
    """A policy figure and the words that say a figure of ``kind`` is that one
    (tests/policy_statements.yml)."""

    kind: str
    cue: str
    key: str  # a key of service_kit.policy.flatten(POLICY)


STATEMENTS = [
    Statement(kind, cue, key)
    for kind, cues in yaml.safe_load(
        (ROOT / "tests/policy_statements.yml").read_text(encoding="utf-8")
    ).items()
    for key, cue in cues.items()
]

# ASCII punctuation ends a clause only before a space: "9:00", "3,299" and "eepay.example" go on.
CLAUSE_END = r"[，；：。！？!?\n]|[,;:.](?:\s|$)"
SENTENCE_END = r"[。！？!?\n]|\.(?:\s|$)"


@dataclass(frozen=True)
class Mention:
    response: str
    kind: str
    text: str
    value: Any
    start: int
    end: int


def _value(kind: str, match: re.Match[str]) -> Any:
    low, high = match.group("low"), match.groupdict().get("high")
    if kind in ("phone", "email"):
        return low
    if kind == "clock":
        return f"{_clock(low)}-{_clock(high)}"
    if kind == "money":  # in fen, as the policy counts it
        return int(Decimal(low.replace(",", "")) * 100)
    if kind == "percent":  # in basis points
        return int(Decimal(low) * 100)
    return (int(low), int(high)) if high else int(low)


def _clock(text: str) -> str:
    hours, minutes = text.split(":")
    return f"{int(hours):02d}:{minutes}"


def _mentions(response: str, text: str) -> list[Mention]:
    """The figures of one response text, each once (an around-the-clock phrase is a clock
    statement, so its "24 小时" is not read again as hours)."""
    found = [
        Mention(response, "clock", match.group(0), "00:00-24:00", match.start(), match.end())
        for match in re.finditer(AROUND_THE_CLOCK, text)
    ]
    taken = [(mention.start, mention.end) for mention in found]
    for kind, patterns in KINDS.items():
        for pattern in patterns:
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                start, end = _span(text, match.start(), SENTENCE_END)
                if kind == "length" and not re.search("密码|password", text[start:end], re.I):
                    continue  # "T 开头，后面 12 位数字" is an id format, not a policy
                taken.append((match.start(), match.end()))
                found.append(
                    Mention(response, kind, match.group(0), _value(kind, match), *match.span())
                )
    return found


def _span(text: str, position: int, end_pattern: str) -> tuple[int, int]:
    """Where the clause or sentence of ``text`` around ``position`` starts and ends."""
    start = 0
    for match in re.finditer(end_pattern, text):
        if match.end() <= position:
            start = match.end()
        else:
            return start, match.start()
    return start, len(text)


def _attribute(mention: Mention, text: str) -> Optional[Statement]:
    """The statement whose cue stands nearest the figure in its clause, else its sentence,
    else the response's name."""
    candidates = [statement for statement in STATEMENTS if statement.kind == mention.kind]
    for end_pattern in (CLAUSE_END, SENTENCE_END):
        start, end = _span(text, mention.start, end_pattern)
        best: Optional[tuple[int, Statement]] = None
        for statement in candidates:
            for cue in re.finditer(statement.cue, text[start:end], flags=re.IGNORECASE):
                # characters between the cue and the figure (0 when they touch or overlap)
                distance = max(
                    start + cue.start() - mention.end, mention.start - start - cue.end(), 0
                )
                if best is None or distance < best[0]:
                    best = (distance, statement)
        if best is not None:
            return best[1]
    for statement in candidates:
        if re.search(statement.cue, mention.response, flags=re.IGNORECASE):
            return statement
    return None


def _response_texts() -> list[tuple[str, str]]:
    """Every response text as customers read it: the policy placeholders ({hotline},
    {bank_card_free_allowance}…) filled in as addons/nlg.py fills them, so a placeholder wired
    to the wrong figure, or formatted so that it reads as another, fails like a typed one."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    responses = [
        (name, _rendered(variant["text"]))
        for name, variants in domain["responses"].items()
        for variant in variants
        if variant.get("text")
    ]
    return responses + _action_texts()


def _action_texts() -> list[tuple[str, str]]:
    """The action server's own texts (actions/i18n.py), by key: a figure typed there is held to
    the policy like one in a response (the actions fill theirs in from POLICY instead)."""
    return [
        (f"actions/i18n.py:{key}", variant)
        for key, variants in TEXTS.items()
        for variant in variants.values()
    ]


def _rendered(text: str) -> str:
    for name, value in POLICY_PLACEHOLDERS.items():
        text = text.replace(f"{{{name}}}", value)
    return text


def _expected(key: str) -> Any:
    return flatten(POLICY)[key]


def test_every_figure_in_a_response_is_the_policys() -> None:
    wrong, unexplained = [], []
    checked = 0
    for name, text in _response_texts():
        for mention in _mentions(name, text):
            statement = _attribute(mention, text)
            if statement is None:
                unexplained.append(f"{name}: {mention.text!r}")
                continue
            checked += 1
            expected = _expected(statement.key)
            if mention.value != expected:
                wrong.append(f"{name}: {mention.text!r} but {statement.key} is {expected!r}")
    assert not wrong, "figures that differ from service_kit/policy.yml:\n" + "\n".join(wrong)
    assert not unexplained, (
        "figures no policy states (add them to service_kit/policy.yml and a Statement here):\n"
        + "\n".join(unexplained)
    )
    assert checked >= 30  # the responses do state figures: the search itself must not go blind


@pytest.mark.parametrize(
    ("response", "text", "key"),
    [
        ("utter_x", "审核通过后：储蓄卡 2-4 个工作日", "refunds.arrival_working_days.debit_card"),
        ("utter_x", "Approved: 1-3 business days to a credit card.", None),
        ("utter_x", "客服热线：400-888-6688，每天 8:00-22:00 有人工接听", "contact.hotline_hours"),
        ("utter_x", "验证码 5 分钟内有效", "verification.code_valid_minutes"),
        ("utter_x", "设置新密码（至少 6 位）", "passwords.login_min_length"),
        ("utter_x", "Email support@eepay.example.com", "contact.email"),
        ("utter_dispute_x", "usually within 2-5 business days", "disputes.answer_working_days"),
        ("utter_x", "提现手续费 0.6%", "fees.bank_card_rate_bp"),
        ("utter_x", "提现：每人累计¥10,000.00免费额度", "fees.bank_card_free_allowance_fen"),
        ("utter_x", "信用卡还款：每月¥5,000.00内免费", "fees.repayment_free_monthly_fen"),
        ("utter_x", "信用卡还款：超出部分收0.2%", "fees.repayment_rate_bp"),
        ("utter_x", "Withdrawals: 0.1% (at least ¥1.00)", "fees.bank_card_min_fee_fen"),
        ("utter_x", "提现：一般 3 小时内到账", "bank_card_arrival.usual_hours"),
        ("utter_x", "到银行卡最迟 2 个工作日内", "bank_card_arrival.latest_working_days"),
    ],
)
def test_a_figure_the_policy_does_not_say_is_caught(
    response: str, text: str, key: Optional[str]
) -> None:
    mentions = _mentions(response, text)
    assert mentions, text
    verdicts = [(_attribute(mention, text), mention) for mention in mentions]
    if key is None:  # a figure said of the wrong thing: attributed, and it differs
        assert any(
            statement is not None and mention.value != _expected(statement.key)
            for statement, mention in verdicts
        )
        return
    assert any(
        statement is not None and statement.key == key and mention.value != _expected(statement.key)
        for statement, mention in verdicts
    ), verdicts


def test_unexplained_figures_are_not_let_through() -> None:
    for text in ("汇率 1.5%", "每笔收 ¥2", "处理需要 3 天"):
        mentions = _mentions("utter_x", text)
        assert mentions and all(_attribute(mention, text) is None for mention in mentions), text


# What the fee and arrival answers state (issue 19): every fee and arrival figure, in each
# language, and nothing else of the policy.
FEE_FIGURES = {
    "fees.bank_card_free_allowance_fen",
    "fees.bank_card_rate_bp",
    "fees.bank_card_min_fee_fen",
    "fees.repayment_free_monthly_fen",
    "fees.repayment_rate_bp",
}
ARRIVAL_FIGURES = {
    "bank_card_arrival.usual_hours",
    "bank_card_arrival.latest_working_days",
    "refunds.arrival_working_days.debit_card",
    "refunds.arrival_working_days.credit_card",
}


@pytest.mark.parametrize(
    ("response", "keys"),
    [("utter_payment_guide/fees", FEE_FIGURES), ("utter_payment_guide/arrival", ARRIVAL_FIGURES)],
)
def test_the_fee_and_arrival_answers_state_the_policy_figures(response: str, keys: set) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    variants = [variant["text"] for variant in domain["responses"][response]]
    assert len(variants) == 2  # Chinese and English
    for text in variants:
        rendered = _rendered(text)
        stated = {}
        for mention in _mentions(response, rendered):
            statement = _attribute(mention, rendered)
            assert statement is not None, mention
            stated[statement.key] = mention.value
        assert stated == {key: _expected(key) for key in keys}, rendered
        # the new figures come from placeholders, never typed: the template itself states none
        typed = {_attribute(mention, text) for mention in _mentions(response, text)}
        assert {statement.key for statement in typed if statement} <= {
            "refunds.arrival_working_days.debit_card",
            "refunds.arrival_working_days.credit_card",
        }, text


def test_fee_placeholders_read_as_customers_read_amounts() -> None:
    assert POLICY_PLACEHOLDERS["bank_card_free_allowance"] == "¥20,000.00"
    assert POLICY_PLACEHOLDERS["bank_card_min_fee"] == "¥0.10"
    assert POLICY_PLACEHOLDERS["bank_card_fee_rate"] == "0.1%"
    assert POLICY_PLACEHOLDERS["repayment_free_allowance"] == "¥2,000.00"
    assert POLICY_PLACEHOLDERS["bank_card_arrival_hours"] == "2"


def test_an_around_the_clock_chat_is_one_clock_statement() -> None:
    text = "在线客服：聊天窗口，7×24 小时；邮箱 24 小时内回复"
    mentions = sorted(_mentions("utter_x", text), key=lambda mention: mention.start)
    assert [(mention.kind, mention.value) for mention in mentions] == [
        ("clock", "00:00-24:00"),
        ("hours", 24),
    ]
    keys = [_attribute(mention, text).key for mention in mentions]  # type: ignore[union-attr]
    assert keys == ["contact.chat_hours", "contact.email_reply_hours"]


def test_every_statement_names_a_policy_figure() -> None:
    keys = flatten(POLICY)
    assert [statement.key for statement in STATEMENTS if statement.key not in keys] == []


def test_the_services_apply_the_policy() -> None:
    """The backend and the desk take the figures from the policy, not from their own copies."""
    from actions import payment_failed
    from backend.core.settings import Settings as BackendSettings
    from backend.models.enums import MethodType
    from backend.services import fees, passwords, policy
    from desk.core.settings import Settings as DeskSettings

    backend = BackendSettings(_env_file=None)
    assert backend.refund_review_working_days == POLICY.refunds.review_working_days
    assert backend.code_ttl_seconds == POLICY.verification.code_valid_minutes * 60
    assert backend.code_min_interval_seconds == POLICY.verification.code_resend_seconds
    assert backend.code_max_attempts == POLICY.verification.code_max_attempts
    assert backend.code_daily_limit == POLICY.verification.codes_per_day
    assert backend.reset_token_ttl_seconds == POLICY.verification.reset_link_valid_minutes * 60
    assert backend.login_max_failures == POLICY.login.max_failed_attempts
    assert backend.duplicate_window_minutes == POLICY.disputes.duplicate_window_minutes
    assert backend.duplicate_lookback_days == POLICY.disputes.duplicate_lookback_days
    assert passwords.MIN_LENGTH == POLICY.passwords.login_min_length
    assert set(policy.ARRIVAL_WORKING_DAYS) == {method.value for method in MethodType}
    assert policy.NON_REFUNDABLE_CATEGORIES == POLICY.refunds.non_refundable_categories
    assert fees.BANK_CARD == fees.FeeRule(
        POLICY.fees.bank_card_free_allowance_fen,
        POLICY.fees.bank_card_rate_bp,
        POLICY.fees.bank_card_min_fee_fen,
    )
    assert (fees.REPAYMENT.free_allowance_fen, fees.REPAYMENT.rate_bp) == (
        POLICY.fees.repayment_free_monthly_fen,
        POLICY.fees.repayment_rate_bp,
    )
    assert {kind.value for kind in fees.FREE_KINDS} == POLICY.fees.free_kinds
    desk = DeskSettings(_env_file=None)
    assert (desk.working_hours, desk.working_days) == (
        POLICY.contact.agent_hours,
        POLICY.contact.agent_days,
    )
    # the action server's own copies, until it reads service_kit.policy itself
    assert payment_failed.LOOKBACK.days == POLICY.payments.diagnosis_lookback_days
    assert payment_failed.SETTLEMENT_TIME.total_seconds() == (
        POLICY.payments.pending_result_hours * 3600
    )


def test_docs_list_every_figure_as_the_policy_has_it() -> None:
    rows = re.findall(
        r"^\|\s*`([\w.]+)`\s*\|\s*([^|]+?)\s*\|", (ROOT / "docs/policies.md").read_text(), re.M
    )
    documented = dict(rows)
    figures = {key: _as_doc(value) for key, value in flatten(POLICY).items()}
    assert documented == figures


def _as_doc(value: Any) -> str:
    if isinstance(value, tuple):
        return f"{value[0]}-{value[1]}"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    return str(value)


def test_a_malformed_policy_is_refused(tmp_path: Path) -> None:
    source = (ROOT / "service_kit/policy.yml").read_text(encoding="utf-8")
    assert isinstance(load_policy(), Policy)
    for broken in (
        source.replace("review_working_days: 3", "review_working_day: 3"),
        source.replace("review_working_days: 3", "review_working_days: three"),
        source.replace("debit_card: [1, 3]", "debit_card: [3, 1]"),
        source.replace("code_valid_minutes: 10", "code_valid_minutes: -10"),
    ):
        assert broken != source
        path = tmp_path / "policy.yml"
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(PolicyError):
            load_policy(path)


def test_responses_take_contact_details_from_the_policy():
    """{hotline}, {hotline_hours}… are filled from the policy file, and no response types the
    hotline or the e-mail address itself."""
    from service_kit.policy import POLICY_PLACEHOLDERS

    assert POLICY_PLACEHOLDERS["hotline"] == POLICY.contact.hotline
    assert POLICY_PLACEHOLDERS["hotline_hours"] == "9:00-21:00"  # 09:00-21:00 as people read it
    assert POLICY_PLACEHOLDERS["support_email"] == POLICY.contact.email
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    assert POLICY.contact.hotline not in domain
    assert POLICY.contact.email not in domain
