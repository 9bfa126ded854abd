"""The action server's endpoints: a conversation is handed to the people; a customer's rating."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Response

from desk.api.deps import get_ctx, require_service
from desk.schemas.analytics import RatingAccepted, RatingIn
from desk.schemas.common import ERROR_RESPONSES
from desk.schemas.handoff import HandoffAccepted, HandoffIn
from desk.services import ratings, tickets
from desk.services.context import ServiceContext

router = APIRouter(
    prefix="/api/internal",
    tags=["internal"],
    dependencies=[Depends(require_service)],
    responses=ERROR_RESPONSES,
)


@router.post(
    "/handoffs",
    response_model=HandoffAccepted,
    status_code=201,
    summary="Hand a conversation to an agent (action server, DESK_SERVICE_TOKEN)",
    responses={200: {"model": HandoffAccepted, "description": "The open ticket, reason added"}},
)
def create_handoff(
    body: HandoffIn,
    response: Response,
    background: BackgroundTasks,
    ctx: ServiceContext = Depends(get_ctx),
) -> HandoffAccepted:
    """201 with a new ticket; 200 with the conversation's open ticket (its reason appended).

    Returns the place in the queue, an estimated wait and whether agents are working now
    (``next_open_at`` otherwise), for the bot to tell the customer.
    """
    accepted = tickets.create_handoff(ctx, body)
    response.status_code = 201 if accepted.created else 200
    background.add_task(tickets.after_arrival, ctx, body.conversation_id, body.customer_id)
    return accepted


@router.post(
    "/ratings",
    response_model=RatingAccepted,
    status_code=201,
    summary="Store a customer's rating (action server, DESK_SERVICE_TOKEN)",
    responses={200: {"model": RatingAccepted, "description": "Already rated: the first rating"}},
)
def create_rating(
    body: RatingIn, response: Response, ctx: ServiceContext = Depends(get_ctx)
) -> RatingAccepted:
    """201 with the new rating's id; 200 with the first one's id when the conversation was
    already rated (once per conversation: the second one changes nothing)."""
    rating_id, created = ratings.record(ctx, body)
    response.status_code = 201 if created else 200
    return RatingAccepted(id=rating_id)
