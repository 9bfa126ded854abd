"""The demo customers the bot, its tests and the README rely on, with times relative to now.

u1001 to u1006 are the contract of the backend issue; u1007 to u1009 add the cases the bot must
hand to a human (an overdue refund, a frozen account) and a payment method that expired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backend.core.clock import china_date
from backend.core.settings import Settings
from backend.models import (
    Customer,
    Dispute,
    Merchant,
    OutboxMessage,
    PaymentMethod,
    Refund,
    ResetToken,
    Transaction,
    VerificationChallenge,
    WeChatBinding,
)
from backend.models.enums import (
    CustomerStatus,
    LockReason,
    MethodStatus,
    MethodType,
    RefundStatus,
    TransactionStatus,
    TransactionType,
)
from backend.services.policy import add_working_days
from service_kit.passwords import password_hasher

# Every demo customer logs in (simulated login endpoint) with this password.
DEMO_PASSWORD = "Demo@pay2026"

MERCHANTS = [
    # id, name, category, refund window in days
    ("M_STARBUCKS", "星巴克", "catering", 7),
    ("M_LUCKIN", "瑞幸咖啡", "catering", 7),
    ("M_JD", "京东", "ecommerce", 15),
    ("M_MEITUAN", "美团外卖", "food_delivery", 7),
    ("M_GAME", "腾讯游戏", "virtual_goods", 0),
    ("M_HEMA", "盒马鲜生", "grocery", 7),
    ("M_DIDI", "滴滴出行", "ride_hailing", 15),
    ("M_CTRIP", "携程旅行", "travel", 30),
    ("M_UNIQLO", "优衣库", "apparel", 30),
]

YUAN = 100  # fen per yuan
BALANCE_LIMITS = (50_000 * YUAN, 200_000 * YUAN)
DEBIT_LIMITS = (5_000 * YUAN, 20_000 * YUAN)


@dataclass
class DemoMethod:
    suffix: str
    type: str
    bank: Optional[str] = None
    last4: Optional[str] = None
    limits: tuple[int, int] = DEBIT_LIMITS
    status: str = MethodStatus.ACTIVE.value


@dataclass
class DemoTransaction:
    id: str
    ago: timedelta
    merchant: Optional[str]
    amount_fen: int
    method: str
    status: str
    failure_code: Optional[str] = None
    payee: Optional[str] = None
    type: str = TransactionType.PAYMENT.value
    settles_after: Optional[timedelta] = None


@dataclass
class DemoRefund:
    id: str
    transaction_id: str
    amount_fen: int
    reason: str
    status: str
    submitted_ago: timedelta
    review_started_ago: Optional[timedelta] = None
    reviewed_ago: Optional[timedelta] = None


@dataclass
class DemoCustomer:
    id: str
    name: str
    phone: str
    balance_fen: int
    methods: list[DemoMethod]
    email: Optional[str] = None
    status: str = CustomerStatus.ACTIVE.value
    lock_reason: Optional[str] = None
    locked_ago: Optional[timedelta] = None
    failed_logins: int = 0
    # of the lifetime fee-free withdrawal allowance (the sandbox has no withdrawals to count)
    free_withdrawal_used_fen: int = 0
    transactions: list[DemoTransaction] = field(default_factory=list)
    refunds: list[DemoRefund] = field(default_factory=list)


def _balance() -> DemoMethod:
    return DemoMethod("01", MethodType.BALANCE.value, limits=BALANCE_LIMITS)


MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
S, F, P = (
    TransactionStatus.SUCCESS.value,
    TransactionStatus.FAILED.value,
    TransactionStatus.PENDING.value,
)

CUSTOMERS = [
    DemoCustomer(
        "u1001",
        "张伟",
        "13800001001",
        3520,
        [_balance(), DemoMethod("02", MethodType.DEBIT_CARD.value, "招商银行", "6621")],
        free_withdrawal_used_fen=12_500 * YUAN,
        transactions=[
            DemoTransaction(
                "T202611200001", 15 * MIN, "M_STARBUCKS", 19900, "01", F, "INSUFFICIENT_BALANCE"
            ),
            DemoTransaction("T202611170101", 3 * DAY, "M_LUCKIN", 1590, "01", S),
            DemoTransaction("T202611140102", 6 * DAY, "M_JD", 12800, "02", S),
        ],
    ),
    DemoCustomer(
        "u1002",
        "李娜",
        "13800001002",
        12000,
        [
            _balance(),
            DemoMethod(
                "02",
                MethodType.CREDIT_CARD.value,
                "中信银行",
                "8848",
                (2_000 * YUAN, 10_000 * YUAN),
            ),
            DemoMethod("03", MethodType.DEBIT_CARD.value, "工商银行", "0322"),
        ],
        transactions=[
            DemoTransaction("T202611210002", 1 * HOUR, "M_JD", 329900, "02", F, "LIMIT_EXCEEDED"),
            DemoTransaction("T202611160201", 5 * DAY, "M_STARBUCKS", 3800, "02", S),
        ],
    ),
    DemoCustomer(
        "u1003",
        "王芳",
        "13800001003",
        100000,
        [_balance(), DemoMethod("02", MethodType.DEBIT_CARD.value, "农业银行", "2210")],
        transactions=[
            DemoTransaction(
                "T202611220003",
                2 * HOUR,
                None,
                50000,
                "01",
                F,
                "INVALID_PAYEE",
                payee="刘**（138****0000）",
                type=TransactionType.TRANSFER.value,
            ),
        ],
    ),
    DemoCustomer(
        "u1004",
        "刘洋",
        "13800001004",
        26850,
        [_balance(), DemoMethod("02", MethodType.DEBIT_CARD.value, "建设银行", "1187")],
        status=CustomerStatus.LOCKED.value,
        lock_reason=LockReason.TOO_MANY_FAILED_LOGINS.value,
        locked_ago=20 * MIN,
        failed_logins=5,
        transactions=[DemoTransaction("T202611190401", 4 * DAY, "M_MEITUAN", 3650, "01", S)],
    ),
    DemoCustomer(
        "u1005",
        "陈静",
        "13800001005",
        52000,
        [_balance(), DemoMethod("02", MethodType.DEBIT_CARD.value, "交通银行", "5120")],
        email="chenjing@example.com",
        transactions=[
            DemoTransaction("T202611230005", 2 * DAY, "M_MEITUAN", 8900, "01", S),
            DemoTransaction("T202610010005", 56 * DAY, "M_GAME", 26800, "02", S),
            DemoTransaction("T202611150005", 11 * DAY, "M_HEMA", 4550, "02", S),
        ],
        refunds=[
            DemoRefund(
                "R202611180005",
                "T202611150005",
                4550,
                "商品质量问题",
                RefundStatus.UNDER_REVIEW.value,
                1 * DAY,
                review_started_ago=20 * HOUR,
            ),
        ],
    ),
    DemoCustomer(
        "u1006",
        "赵磊",
        "13800001006",
        30000,
        [_balance(), DemoMethod("02", MethodType.DEBIT_CARD.value, "建设银行", "7781")],
        transactions=[
            DemoTransaction(
                "T202611240006",
                30 * MIN,
                "M_CTRIP",
                120000,
                "02",
                P,
                "NETWORK_TIMEOUT",
                settles_after=2 * HOUR,
            ),
            DemoTransaction("T202611240016", 3 * HOUR, "M_DIDI", 5800, "02", S),
            DemoTransaction("T202611240026", 3 * HOUR - 2 * MIN, "M_DIDI", 5800, "02", S),
        ],
    ),
    DemoCustomer(
        "u1007",
        "孙丽",
        "13800001007",
        8800,
        [_balance(), DemoMethod("02", MethodType.DEBIT_CARD.value, "建设银行", "3309")],
        email="sunli@example.com",
        transactions=[DemoTransaction("T202611030007", 23 * DAY, "M_UNIQLO", 32000, "02", S)],
        refunds=[
            DemoRefund(
                "R202611050007",
                "T202611030007",
                32000,
                "尺码不合适，已退货",
                RefundStatus.APPROVED.value,
                21 * DAY,
                review_started_ago=21 * DAY,
                reviewed_ago=20 * DAY,
            ),
        ],
    ),
    DemoCustomer(
        "u1008",
        "吴敏",
        "13800001008",
        156000,
        [
            DemoMethod(
                "01",
                MethodType.BALANCE.value,
                limits=BALANCE_LIMITS,
                status=MethodStatus.FROZEN.value,
            ),
            DemoMethod(
                "02",
                MethodType.CREDIT_CARD.value,
                "平安银行",
                "4410",
                (10_000 * YUAN, 50_000 * YUAN),
                status=MethodStatus.FROZEN.value,
            ),
        ],
        status=CustomerStatus.FROZEN.value,
        lock_reason=LockReason.RISK_CONTROL.value,
        locked_ago=2 * DAY,
        transactions=[
            DemoTransaction(
                "T202611240008", 2 * DAY + 5 * MIN, "M_JD", 499900, "02", F, "RISK_CONTROL"
            ),
        ],
    ),
    DemoCustomer(
        "u1009",
        "周敏",
        "13800001009",
        2000,
        [
            _balance(),
            DemoMethod(
                "02",
                MethodType.CREDIT_CARD.value,
                "广发银行",
                "5566",
                (5_000 * YUAN, 20_000 * YUAN),
                status=MethodStatus.EXPIRED.value,
            ),
            DemoMethod("03", MethodType.DEBIT_CARD.value, "中国银行", "9902"),
        ],
        transactions=[
            DemoTransaction(
                "T202611250009", 40 * MIN, "M_LUCKIN", 15600, "02", F, "METHOD_UNAVAILABLE"
            ),
        ],
    ),
]

_HASH_CACHE: dict[tuple[int, int, int], str] = {}


def _demo_password_hash(settings: Settings) -> str:
    """One argon2 hash of the demo password per process and cost setting (seeding stays fast)."""
    key = (settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism)
    if key not in _HASH_CACHE:
        _HASH_CACHE[key] = password_hasher(*key).hash(DEMO_PASSWORD)
    return _HASH_CACHE[key]


# Children first, so foreign keys never block the wipe.
TABLES_IN_DELETE_ORDER = (
    OutboxMessage,
    ResetToken,
    VerificationChallenge,
    Dispute,
    Refund,
    Transaction,
    WeChatBinding,
    PaymentMethod,
    Merchant,
    Customer,
)


def wipe(session: Session) -> None:
    """Delete every row of every backend table."""
    for model in TABLES_IN_DELETE_ORDER:
        session.execute(delete(model))


def seed(session: Session, settings: Settings, now: datetime) -> None:
    """Insert the merchants and demo customers with times relative to ``now``."""
    merchants = {}
    for merchant_id, name, category, window in MERCHANTS:
        merchants[merchant_id] = Merchant(
            id=merchant_id, name=name, category=category, refund_window_days=window
        )
        session.add(merchants[merchant_id])
    password_hash = _demo_password_hash(settings)
    today = china_date(now)
    for demo in CUSTOMERS:
        session.add(
            Customer(
                id=demo.id,
                name=demo.name,
                phone=demo.phone,
                email=demo.email,
                language="zh-CN",
                status=demo.status,
                lock_reason=demo.lock_reason,
                locked_at=now - demo.locked_ago if demo.locked_ago else None,
                failed_login_count=demo.failed_logins,
                balance_fen=demo.balance_fen,
                free_withdrawal_used_fen=demo.free_withdrawal_used_fen,
                password_hash=password_hash,
                password_changed_at=now - 180 * DAY,
                created_at=now - 400 * DAY,
            )
        )
        session.flush()
        method_ids = {}
        for method in demo.methods:
            method_id = f"PM{demo.id[1:]}{method.suffix}"
            method_ids[method.suffix] = method_id
            session.add(
                PaymentMethod(
                    id=method_id,
                    customer_id=demo.id,
                    type=method.type,
                    bank=method.bank,
                    last4=method.last4,
                    status=method.status,
                    single_limit_fen=method.limits[0],
                    daily_limit_fen=method.limits[1],
                    used_today_fen=0,
                    usage_date=today,
                    frozen_at=now - demo.locked_ago
                    if method.status == MethodStatus.FROZEN.value and demo.locked_ago
                    else None,
                    frozen_reason="risk_control"
                    if method.status == MethodStatus.FROZEN.value
                    else None,
                    created_at=now - 300 * DAY,
                )
            )
        session.flush()
        for item in demo.transactions:
            created = now - item.ago
            merchant = merchants.get(item.merchant) if item.merchant else None
            session.add(
                Transaction(
                    id=item.id,
                    customer_id=demo.id,
                    type=item.type,
                    merchant_id=merchant.id if merchant else None,
                    payee=merchant.name if merchant else (item.payee or ""),
                    merchant_category=merchant.category if merchant else "p2p_transfer",
                    amount_fen=item.amount_fen,
                    currency="CNY",
                    payment_method_id=method_ids[item.method],
                    status=item.status,
                    failure_code=item.failure_code,
                    refunded_fen=0,
                    created_at=created,
                    updated_at=created,
                    settles_by=created + item.settles_after if item.settles_after else None,
                    refund_deadline_at=created + timedelta(days=merchant.refund_window_days)
                    if merchant
                    else None,
                )
            )
        session.flush()
        for refund in demo.refunds:
            transaction = session.get(Transaction, refund.transaction_id)
            submitted = now - refund.submitted_ago
            session.add(
                Refund(
                    id=refund.id,
                    customer_id=demo.id,
                    transaction_id=refund.transaction_id,
                    payment_method_id=transaction.payment_method_id,
                    amount_fen=refund.amount_fen,
                    reason=refund.reason,
                    status=refund.status,
                    submitted_at=submitted,
                    review_due_at=add_working_days(submitted, settings.refund_review_working_days),
                    review_started_at=now - refund.review_started_ago
                    if refund.review_started_ago
                    else None,
                    reviewed_at=now - refund.reviewed_ago if refund.reviewed_ago else None,
                    updated_at=now
                    - (refund.reviewed_ago or refund.review_started_ago or refund.submitted_ago),
                )
            )
    session.flush()


def reset_demo(session: Session, settings: Settings, now: datetime) -> None:
    """Wipe every table and seed the demo data again (one transaction)."""
    wipe(session)
    session.flush()
    seed(session, settings, now)
