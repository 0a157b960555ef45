"""Signing a decision: a form whose schema carries ``x-signature`` (``{"field": ...,
"value": ...}``) asks the signer's password again when that field takes that value, as
the approver's "Setujui & Tandatangani" does. The process file says which forms sign;
the browser and the API both pass the password here, and it is never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from engine.errors import FieldError, InvalidFormData
from engine.forms import N_
from engine.models import User
from engine.users import Actor, check_password

MAX_PASSWORD = 1024


def required(schema: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Whether completing the form with ``data`` is a signature."""
    rule = schema.get("x-signature")
    if not isinstance(rule, Mapping) or not isinstance(rule.get("field"), str):
        return False
    return bool(data.get(rule["field"]) == rule.get("value"))


def check(session: Session, schema: Mapping[str, Any], data: Mapping[str, Any], actor: Actor,
          password: str | None) -> bool:
    """True when the data signs (and the password is right); raises when it is not."""
    if not required(schema, data):
        return False
    if not password:
        message = N_("Masukkan kata sandi Anda untuk menandatangani.")
        raise InvalidFormData({"password": FieldError(message)})
    user = session.get(User, actor.user_id)
    if user is None or not check_password(user, password[:MAX_PASSWORD]):
        message = N_("Kata sandi salah; permintaan belum ditandatangani.")
        raise InvalidFormData({"password": FieldError(message)})
    return True
