"""WeChat openid bindings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Response

from backend.api.deps import get_ctx
from backend.schemas.common import ERROR_RESPONSES, OPENID_PATTERN
from backend.schemas.customer import WeChatBindingOut, WeChatBindRequest
from backend.services import customers
from backend.services.context import ServiceContext
from service_kit.schemas import error_responses

router = APIRouter(prefix="/wechat/bindings", tags=["wechat"], responses=ERROR_RESPONSES)
OpenId = Path(..., pattern=OPENID_PATTERN)


@router.get("/{openid}", response_model=WeChatBindingOut, summary="Who is this WeChat user?")
def get_binding(openid: str = OpenId, ctx: ServiceContext = Depends(get_ctx)) -> WeChatBindingOut:
    """404 WECHAT_BINDING_NOT_FOUND when the openid is not bound."""
    return customers.get_wechat_binding(ctx, openid)


@router.put(
    "/{openid}",
    response_model=WeChatBindingOut,
    summary="Bind an openid to a customer",
    responses={
        201: {"model": WeChatBindingOut, "description": "Newly bound"},
        **error_responses({409: "OPENID_ALREADY_BOUND to another customer"}),
    },
)
def bind(
    body: WeChatBindRequest,
    response: Response,
    openid: str = OpenId,
    ctx: ServiceContext = Depends(get_ctx),
) -> WeChatBindingOut:
    """201 when created, 200 when it was already bound to the same customer."""
    binding, created = customers.bind_wechat(ctx, openid, body.customer_id)
    response.status_code = 201 if created else 200
    return binding


@router.delete("/{openid}", status_code=204, summary="Unbind an openid")
def unbind(openid: str = OpenId, ctx: ServiceContext = Depends(get_ctx)) -> Response:
    """204 on success, 404 when it was not bound."""
    customers.unbind_wechat(ctx, openid)
    return Response(status_code=204)
