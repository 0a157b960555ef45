"""The notification texts of a process: a JSON file of its pack, named by the process
property ``mail``.

The file holds a subject and a body per kind of message, in the office's language, with an
optional ``"en"`` variant of each (the translation lives with the text it translates)::

    {
      "task_ready": {"subject": "[$number] Tugas baru: $step", "body": "…$link…"},
      "returned":   {…},   # a task of the requester after a decision sent the request back
      "breach":     {…},   # a step past its target, to the step's lane
      "cancelled":  {…},   # the request was cancelled ($reason, $by), to the requester
      "taken_over": {…},   # a colleague ($by) took over your claimed task
      "released":   {…},   # an admin ($by) released your claimed task
      "assigned":   {…},   # an admin ($by) assigned a task to you
      "steps": {"Task_TerimaJadwal": {"subject": …, "body": …, "invite": true}}
    }

Texts are ``string.Template`` strings (``$name``: no attribute access, no code). The names
are listed in ``PLACEHOLDERS``, plus ``$field`` for any field of the task's data (one line
each, control characters removed). ``invite: true`` attaches the calendar invite when the
request has a meeting. Without a file, the built-in Indonesian texts below are used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Template
from typing import Any

KINDS = ("task_ready", "returned", "breach", "cancelled", "taken_over", "released",
         "assigned")
PLACEHOLDERS = ("number", "step", "link", "due", "title", "unit", "reason", "meeting",
                "target_minutes", "deadline", "when", "platform", "by")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

DEFAULTS: dict[str, dict[str, Any]] = {
    "task_ready": {
        "subject": "[$number] Tugas baru: $step",
        "body": "Tugas '$step' untuk permintaan $number ($title, $unit) menunggu Anda.$due\n\n"
        "Buka: $link\n",
    },
    "returned": {
        "subject": "[$number] Permintaan dikembalikan: mohon perbaiki",
        "body": "Permintaan $number ($title) dikembalikan kepada Anda.\n\nAlasan: $reason\n\n"
        "Perbaiki dan kirim ulang di $link\n",
    },
    "breach": {
        "subject": "[$number] Melewati target waktu: $step",
        "body": "Tugas '$step' untuk permintaan $number ($title) belum selesai dan sudah "
        "melewati target SOP $target_minutes menit (batas $deadline).\n\nBuka: $link\n",
    },
    "cancelled": {
        "subject": "[$number] Permintaan dibatalkan: $title",
        "body": "Permintaan $number ($title) dibatalkan oleh $by.\n\nAlasan: $reason\n\n"
        "Rincian: $link\n",
    },
    "taken_over": {
        "subject": "[$number] Tugas Anda diambil alih: $step",
        "body": "Tugas '$step' untuk permintaan $number ($title) yang sedang Anda kerjakan "
        "kini dikerjakan oleh $by. Isian yang belum Anda kirim tidak tersimpan.\n\n"
        "Lihat: $link\n",
    },
    "released": {
        "subject": "[$number] Tugas Anda dilepas: $step",
        "body": "Tugas '$step' untuk permintaan $number ($title) dilepas oleh $by; rekan "
        "lain dapat mengambilnya.\n\nLihat: $link\n",
    },
    "assigned": {
        "subject": "[$number] Tugas untuk Anda: $step",
        "body": "$by menugaskan tugas '$step' untuk permintaan $number ($title) kepada "
        "Anda.$due\n\nBuka: $link\n",
    },
}


def problems_of(texts: Any) -> list[str]:
    if not isinstance(texts, Mapping):
        return ["isinya harus objek JSON"]
    problems: list[str] = []
    entries = [(kind, texts[kind]) for kind in KINDS if kind in texts]
    entries += [(f"steps.{k}", v) for k, v in (texts.get("steps") or {}).items()]
    unknown = set(texts) - {*KINDS, "steps"}
    problems += [f"bagian '{k}' tidak dikenal (pilihan: {', '.join(KINDS)}, steps)"
                 for k in sorted(unknown)]
    for where, entry in entries:
        for variant in (entry, *(entry.get("en") or {},)) if isinstance(entry, Mapping) else ():
            for key in ("subject", "body"):
                problems += _template_problems(f"{where}.{key}", variant.get(key))
        if not isinstance(entry, Mapping) or "subject" not in entry or "body" not in entry:
            problems.append(f"{where}: perlu \"subject\" dan \"body\"")
    return problems


def _template_problems(where: str, text: Any) -> list[str]:
    if text is None:
        return []
    if not isinstance(text, str):
        return [f"{where}: harus teks"]
    try:
        Template(text).substitute({})
    except KeyError:
        pass  # names are checked at rendering; any field of the data may be named
    except ValueError as err:
        return [f"{where}: {err}"]
    return []


def entry_for(texts: Mapping[str, Any], kind: str, bpmn_id: str | None = None) -> dict[str, Any]:
    """The texts of a message: the step's own, else the process's kind, else the default."""
    steps = texts.get("steps") or {}
    if kind == "task_ready" and bpmn_id in steps:
        return dict(steps[bpmn_id])
    return dict(texts.get(kind) or DEFAULTS[kind])


def render(text: str, values: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """``text`` with its placeholders filled; a field of ``data`` goes in on one line."""
    fields = {k: _one_line(v) for k, v in data.items() if isinstance(v, str | int | float)}
    named = {**fields, **{k: _EMPTY if v is None else str(v) for k, v in values.items()}}
    return _tidy(Template(text).safe_substitute(_Missing(named)))


#: Stands for a value nobody filled until the text is tidied.
_EMPTY = "\x00"
_ONLY_EMPTY = re.compile(r" ?\((?:\x00(?:, *)?)+\)")  # "($title, $unit)", both empty
_EMPTY_IN_LIST = re.compile(r"\x00, *|, *\x00")


def _tidy(text: str) -> str:
    """Empty values leave no "(-, -)": a bracket of nothing goes, an empty item of a list
    goes, and an empty value elsewhere reads as "-"."""
    text = _ONLY_EMPTY.sub("", text)
    return _EMPTY_IN_LIST.sub("", text).replace(_EMPTY, "-")


def _one_line(value: Any) -> str:
    return _CONTROL.sub(" ", str(value)).strip() or _EMPTY


class _Missing(dict[str, str]):
    """A placeholder nobody filled reads as "-" (or nothing in a bracket), never as
    ``$name``."""

    def __missing__(self, key: str) -> str:
        return _EMPTY
