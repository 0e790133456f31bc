"""``POST /v1/delivery-status``: the SMS/robocall provider reports what became of a message.

The provider signs its callback like our webhook: ``X-Dunflow-Timestamp`` and
``X-Dunflow-Signature: sha256=<HMAC of "<timestamp>.<raw body>">`` with
``DUNFLOW_SMS_WEBHOOK_SECRET``; a missing, stale or wrong signature is a 401 naming the header,
before the body is even read as JSON. A good callback sets the matching contact (by
``idempotency_key``) to delivered or failed, keeps the provider's id as its receipt, and records
a dossier event. A failure flagged ``address_unusable`` also records ``channel_unusable`` (see
:mod:`ledger.addresses`): the rules then choose another channel for the debtor. A repeated callback
with the same status changes nothing.

This route must never act on an unsigned body, and never touch a contact that was cancelled.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import select

from ledger import dossier
from ledger.addresses import record_unusable
from ledger.enums import Channel, ContactStatus
from ledger.tables import Contact
from serving.api.deps import SessionDep
from serving.api.errors import ApiError
from serving.senders.settings import SenderSettings, get_sender_settings
from serving.senders.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify_signature,
)

router = APIRouter(prefix="/v1", tags=["delivery"])


class DeliveryStatus(BaseModel):
    idempotency_key: str = Field(min_length=1, max_length=200)
    status: Literal["delivered", "failed"]
    provider_id: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=500)
    address_unusable: bool = Field(
        default=False,
        description="with status failed: the address can never take this channel (a hard "
        "bounce, an unknown or invalid number, a landline for SMS, a letter returned as "
        "undeliverable); the rules then use another channel until the address changes",
    )


class DeliveryAck(BaseModel):
    idempotency_key: str
    contact_status: str
    changed: bool


def settings_dep() -> SenderSettings:
    return get_sender_settings()


async def signed_body(
    request: Request, settings: Annotated[SenderSettings, Depends(settings_dep)]
) -> DeliveryStatus:
    secret = settings.sms_webhook_secret.get_secret_value()
    if not secret:
        raise ApiError(
            503, f"header.{SIGNATURE_HEADER}", "DUNFLOW_SMS_WEBHOOK_SECRET is not configured"
        )
    body = await request.body()
    try:
        verify_signature(
            secret,
            request.headers.get(TIMESTAMP_HEADER),
            body,
            request.headers.get(SIGNATURE_HEADER),
        )
    except SignatureError as err:
        raise ApiError(401, f"header.{err.header}", err.problem) from err
    try:
        return DeliveryStatus.model_validate_json(body)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in ("body", *first.get("loc", ())))
        raise ApiError(422, field, first.get("msg", "invalid")) from err


@router.post("/delivery-status", response_model=DeliveryAck)
def delivery_status(
    report: Annotated[DeliveryStatus, Depends(signed_body)], session: SessionDep
) -> DeliveryAck:
    contact = session.exec(
        select(Contact).where(Contact.idempotency_key == report.idempotency_key)
    ).first()
    if contact is None:
        raise ApiError(404, "body.idempotency_key", "no contact with this idempotency key")
    if contact.status == ContactStatus.CANCELLED:
        raise ApiError(409, "body.idempotency_key", "this contact was cancelled, never sent")
    if contact.status == report.status:
        return DeliveryAck(
            idempotency_key=report.idempotency_key, contact_status=contact.status, changed=False
        )
    contact.status = report.status
    if report.provider_id:
        contact.receipt = report.provider_id[:200]
    if report.status == "failed":
        contact.last_error = (report.detail or "the provider reported a failed delivery")[:500]
    session.add(contact)
    if report.status == "failed" and report.address_unusable:
        reason = report.detail or "the provider reported the address as undeliverable"
        record_unusable(
            session, contact, {Channel(contact.channel)}, reason=reason, actor="provider"
        )
    dossier.record(
        session,
        creditor_id=contact.creditor_id,
        debtor_id=contact.debtor_id,
        kind=f"contact_{report.status}",
        actor="provider",
        payload={
            "contact_id": contact.id,
            "idempotency_key": contact.idempotency_key,
            "channel": contact.channel,
            "provider_id": report.provider_id,
            "detail": report.detail,
        },
    )
    session.commit()
    return DeliveryAck(
        idempotency_key=report.idempotency_key, contact_status=contact.status, changed=True
    )
