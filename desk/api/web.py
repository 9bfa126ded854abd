"""What the pages share: templates, labels, the session cookie, CSRF checks.

Protections: Jinja autoescaping everywhere (customer text is always text), a strict
Content-Security-Policy (only /static scripts, see core/middleware.py), a ``__Host-`` session
cookie that is Secure, HttpOnly and SameSite=Lax, a per-session CSRF token in every form (and a
double-submit token on the login form, before there is a session) plus an Origin check.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from desk import __version__
from desk.api.deps import get_ctx
from desk.core.errors import ForbiddenError, LoginRequired
from desk.core.security import tokens_match
from desk.core.settings import Settings
from desk.models.enums import SessionKind
from desk.services import sessions
from desk.services.context import ServiceContext
from desk.services.principal import Principal

DESK_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = DESK_DIR / "templates"
STATIC_DIR = DESK_DIR / "static"
# Chart.js as npm installs it (desk/package.json, `npm ci --prefix desk`), served by the desk.
CHART_JS = DESK_DIR / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"

REASONS = {
    "customer_request": "客户要求人工",
    "repeated_fallback": "多次未能理解",
    "unresolved_checklist": "自助排查未解决",
    "repeated_complaint": "多次投诉",
    "unauthorized_transaction": "非本人交易",
    "backend_unavailable": "系统暂不可用",
    "risk_control": "风控拦截",
    "account_frozen": "账户冻结",
    "refund_overdue": "退款超时",
    "low_rating": "低评分",
}
PRIORITIES = {"urgent": "紧急", "high": "高", "normal": "普通"}
CHANNELS = {"socketio": "网页 / App", "rest": "REST", "wechat": "微信"}
STATUSES = {"waiting": "排队中", "assigned": "处理中", "resolved": "已结束"}
RESOLUTIONS = {"returned_to_bot": "已交回机器人", "closed": "已结束会话"}
SENDERS = {"user": "客户", "bot": "机器人", "agent": "人工客服"}
ROLES = {"agent": "客服", "supervisor": "主管"}
INTENTS = {
    "payment_failed": "付款失败",
    "request_refund": "申请退款",
    "refund_status": "退款进度",
    "forgot_password": "忘记密码",
    "login_problem": "登录问题",
    "transaction_dispute": "交易争议",
    "payment_guide": "支付指南",
    "contact_info": "联系方式",
    "request_human": "转人工",
    "complain": "投诉",
    "greet": "问候",
    "out_of_scope": "其他问题",
    "nlu_fallback": "未识别",
    "goodbye": "再见",
    "thank": "感谢",
    "affirm": "肯定",
    "deny": "否定",
    "inform": "提供信息",
    "bot_challenge": "问是否机器人",
}
HISTORY = {
    "created": "转人工",
    "handoff_again": "再次转人工",
    "claimed": "领取",
    "reassigned": "转交",
    "message": "回复客户",
    "note": "内部备注",
    "resolved": "结束",
}
NOTICES = {
    "claimed": "已领取，现在由您处理。",
    "sent": "消息已发送给客户。",
    "noted": "备注已保存。",
    "returned_to_bot": "会话已交回机器人，机器人已向客户问好。",
    "closed": "会话已结束，客户会收到评价邀请。",
}
ERRORS = {
    "TICKET_NOT_FOUND": "没有这个会话。",
    "TICKET_TAKEN": "这个会话已由其他客服处理。",
    "NOT_YOUR_TICKET": "这个会话由其他客服处理，您不能回复或结束它。",
    "TICKET_RESOLVED": "这个会话已经结束。",
    "RASA_UNAVAILABLE": "机器人服务器暂时无法连接，操作没有完成，请稍后重试。",
    "CSRF_FAILED": "页面已过期或请求来源不正确，请刷新页面后重试。",
    "VALIDATION_ERROR": "输入内容不符合要求（1-2000 字）。",
    "INVALID_CREDENTIALS": "用户名或密码错误。",
    "ACCOUNT_LOCKED": "密码错误次数过多，账户已暂时锁定，请稍后再试。",
    "NOT_FOUND": "页面不存在。",
    "DATABASE_UNAVAILABLE": "数据库暂时不可用，请稍后重试。",
    "SUPERVISOR_ONLY": "只有主管可以查看统计分析。",
    "INVALID_PERIOD": "日期范围不正确：起始日期不能晚于截止日期，最长两年。",
    "INTERNAL_ERROR": "系统出错了，请稍后重试。",
}


def label(mapping: dict[str, str], value: Optional[str]) -> str:
    """The Chinese label of a code, or the code itself."""
    if value is None:
        return ""
    return mapping.get(value, value)


def percent(value: Optional[float]) -> str:
    """0.756 -> 75.6 %; nothing to divide -> —."""
    return "—" if value is None else f"{value * 100:.1f} %"


def duration(seconds: Optional[float]) -> str:
    """A duration in Chinese units: 45 秒, 3 分 20 秒, 2 小时 5 分; none -> —."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} 小时 {minutes} 分"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"


def score(value: Optional[float]) -> str:
    """A mean rating with two decimals; none -> —."""
    return "—" if value is None else f"{value:.2f}"


def session_cookie(settings: Settings) -> str:
    """``__Host-`` cookies must be Secure, path /, and no Domain: the browser enforces it."""
    return "__Host-desk_session" if settings.cookie_secure else "desk_session"


def login_csrf_cookie(settings: Settings) -> str:
    """The double-submit cookie of the login form."""
    return "__Host-desk_login_csrf" if settings.cookie_secure else "desk_login_csrf"


class Pages:
    """The Jinja environment with the desk's filters; one per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=select_autoescape(["html"], default=True, default_for_string=True),
        )
        self.env.filters["localtime"] = self.localtime
        self.env.filters["pct"] = percent
        self.env.filters["duration"] = duration
        self.env.filters["score"] = score
        self.env.globals.update(
            REASONS=REASONS,
            PRIORITIES=PRIORITIES,
            CHANNELS=CHANNELS,
            STATUSES=STATUSES,
            RESOLUTIONS=RESOLUTIONS,
            SENDERS=SENDERS,
            ROLES=ROLES,
            INTENTS=INTENTS,
            HISTORY=HISTORY,
            ERRORS=ERRORS,
            label=label,
            version=__version__,
            chart_js=f"/static/vendor/{CHART_JS.name}" if CHART_JS.exists() else None,
        )

    def localtime(self, moment: Optional[datetime], fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        """A time in the desk's time zone."""
        if moment is None:
            return ""
        return moment.astimezone(self.zone).strftime(fmt)

    def render(
        self,
        template: str,
        *,
        status_code: int = 200,
        principal: Optional[Principal] = None,
        **values: Any,
    ) -> HTMLResponse:
        """Render a page for the signed-in principal (or the login/error pages)."""
        html = self.env.get_template(template).render(
            principal=principal,
            csrf_token=principal.csrf_token if principal else "",
            poll_ms=int(self.settings.poll_interval_seconds * 1000),
            **values,
        )
        return HTMLResponse(html, status_code=status_code)

    def error_page(self, request: Request, status: int, code: str, message: str) -> Response:
        """The error page (used by the error handlers for page routes)."""
        return self.render(
            "error.html",
            status_code=status,
            status=status,
            code=code,
            message=ERRORS.get(code, "请求没有成功。"),
            message_en=message,
        )


def get_pages(request: Request) -> Pages:
    """The app's page renderer."""
    return request.app.state.pages


def page_principal(request: Request, ctx: ServiceContext = Depends(get_ctx)) -> Principal:
    """The agent of the browser session; without one, the login page (303)."""
    token = request.cookies.get(session_cookie(ctx.settings))
    principal = sessions.resolve(ctx, token, SessionKind.WEB)
    if principal is None:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        raise LoginRequired(target)
    return principal


def same_origin(request: Request) -> bool:
    """Reject cross-site form posts: Origin (when sent) must be this host, and browsers that
    send Sec-Fetch-Site must not say cross-site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_csrf(request: Request, principal: Principal, supplied: str) -> None:
    """The form's token must be this session's CSRF token (403 CSRF_FAILED otherwise)."""
    if not (principal.csrf_token and tokens_match(supplied, principal.csrf_token)):
        raise ForbiddenError("The form's CSRF token is missing or wrong.", code="CSRF_FAILED")
    if not same_origin(request):
        raise ForbiddenError("The form came from another site.", code="CSRF_FAILED")


def safe_next(target: Optional[str]) -> str:
    """Only paths of this site are followed after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    if urlsplit(target).scheme or urlsplit(target).netloc:
        return "/queue"
    return target
