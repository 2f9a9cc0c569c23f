"""What a desk sends with each change, checked at the edge (strict: an unknown field is an
error, so a misspelt one is never silently ignored)."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from services.complaints import domain
from services.complaints.exceptions import InvalidChange
from services.complaints.intake import scrub
from shared.contract.alerts import DEPARTMENTS
from shared.contract.envelope import flatten_errors
from shared.contract.fields import DivisionCode, Money, StrictDate, to_fen
from shared.contract.messages import ContractSchema


def _text(required: bool = False, max_length: int = 2000) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, max=max_length))


class ChangeSchema(ContractSchema):
    """Every change: who makes it, and the date it takes effect (default today)."""

    by = _text(required=True, max_length=100)
    on = StrictDate(load_default=None)


class NoteSchema(ChangeSchema):
    note = _text()


class ReasonSchema(ChangeSchema):
    reason = _text(required=True)


class ResolutionSchema(NoteSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(tuple(domain.OUTCOMES)))
    amount_recovered = Money(required=True)
    workers_paid = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


class TransferSchema(ReasonSchema):
    to_division = DivisionCode()
    to_department = fields.String(validate=validate.OneOf(tuple(DEPARTMENTS)))

    @validates_schema(skip_on_field_errors=True)
    def _somewhere(self, data, **kwargs):
        if not data.get("to_division") and not data.get("to_department"):
            raise ValidationError("Name the division (to_division) or department (to_department) to transfer to.",
                                  "to_division")


class OrderSchema(NoteSchema):
    """责令支付: the order to pay and what it covers, as the order (责令改正指令书) says."""

    deadline = StrictDate(required=True)
    amount = Money(required=True, positive=True)
    workers = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1_000_000))
    months = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1200),
                            metadata={"description": "The longest run of months any one worker went unpaid."})
    largest_one_worker = Money(positive=True, metadata={"description": "The most owed to one worker, if known."})


class PaymentSchema(NoteSchema):
    """Wages paid under the order, as the desk confirmed them (the date is ``on``)."""

    amount_paid = Money(required=True, positive=True)


SCHEMAS = {
    domain.ACCEPT: NoteSchema(), domain.REFUSE: ReasonSchema(), domain.INVESTIGATE: NoteSchema(),
    domain.SUSPEND: ReasonSchema(), domain.RESUME: NoteSchema(), domain.RESOLVE: ResolutionSchema(),
    domain.CLOSE: NoteSchema(), domain.TRANSFER: TransferSchema(), domain.REOPEN: ReasonSchema(),
    domain.EXTEND: ReasonSchema(), domain.ORDER: OrderSchema(), domain.PAY: PaymentSchema(),
}


def load_change(action: str, request: dict) -> dict:
    """The validated request (money in fen, free text masked), or :class:`InvalidChange`
    naming each wrong field."""
    schema = SCHEMAS.get(action)
    if schema is None:
        raise InvalidChange({"action": [f"Unknown change {action!r}; one of: {', '.join(SCHEMAS)}."]})
    try:
        loaded = schema.load({k: v for k, v in request.items() if v is not None})
    except ValidationError as exc:
        raise InvalidChange(flatten_errors(exc.messages)) from None
    for key in ("amount_recovered", "amount", "largest_one_worker", "amount_paid"):
        if key in loaded:
            loaded[f"{key}_fen"] = to_fen(loaded.pop(key))
    for key in ("note", "reason"):
        if key in loaded:   # an operator may type a phone number into a note
            loaded[key] = scrub(loaded[key])
    return loaded
