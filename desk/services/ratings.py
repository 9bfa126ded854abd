"""Customer ratings (CSAT), stored once per conversation (docs/contracts.md, "Ratings").

The action server posts a rating at the end of a resolved conversation. The first rating of a
conversation is kept; a repeated one (the outbox delivering twice, a customer answering the
form again) changes nothing and is answered with the first one's id. A rating may name the
Rasa session it is about (``session_id``, not in the contract yet): then "once per
conversation" means once per session, so a customer whose sender id never changes (a WeChat
openid) can still rate next week's conversation.

The comment is the customer's text: masked like every text an agent sees, and rendered as
text wherever it is shown.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.core.errors import InvalidRequestError
from desk.core.masking import mask_text
from desk.core.metrics import RATINGS, RATINGS_REPEATED
from desk.models import Rating
from desk.schemas.analytics import RatingIn
from desk.services.context import ServiceContext
from service_kit.clock import as_utc
from service_kit.db import try_insert
from service_kit.models import new_row

logger = logging.getLogger("desk.ratings")

# How far ahead of the desk's clock a rating's time may be (clocks of two servers differ).
MAX_CLOCK_SKEW = timedelta(minutes=10)


def _existing(session: Session, conversation_id: str, session_key: str) -> Optional[int]:
    return session.execute(
        select(Rating.id).where(
            Rating.conversation_id == conversation_id, Rating.session_key == session_key
        )
    ).scalar()


def record(ctx: ServiceContext, data: RatingIn) -> tuple[int, bool]:
    """Store the rating; ``(id, created)`` — created False when the conversation had one."""
    now = ctx.now()
    rated_at = as_utc(data.rated_at) or now
    if rated_at > now + MAX_CLOCK_SKEW:
        raise InvalidRequestError(
            "rated_at lies in the future.",
            details={"errors": [{"loc": ["body", "rated_at"], "msg": "in the future"}]},
        )
    session_key = data.session_id or ""
    comment = mask_text(data.comment) if data.comment else None
    with ctx.db.session(write=True) as session:
        first = _existing(session, data.conversation_id, session_key)
        if first is None:
            rating = new_row(
                Rating,
                data,
                session_key=session_key,
                comment=comment,
                rated_at=rated_at,
                received_at=now,
            )
            if try_insert(session, rating):
                created_id = rating.id
            else:  # rated concurrently: the other one was first
                first = _existing(session, data.conversation_id, session_key)
    if first is not None:
        RATINGS_REPEATED.inc()
        logger.info(
            "repeated rating ignored",
            extra={"conversation_id": data.conversation_id, "rating_id": first},
        )
        return int(first), False
    RATINGS.labels(str(data.score), "true" if data.human_involved else "false").inc()
    logger.info(
        "rating received",
        extra={
            "conversation_id": data.conversation_id,
            "rating_id": created_id,
            "score": data.score,
            "human_involved": data.human_involved,
            "channel": data.channel,
        },
    )
    return int(created_id), True
