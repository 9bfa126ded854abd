"""Dispute shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import StrictBool, constr, validator

from backend.models.enums import DisputeStatus, DisputeType, Priority
from backend.schemas.common import TRANSACTION_ID_PATTERN, ApiModel, ResponseModel, clean_text


class DisputeCreate(ApiModel):
    """Open a case for a transaction; unauthorized use may freeze every payment method at once."""

    transaction_id: constr(regex=TRANSACTION_ID_PATTERN)
    type: DisputeType
    description: Optional[constr(max_length=500)] = None
    freeze_payment_methods: StrictBool = False

    _description = validator("description", allow_reuse=True)(clean_text)

    @validator("freeze_payment_methods")
    def _freeze_only_for_unauthorized(cls, value: bool, values: dict) -> bool:
        if value and values.get("type") not in (None, DisputeType.UNAUTHORIZED):
            raise ValueError("freezing payment methods is only for unauthorized disputes")
        return value


class DisputeOut(ResponseModel):
    """A dispute case."""

    id: str
    customer_id: str
    transaction_id: str
    type: DisputeType
    status: DisputeStatus
    priority: Priority
    description: Optional[str]
    duplicate_detected: bool
    related_transaction_ids: list[str]
    frozen_payment_method_ids: list[str]
    created_at: datetime
    updated_at: datetime


class DisputePage(ResponseModel):
    """A page of disputes, newest first."""

    items: list[DisputeOut]
    total: int
    limit: int
    offset: int
