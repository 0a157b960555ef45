"""What a document says, captured in the transaction that completes its step.

A step whose BPMN properties name a ``document`` (the approval task: ``document=FPVC``)
produces that document on every pass. When the step completes, this module copies the
pass as it is at that moment into a ``document`` outbox job: each form completed on the
pass (its schema's title, field titles and enum titles, who filled it and when), and the
decision block of the step's own form. The worker renders the PDF later from that copy
alone, so a later pass can never rewrite an earlier pass's document. Nothing here names a
field of the SOP: labels and the decision come from the pack's schemas (``x-decision``,
or ``x-signature`` when a form declares no decision).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine import instances, runtime, store, versions
from engine.errors import NotFound
from engine.forms import decision_of
from engine.models import Job, User
from engine.users import users_named
from engine.views import StepFields

WIB = ZoneInfo("Asia/Jakarta")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
CODE_LENGTH = 12  # 60 bits: guessing one of a few thousand codes stays hopeless


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str:
    """A code as typed (any case, spaces, missing dashes) in its stored form."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())[:CODE_LENGTH]
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def wib_text(moment: datetime) -> str:
    local = moment.astimezone(WIB)
    return f"{long_date(local.date())} pukul {local:%H.%M} WIB"


def _value_text(session: Session, prop: Mapping[str, Any], value: Any) -> str | None:
    """A field's value as the document prints it; None leaves the field out (objects)."""
    if isinstance(value, Mapping) or prop.get("type") == "object":
        return None
    if value is None or value == "":
        return "-"
    if "enum" in prop and value in prop["enum"]:
        titles = prop.get("x-enum-titles") or []
        index = prop["enum"].index(value)
        return str(titles[index]) if index < len(titles) else str(value)
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if prop.get("format") == "date":
        try:
            return long_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if prop.get("x-widget") == "file":
        try:
            return f"Terlampir: {store.attachment(session, str(value)).filename}"
        except NotFound:
            return "Terlampir"
    return str(value)


def _fields(
    session: Session, schema: Mapping[str, Any], data: Mapping[str, Any], skip: Sequence[str]
) -> list[list[str]]:
    rows = []
    for name, prop in schema.get("properties", {}).items():
        if name in skip:
            continue
        text = _value_text(session, prop, data.get(name))
        if text is not None:
            rows.append([str(prop.get("title") or name), text])
    return rows


def _people(session: Session, usernames: Iterable[str | None]) -> dict[str, User]:
    """The users by username: the ones the transaction holds already (the requester,
    the signer) without asking the database again, the others in one query."""
    wanted = {u for u in usernames if u}
    found = {held.username: held for held in session.identity_map.values()
             if isinstance(held, User) and held.username in wanted}
    return {**found, **users_named(session, wanted - found.keys())}


def decision_rule(schema: Mapping[str, Any]) -> tuple[str, str | None, list[Any]]:
    """(decision field, reason field, declined values) from ``x-decision``; a form with
    only ``x-signature`` declines with every value but the signing one."""
    rule = decision_of(schema)
    if rule is not None:
        return rule["field"], rule["reason"], list(rule["declined"])
    sign = schema.get("x-signature") or {}
    field = str(sign.get("field", ""))
    enum = schema.get("properties", {}).get(field, {}).get("enum", [])
    return field, None, [v for v in enum if v != sign.get("value")]


def _decision(
    session: Session, schema: Mapping[str, Any], data: Mapping[str, Any], record: StepFields,
    people: Mapping[str, User],
) -> dict[str, Any]:
    field, reason, declined = decision_rule(schema)
    signer = people.get(record.completed_by or "")
    prop = schema.get("properties", {}).get(field, {})
    at = record.completed_at or record.ready_at
    return {
        "title": str(prop.get("title") or field),
        "approved": data.get(field) not in declined,
        "choice": _value_text(session, prop, data.get(field)) or "-",
        "reason": (data.get(reason) or None) if reason else None,
        "signer": signer.display_name if signer else (record.completed_by or "-"),
        "nip": signer.nip if signer else None,
        "jabatan": (signer.jabatan if signer else None) or record.lane,
        "at": at.isoformat(),
        "at_text": wib_text(at),
    }


def _section(
    record: StepFields, title: str, fields: list[list[str]], people: Mapping[str, User]
) -> dict[str, Any]:
    person = people.get(record.completed_by or "")
    at = record.completed_at or record.ready_at
    return {
        "title": title,
        "step": record.step,
        "name": record.name,
        "by": person.display_name if person else (record.completed_by or "-"),
        "at_text": wib_text(at),
        "fields": fields,
    }


def capture(
    session: Session, loaded: instances.Loaded, task_id: str, now: datetime
) -> Job | None:
    """Queue the document of the step just completed, if it makes one; flushes nothing."""
    inst = loaded.row
    version = versions.info(inst.version)
    records = loaded.records if loaded.records is not None else store.steps_of(session, inst.id)
    record = next(r for r in records if r.task_id == task_id)  # the save just read them
    kind = version.step(record.bpmn_id).get("document")
    task = runtime.find_task(loaded.workflow, task_id)
    if not kind or task is None:
        return None
    data: Mapping[str, Any] = task.data
    forms = []
    for earlier in records:
        same_pass = earlier.pass_no == record.pass_no and earlier.task_id != task_id
        if not same_pass or earlier.kind != "user":
            continue
        name, schema = version.form_of(earlier.bpmn_id)
        if earlier.state == "completed" and schema is not None:
            forms.append((earlier, str(schema.get("title") or name), schema))
    people = _people(session, [record.completed_by, *(r.completed_by for r, _, _ in forms)])
    sections = [_section(r, title, _fields(session, schema, data, ()), people)
                for r, title, schema in forms]
    own_name, own = version.form_of(record.bpmn_id)
    own = own or {}
    field, reason, _ = decision_rule(own)
    payload = {
        "document_id": uuid.uuid4().hex,
        "kind": kind,
        "title": sections[0]["title"] if sections else str(kind),
        "number": f"{kind}/{inst.number}/{record.pass_no}/{now.astimezone(WIB).year}",
        "code": new_code(),
        "pass_no": record.pass_no,
        "request_number": inst.number,
        "process": version.meta.get("name"),
        "sections": sections,
        "decision_title": str(own.get("title") or own_name or record.name),
        "decision_fields": _fields(session, own, data, (field, reason or "")),
        "decision": _decision(session, own, data, record, people),
        "created_at": now.isoformat(),
    }
    return store.add_job(
        session, kind="document", now=now, instance_id=inst.id, task_id=task_id, payload=payload
    )
