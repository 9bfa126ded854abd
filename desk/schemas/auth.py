"""Sign-in shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import constr

from desk.schemas.common import ResponseModel
from service_kit.schemas import Password, PasswordForm


class LoginIn(PasswordForm):
    """``POST /api/login``."""

    username: constr(min_length=1, max_length=64)
    password: Password


class LoginOut(ResponseModel):
    """The bearer token for ``Authorization: Bearer <token>`` and when it expires."""

    token: str
    expires_at: datetime


class MeOut(ResponseModel):
    """The signed-in agent."""

    username: str
    display_name: str
    role: str
