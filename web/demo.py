"""The demo page's logic: who the demo customers are and the widget configuration for one.

The customers mirror the payment backend's seeded demo data (backend/README.md, "Demo
customers"); this service does not call the backend, it only mints the identity token a real
eepay website would mint for its logged-in customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from service_kit import customer_token
from web.settings import Settings

Language = Literal["zh", "en"]
ANONYMOUS = "anonymous"
DEFAULT_CUSTOMER = "u1001"


@dataclass(frozen=True)
class DemoCustomer:
    """One selectable identity on the demo page."""

    id: str
    name: str
    situation_zh: str
    situation_en: str


DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer("u1001", "张伟", "余额不足，¥199.00 付款失败", "balance too low, ¥199 failed"),
    DemoCustomer("u1002", "李娜", "超出信用卡单笔限额，付款失败", "card limit, ¥3,299 failed"),
    DemoCustomer("u1003", "王芳", "转账 ¥500.00 收款方无效", "transfer to an invalid payee"),
    DemoCustomer("u1004", "刘洋", "密码输错 5 次，登录被锁", "login locked, 5 wrong passwords"),
    DemoCustomer("u1005", "陈静", "可退款订单、审核中的退款", "refundable order, refund in review"),
    DemoCustomer("u1006", "赵磊", "付款处理中，疑似重复扣款", "pending payment, double charge"),
    DemoCustomer("u1007", "孙丽", "已批准的退款超时未到账", "approved refund overdue"),
    DemoCustomer("u1008", "吴敏", "账户被风控冻结", "account frozen by risk control"),
    DemoCustomer("u1009", "周敏", "信用卡已过期，付款失败", "expired card, payment failed"),
)

_BY_ID = {customer.id: customer for customer in DEMO_CUSTOMERS}


@dataclass(frozen=True)
class WidgetConfig:
    """What the page hands the widget (as ``data-*`` attributes of its script tag)."""

    server_url: str
    customer_token: str
    language: Language
    title: str


def find_customer(customer_id: str) -> Optional[DemoCustomer]:
    """The demo customer with this id, or None (also for ``anonymous``)."""
    return _BY_ID.get(customer_id)


def is_known_identity(customer_id: str) -> bool:
    """True for a demo customer id or ``anonymous``."""
    return customer_id == ANONYMOUS or customer_id in _BY_ID


def parse_language(value: Optional[str]) -> Language:
    """``en`` when asked for English (``en``, ``en-US``...), otherwise Chinese."""
    return "en" if value and value.lower().startswith("en") else "zh"


def widget_config(settings: Settings, customer_id: str, language: Language) -> WidgetConfig:
    """The widget configuration for a visitor logged in as ``customer_id`` (or anonymous).

    The token is minted here, on the server, exactly as eepay's website does for its logged-in
    customer; an anonymous visitor gets no token and the bot offers general help only.
    """
    token = ""
    if find_customer(customer_id) is not None:
        token = customer_token.mint(
            customer_id, secret=settings.chat_jwt_secret, ttl_seconds=settings.token_ttl_seconds
        )
    title = "eepay Support" if language == "en" else "eepay 在线客服"
    return WidgetConfig(settings.rasa_public_url, token, language, title)
