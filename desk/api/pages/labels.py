"""The Chinese words the pages show for the desk's codes (reasons, statuses, intents, errors...).

Codes stay English in data and URLs; only the pages translate them, so the API and the exports
keep the stable codes.
"""

from __future__ import annotations

from typing import Optional

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
    "TOO_MANY_ATTEMPTS": "登录尝试过于频繁，请一分钟后再试。",
    "LOGIN_BUSY": "正在登录的人较多，请稍等几秒再试。",
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
