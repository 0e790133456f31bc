"""The creditor's own settings, declared once: :class:`CreditorConfig` (pydantic).

Each field has the name of its ``ledger.tables.Creditor`` column, its bounds and its description;
the API (``/v1/creditors/{id}/settings``), the CLI (``dunflow creditor show|set|create``) and the
OpenAPI schema all use this model, and :func:`policy.ledger_state.creditor_settings` turns a row
into what the rules read. A contact window is checked against the law's
(:func:`policy.contact_window.legal_windows` for the creditor's country, passed as validation
context ``{"country": "NL"}``): a creditor may narrow it, never widen it. This module must never
read or write the ledger; it only says what a valid setting is.
"""

import re
from copy import copy
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from ledger.channels import default_costs
from ledger.enums import Channel, Country
from ledger.tables import Creditor
from policy.contact_window import DAY_NAMES, legal_windows

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
Minute = Annotated[int, Field(ge=0, le=24 * 60)]
Weekday = Annotated[int, Field(ge=0, le=6, description="Monday = 0 … Sunday = 6")]


def email_address(value: str) -> str:
    """``value`` when it looks like one mailbox (``name@domain.tld``), else a ValueError."""
    if not _EMAIL.match(value):
        raise PydanticCustomError(
            "email_address", "{value} is not an e-mail address", {"value": repr(value)}
        )
    return value


def iban_ok(iban: str) -> bool:
    """ISO 13616: the country, the length pattern and the mod-97 check digits."""
    if not _IBAN.match(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


class SenderIdentity(BaseModel):
    """How one channel goes out for this creditor: the registered sender and its options
    (``serving/senders/README.md`` lists each sender's)."""

    model_config = ConfigDict(extra="forbid")

    sender: str | None = Field(
        default=None, max_length=64, description="Registered sender name; empty: the local sink."
    )
    from_address: str | None = Field(
        default=None, max_length=254, description="E-mail: the From address."
    )
    reply_to: str | None = Field(default=None, max_length=254, description="E-mail: Reply-To.")
    attach_invoice: bool | None = Field(
        default=None, description="E-mail: attach the invoice copy."
    )
    url: str | None = Field(default=None, max_length=500, description="SMS/robocall: webhook.")
    sender_id: str | None = Field(
        default=None, max_length=11, description="SMS/robocall: the sender id the debtor sees."
    )
    registered: bool | None = Field(default=None, description="Letter: send registered.")
    postage: str | None = Field(default=None, max_length=32, description="Letter: postage class.")
    weekdays: list[Weekday] | None = Field(
        default=None, description="Call list: the days calls may be made (narrows Mon–Sat)."
    )

    @model_serializer(mode="wrap")
    def _set_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # stored as the senders read it: only the options given
        return {k: v for k, v in handler(self).items() if v is not None}

    @field_validator("from_address", "reply_to")
    @classmethod
    def _mailbox(cls, value: str | None) -> str | None:
        return None if value is None else email_address(value)


class CreditorConfig(BaseModel):
    """Everything a creditor sets. Validate with ``context={"country": <the creditor's>}``."""

    model_config = ConfigDict(extra="forbid")

    allowed_weekdays: list[Weekday] = Field(
        default=[0, 1, 2, 3, 4, 5],
        min_length=1,
        description="Days debtors may be contacted (Monday = 0); never Sunday (the law).",
    )
    contact_start_minute: Minute = Field(
        default=7 * 60, description="First minute of the contact window, local time (420 = 07:00)."
    )
    contact_end_minute: Minute = Field(
        default=20 * 60,
        description="End of the contact window, exclusive (1200 = 20:00); inside the law's.",
    )
    channel_costs_cents: dict[Channel, Annotated[int, Field(ge=0, le=100_000)]] = Field(
        default_factory=default_costs,
        description="Unit cost of each channel in cents; a channel left out is never used.",
    )
    disabled_channels: list[Channel] = Field(
        default=[], description="Channels switched off (their cost is kept)."
    )
    min_gap_days: int = Field(default=3, ge=1, le=60, description="Least days between contacts.")
    bundle_days: int = Field(
        default=0,
        ge=0,
        le=14,
        description="A reminder waits up to this many days for another invoice coming due, so "
        "both go in one contact (0: send as soon as one is overdue).",
    )
    language: Literal["nl", "en"] = Field(default="nl", description="Language of reports.")
    iban: str | None = Field(default=None, description="Account debtors pay to (ISO 13616).")
    bic: str | None = Field(default=None, description="BIC of the bank (8 or 11 characters).")
    payment_reference_scheme: Literal["invoice_number", "iso11649"] = Field(
        default="invoice_number",
        description="Reference debtors quote: the invoice number, or an RF creditor reference.",
    )
    logo_path: str | None = Field(
        default=None, max_length=500, description="PNG, JPEG or SVG file on the server."
    )
    sender_config: dict[Channel, SenderIdentity] = Field(
        default={}, description="Per channel: the sender and its identity (From, sender id…)."
    )
    thank_you_mail: bool = Field(default=False, description="Thank the debtor after a payment.")
    promise_confirmation_mail: bool = Field(
        default=True, description="Confirm a promise to pay (amount, invoices, bank details)."
    )
    complaint_pause_days: int = Field(
        default=14, ge=0, le=365, description="Days a complaint pauses the dossier."
    )
    complaint_limit_per_1000: float | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="The policy's constraint: complaints per 1,000 debtors a month at most.",
    )
    contact_budget_cents: int | None = Field(
        default=None, ge=0, description="The policy's constraint: contact costs a month at most."
    )
    max_contacts_per_debtor: int | None = Field(
        default=None,
        ge=1,
        le=30,
        description="The policy's constraint: contacts with one debtor in any 30 days at most "
        "(sent and planned); empty: only the minimum gap limits them.",
    )
    handoff_stage: Literal["collection", "bailiff"] | None = Field(
        default=None,
        description="The stage at which a dossier is handed off to a collection agency or "
        "bailiff (the flow stops, the export is ready); null: never by itself.",
    )
    digest_recipients: list[str] = Field(
        default=[], max_length=20, description="Who gets the weekly digest (e-mail addresses)."
    )
    digest_weekday: Weekday = Field(default=0, description="Day the weekly digest goes out.")
    digest_minute: Annotated[int, Field(ge=0, le=24 * 60 - 1)] = Field(
        default=8 * 60, description="Local time the weekly digest goes out (480 = 08:00)."
    )

    @field_validator("allowed_weekdays")
    @classmethod
    def _weekdays(cls, days: list[int], info: ValidationInfo) -> list[int]:
        legal = _legal(info)
        for window in legal:
            wider = sorted(set(days) - window.weekdays)
            if wider:
                raise PydanticCustomError(
                    "outside_law_days",
                    "{days}: outside the law's contact days ({window})",
                    {
                        "days": ", ".join(DAY_NAMES[d] for d in wider),
                        "weekdays": wider,
                        "window": window.name,
                    },
                )
        return sorted(set(days))

    @field_validator("contact_start_minute")
    @classmethod
    def _start(cls, minute: int, info: ValidationInfo) -> int:
        for window in _legal(info):
            if minute < window.start_minute:
                raise PydanticCustomError(
                    "before_law_start",
                    "{time} is before the law's {law}",
                    {"time": _hhmm(minute), "law": _hhmm(window.start_minute)},
                )
        return minute

    @field_validator("contact_end_minute")
    @classmethod
    def _end(cls, minute: int, info: ValidationInfo) -> int:
        for window in _legal(info):
            if minute > window.end_minute:
                raise PydanticCustomError(
                    "after_law_end",
                    "{time} is after the law's {law}",
                    {"time": _hhmm(minute), "law": _hhmm(window.end_minute)},
                )
        start = info.data.get("contact_start_minute")
        if start is not None and minute <= start:
            raise PydanticCustomError(
                "end_not_after_start",
                "{time} is not after the start {start}",
                {"time": _hhmm(minute), "start": _hhmm(start)},
            )
        return minute

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        if value is None:
            return None
        iban = value.replace(" ", "").upper()
        if not iban_ok(iban):
            raise PydanticCustomError(
                "iban",
                "{value} is not a valid IBAN (ISO 13616 check digits)",
                {"value": repr(value)},
            )
        return iban

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _BIC.match(value.upper()):
            raise PydanticCustomError(
                "bic", "{value} is not a BIC (8 or 11 letters and digits)", {"value": repr(value)}
            )
        return value.upper()

    @field_validator("logo_path")
    @classmethod
    def _logo(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().endswith((".png", ".jpg", ".jpeg", ".svg")):
            raise PydanticCustomError(
                "logo_file",
                "{value}: a logo is a .png, .jpg, .jpeg or .svg file",
                {"value": repr(value)},
            )
        return value

    @field_validator("digest_recipients")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        return [email_address(v) for v in values]

    @field_validator("disabled_channels")
    @classmethod
    def _disabled(cls, values: list[Channel]) -> list[Channel]:
        return sorted(set(values))

    @classmethod
    def of(cls, row: Creditor) -> "CreditorConfig":
        """The row's settings, validated as any change would be; as stored when a value from
        before these checks no longer passes (a change then names that field)."""
        values = {name: getattr(row, name) for name in cls.model_fields}
        try:
            return cls.model_validate(values, context={"country": row.country})
        except ValidationError:
            return cls.model_construct(**values)

    def changes(self, row: Creditor) -> dict[str, tuple[Any, Any]]:
        """``{field: (old, new)}`` in JSON form, for the fields whose value this config changes."""
        new = self.model_dump(mode="json")
        old = {name: _jsonable(getattr(row, name)) for name in new}
        return {k: (old[k], new[k]) for k in new if old[k] != new[k]}

    def write(self, row: Creditor) -> None:
        """Put these settings on the row (the caller records the change and commits)."""
        for name, value in self.model_dump(mode="json").items():
            setattr(row, name, value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _legal(info: ValidationInfo) -> tuple[Any, ...]:
    country = (info.context or {}).get("country", Country.NL.value)
    return legal_windows(Country(country))


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def partial_update(row: Creditor, patch: dict[str, Any]) -> CreditorConfig:
    """The row's settings with ``patch`` applied, validated as a whole (the law's windows, the
    start before the end…); a ``pydantic.ValidationError`` names each bad field."""
    current = {name: getattr(row, name) for name in CreditorConfig.model_fields}
    return CreditorConfig.model_validate({**current, **patch}, context={"country": row.country})


def partial_model(model: type[BaseModel], name: str) -> type[BaseModel]:
    """``model`` with every field optional (default None), for a PATCH body: the same types,
    bounds and descriptions; the whole-model checks run after merging (:func:`partial_update`)."""
    fields: dict[str, Any] = {}
    for field_name, field in model.model_fields.items():
        info = copy(field)
        info.default, info.default_factory = None, None
        annotation: Any = field.annotation
        fields[field_name] = (annotation | None, info)
    made: type[BaseModel] = create_model(
        name, __config__=ConfigDict(extra="forbid"), __doc__=model.__doc__, **fields
    )
    return made


if TYPE_CHECKING:  # to the type checker the patch reads like the settings (its fields, optional)
    CreditorConfigPatch = CreditorConfig
else:
    CreditorConfigPatch = partial_model(CreditorConfig, "CreditorConfigPatch")
