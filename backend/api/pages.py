"""The customer-facing secure page where a verification code and a new password are entered.

This is the link the support bot hands out: the code and the password go from the customer's
browser to this page only. Protections: a double-submit CSRF token (cookie + hidden field, SameSite
Strict) plus an Origin check, escaped template output, a strict Content-Security-Policy, no caching,
no referrer (the URL carries the challenge id) and no framing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse

from backend.api.deps import get_ctx
from backend.models.enums import VerificationPurpose
from backend.services import verification
from backend.services.context import ServiceContext
from service_kit.errors import ApiError
from service_kit.html_pages import template_environment
from service_kit.passwords import MAX_PASSWORD_LENGTH
from service_kit.security import double_submit_ok, new_token

router = APIRouter(tags=["secure page"], include_in_schema=False)

_templates = template_environment(Path(__file__).resolve().parent.parent / "templates")
PAGE_PATH = "/security/reset"
CSRF_COOKIE = "eepay_reset_csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

RULES_ZH = {
    "TOO_SHORT": "至少 8 位",
    "TOO_LONG": "不超过 64 位",
    "NEEDS_LETTER": "需包含字母",
    "NEEDS_DIGIT": "需包含数字",
    "INVALID_CHARACTERS": "不能包含空格或控制字符",
    "REPETITIVE": "不能有连续重复或顺序字符（如 aaaa、12345）",
    "COMMON_PASSWORD": "过于常见，容易被猜到",
    "CONTAINS_PERSONAL_INFO": "不能包含手机号、邮箱名或客户号",
    "SAME_AS_CURRENT": "不能与当前密码相同",
}
PROBLEMS_ZH = {
    "CHALLENGE_NOT_FOUND": "链接无效。请回到客服对话重新获取验证码。",
    "CODE_EXPIRED": "验证码已过期。请回到客服对话重新获取验证码。",
    "CODE_ATTEMPTS_EXCEEDED": "验证码错误次数过多，已失效。请重新获取验证码。",
    "CODE_SUPERSEDED": "已发送了新的验证码，请使用最新短信或邮件中的链接。",
    "CODE_ALREADY_USED": "该验证码已使用。如需再次操作，请重新获取验证码。",
    "CODE_INVALID": "验证码不正确。",
    "ACCOUNT_FROZEN": "账户已被冻结，请联系人工客服处理。",
    "RESET_TOKEN_EXPIRED": "操作超时，请重新获取验证码。",
    "WEAK_PASSWORD": "新密码不符合要求：",
    "PASSWORD_REQUIRED": "请设置新密码。",
}


def _render(status_code: int, **values: Any) -> HTMLResponse:
    """Render the page; a page with a form also sets the matching CSRF cookie."""
    values.setdefault("title", "重置密码 / 解锁账户")
    values.setdefault("title_en", "Reset password / unlock account")
    html = _templates.get_template("security_reset.html").render(**values)
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if values.get("show_form"):
        response.set_cookie(
            CSRF_COOKIE,
            values["csrf_token"],
            max_age=1800,
            path="/security",
            httponly=True,
            samesite="strict",
        )
    return response


def _form(
    info: verification.ChallengeInfo, ctx: ServiceContext, csrf_token: Optional[str] = None
) -> dict[str, Any]:
    """Template values of the form for a usable challenge (a fresh CSRF token unless given)."""
    minutes = max(1, int((info.expires_at - ctx.now()).total_seconds() // 60) + 1)
    unlock = info.purpose == VerificationPurpose.UNLOCK.value
    return {
        "show_form": True,
        "csrf_token": csrf_token or new_token(),
        "challenge_id": info.challenge_id,
        "destination": info.destination_masked,
        "minutes_left": minutes,
        "password_optional": unlock,
        "button": "验证并解锁" if unlock else "验证并重置密码",
        "action": PAGE_PATH,
    }


def _lookup(ctx: ServiceContext, challenge: str) -> Optional[verification.ChallengeInfo]:
    plausible = 16 <= len(challenge) <= 64 and all(ch.isalnum() or ch in "-_" for ch in challenge)
    return verification.describe_challenge(ctx, challenge) if plausible else None


def _unusable(info: Optional[verification.ChallengeInfo]) -> Optional[HTMLResponse]:
    if info is None:
        return _render(404, message=PROBLEMS_ZH["CHALLENGE_NOT_FOUND"], message_en="Invalid link.")
    if not info.usable:
        return _render(410, message=PROBLEMS_ZH.get(info.problem or "", "链接已失效。"))
    return None


@router.get(PAGE_PATH, response_class=HTMLResponse)
def reset_page(
    challenge: str = Query("", max_length=128), ctx: ServiceContext = Depends(get_ctx)
) -> HTMLResponse:
    """Show the form for a challenge (or why it can no longer be used)."""
    info = _lookup(ctx, challenge)
    return _unusable(info) or _render(200, **_form(info, ctx))


@router.post(PAGE_PATH, response_class=HTMLResponse)
def submit_reset(
    request: Request,
    challenge: str = Form("", max_length=128),
    code: str = Form("", max_length=16),
    new_password: str = Form("", max_length=MAX_PASSWORD_LENGTH),
    confirm_password: str = Form("", max_length=MAX_PASSWORD_LENGTH),
    csrf_token: str = Form("", max_length=128),
    ctx: ServiceContext = Depends(get_ctx),
) -> HTMLResponse:
    """Check the CSRF token and the form fields, then hand the step to the verification
    service; render what happened."""
    if not double_submit_ok(request, CSRF_COOKIE, csrf_token):
        return _render(
            403,
            message="页面已过期或请求来源不正确，请重新打开链接。",
            message_en="The form expired or came from another site; open the link again.",
        )
    info = _lookup(ctx, challenge)
    refused = _unusable(info)
    if refused is not None:
        return refused
    form = _form(info, ctx, csrf_token)
    if not (code.isdigit() and len(code) == 6):
        return _render(422, message="请输入 6 位数字验证码。", **form)
    if new_password != confirm_password:
        return _render(422, message="两次输入的新密码不一致。", **form)
    try:
        outcome = verification.complete_reset(ctx, challenge, code, new_password or None)
    except ApiError as error:
        return _error_page(error, form)
    if not outcome.password_changed:
        message = "验证成功，账户已解锁，请用原密码登录。" if outcome.unlocked else "验证成功。"
        return _render(200, message=message, success=True, message_en="Verified.")
    extra = "账户已同时解锁。" if outcome.unlocked else ""
    return _render(
        200,
        message=f"密码已重置，请使用新密码登录。{extra}",
        message_en="Your password has been reset.",
        success=True,
    )


def _error_page(error: ApiError, form: dict[str, Any]) -> HTMLResponse:
    """Explain a failed step; keep the form when the customer can simply try again."""
    text = PROBLEMS_ZH.get(error.code, "操作未成功，请稍后再试。")
    details = error.details or {}
    if error.code == "CODE_INVALID" and details.get("remaining_attempts"):
        return _render(
            400, message=f"{text}还可以尝试 {details['remaining_attempts']} 次。", **form
        )
    if error.code == "PASSWORD_REQUIRED":
        return _render(422, message=text, **form)
    if error.code == "WEAK_PASSWORD":
        problems = [RULES_ZH.get(v, v) for v in details.get("violations", [])]
        return _render(422, message=text, problems=problems, **form)
    return _render(error.status_code, message=text)
