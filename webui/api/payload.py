"""Reading request bodies and query strings, and writing the engine's views as JSON.

Bodies are parsed strictly (malformed JSON or a wrong type is a 400 naming the key, never a
500); form content itself is left to the engine, whose ``InvalidFormData`` becomes a 422.
Times go out as ISO-8601 in WIB with the offset (``2026-11-30T08:00:00.000+07:00``),
durations as seconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, request
from flask_babel import gettext

from engine.input_text import is_broken
from engine.tasks import InboxItem
from engine.views import InstanceSummary, InstanceView, StepView, TaskView, VersionView, step_dict
from webui.api.blueprint import ApiError

WIB = ZoneInfo("Asia/Jakarta")
STATUSES = ("draft", "running", "completed", "cancelled", "incident", "expired",
            "discarded")
_TRUE = frozenset({"1", "true", "yes", "ya"})
_FALSE = frozenset({"", "0", "false", "no", "tidak"})
_ID = re.compile(r"[0-9A-Za-z-]{1,64}")  # instance ids are hex, task ids UUIDs


def checked_id(raw: str) -> str:
    """An id from the path; anything that cannot be one is a 404 before the database
    sees it (PostgreSQL refuses a NUL character with an error, not with no rows)."""
    if not _ID.fullmatch(raw):
        abort(404)
    return raw


def _texts(value: Any) -> Iterator[str]:
    """Every string of a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


# -- reading -------------------------------------------------------------------------------
def json_object() -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_not_json)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise ApiError(400, gettext("Badan permintaan bukan JSON yang sah.")) from err
    if not isinstance(body, dict):
        raise ApiError(400, gettext("Badan permintaan harus objek JSON."))
    texts = list(_texts(body))
    if any("\x00" in t for t in texts):  # no database column can hold it; PostgreSQL raises
        raise ApiError(400, gettext("Teks tidak boleh memuat karakter NUL (\\u0000)."))
    if any(is_broken(t) for t in texts):  # JSON's "\\ud800": no character at all
        raise ApiError(422, gettext("Teks memuat karakter yang tidak sah (Unicode rusak)."))
    return body


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def optional_object(body: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(400, gettext("Permintaan tidak valid."),
                       {key: gettext("Harus objek JSON.")})
    return value


def optional_string(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, gettext("Permintaan tidak valid."),
                       {key: gettext("Harus teks yang tidak kosong.")})
    return value.strip()


def query_text(name: str) -> str | None:
    """A text parameter; only NUL to refuse (``input_text``'s broken Unicode cannot come in
    a query string: werkzeug decodes bytes that are not UTF-8 to U+FFFD)."""
    raw = request.args.get(name, "").strip()
    if "\x00" in raw:
        raise ApiError(400, gettext("Parameter tidak valid."),
                       {name: gettext("Teks tidak boleh memuat karakter NUL.")})
    return raw or None


def query_flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ApiError(400, gettext("Parameter tidak valid."),
                   {name: gettext("Pakai true atau false.")})


def query_status() -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ApiError(400, gettext("Parameter tidak valid."),
                       {"status": gettext("Pilihan: %(choices)s.", choices=", ".join(STATUSES))})
    return status


# -- writing -------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """Datetimes as ISO-8601 in WIB, recursively; everything else as it is."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(WIB).isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def step_json(step: StepView) -> dict[str, Any]:
    out = step_dict(step)
    for key in ("duration_s", "waiting_s", "working_s"):
        out[key] = _seconds(out[key])
    return out


def instance_json(view: InstanceView) -> dict[str, Any]:
    out = view.as_dict()
    out["steps"] = [step_json(s) for s in view.steps]
    out["target_s"] = view.target_s
    out["returned_reason"] = view.last_reason  # why a decision sent it back, while it is back
    out["attachments"] = [
        {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
         "uploaded_by": a.uploaded_by, "uploaded_at": a.uploaded_at}
        for a in view.attachments
    ]
    return jsonable(out)  # type: ignore[no-any-return]


def summary_json(summary: InstanceSummary) -> dict[str, Any]:
    return jsonable(asdict(summary))  # type: ignore[no-any-return]


def inbox_json(item: InboxItem) -> dict[str, Any]:
    step = item.step
    return jsonable({  # type: ignore[no-any-return]
        "task_id": step.task_id,
        "instance_id": item.instance.id,
        "number": item.instance.number,
        "bpmn_id": step.bpmn_id,
        "name": step.name,
        "step": step.step,
        "lane": step.lane,
        "pass": step.pass_no,
        "ready_at": step.ready_at,
        "due_at": step.due_at,
        "claimed_by": step.claimed_by,
        "kegiatan": item.instance.kegiatan,
    })


def task_json(view: TaskView) -> dict[str, Any]:
    out = view.as_dict()
    out.update({k: _seconds(out[k]) for k in ("duration_s", "waiting_s", "working_s")})
    out["instance"] = summary_json(view.instance)
    return jsonable(out)  # type: ignore[no-any-return]


def version_json(version: VersionView) -> dict[str, Any]:
    return jsonable(asdict(version))  # type: ignore[no-any-return]
