"""Signing a decision: a form whose schema carries ``x-signature`` (``{"field": ...,
"value": ...}``) asks the signer's password again when that field takes that value, as
the approver's "Setujui & Tandatangani" does. The process file says which forms sign;
the browser and the API both pass the password here, and it is never stored.

A wrong password is a guess like a wrong sign-in: it is recorded (``signature_failed``
audit events, with the task and address) and throttled with ``engine.signin``'s rule,
per signer: after ``max_failures`` wrong passwords within the window, further ones are
refused unchecked (``TooManyAttempts``, HTTP 429) until the oldest leaves the window.
The record of a wrong password must outlive the refused completion: the facade commits
it when ``WrongPassword`` is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import signin, store
from engine.errors import FieldError, InvalidFormData
from engine.forms import N_
from engine.models import Event, User
from engine.users import Actor, check_password

MAX_PASSWORD = 1024
FAILED = "signature_failed"
REFUSED = N_("Terlalu banyak kata sandi salah saat menandatangani. Demi keamanan akun, coba "
             "lagi dalam %(minutes)d menit.")


class WrongPassword(InvalidFormData):
    """The signer's password was wrong; the attempt is recorded in the session."""


@dataclass(frozen=True)
class Attempt:
    """Where and when a signature is attempted, for the record and the throttle."""

    instance_id: str
    task_id: str
    now: datetime
    remote_addr: str | None = None
    policy: signin.SignInPolicy = field(default_factory=signin.SignInPolicy)


def required(schema: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Whether completing the form with ``data`` is a signature."""
    rule = schema.get("x-signature")
    if not isinstance(rule, Mapping) or not isinstance(rule.get("field"), str):
        return False
    return bool(data.get(rule["field"]) == rule.get("value"))


def check(session: Session, schema: Mapping[str, Any], data: Mapping[str, Any], actor: Actor,
          password: str | None, attempt: Attempt) -> bool:
    """True when the data signs (and the password is right); raises when it is not."""
    if not required(schema, data):
        return False
    if not password:
        message = N_("Masukkan kata sandi Anda untuk menandatangani.")
        raise InvalidFormData({"password": FieldError(message)})
    _refuse_when_throttled(session, actor, attempt)
    user = session.get(User, actor.user_id)
    if user is None or not check_password(user, password[:MAX_PASSWORD]):
        store.add_event(session, at=attempt.now, kind=FAILED, actor=actor.username,
                        instance_id=attempt.instance_id, task_id=attempt.task_id,
                        remote_addr=attempt.remote_addr)
        session.flush()
        message = N_("Kata sandi salah; permintaan belum ditandatangani.")
        raise WrongPassword({"password": FieldError(message)})
    return True


def _refuse_when_throttled(session: Session, actor: Actor, attempt: Attempt) -> None:
    signin.serialise(session, f"{FAILED}:user:{actor.username}")
    since = attempt.now - attempt.policy.window
    times = signin.failures(session, FAILED, Event.actor == actor.username, since)
    until = signin.until_of([times], attempt.now, attempt.policy)
    if until is not None:
        raise signin.TooManyAttempts(until, attempt.now, REFUSED)
