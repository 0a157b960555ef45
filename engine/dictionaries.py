"""A process version's compression dictionaries (``engine.packing``), made once when it
is deployed from the version's own content: nothing here knows any process.

One section per kind of value, each the text its values most repeat:

- ``workflow``: the serialized spec and the task tree of an instance run on sample data
  (task spec names, the serializer's keys, the shape of a whole run);
- ``data``: each form's fields as a JSON object (names in the schema's order, the first
  allowed value), as a pass submits them;
- ``event``: the details the engine logs for each step (``tasks.complete``,
  ``jobs``: its keys, the step's id, the service operation);
- ``mail``: the pack's mail texts with every step's name put in.

The same content always makes the same dictionary (the fresh tree's random task ids and
times are replaced). A dictionary is stored with its version and never made again for it:
a different one made by a later release only packs new values better or worse, and every
stored value names the dictionary it was packed with.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from engine import mailtexts, packing, runtime
from engine.pack import Pack

_RUN_STEPS = 50
_T = TypeVar("_T")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r'("last_state_change":)[0-9.e+-]+')
#: What the engine puts in a mail text's placeholders (``engine.notifications``: its
#: links, times in WIB), so the dictionary holds the text as sent; the request number
#: starts with the pack's prefix.
_WHEN = "01-01-2000 00:00 WIB"
_MAIL_VALUES = {
    "title": "", "unit": "", "reason": "", "by": "", "platform": "",
    "meeting": "Link: https://\nKode sandi: \nID rapat: ", "when": _WHEN,
    "link": "http:///tugas/", "due": f"\nBatas waktu: {_WHEN}", "target_minutes": "",
    "deadline": _WHEN,
}


def build(spec: Mapping[str, Any], meta: Mapping[str, Any], forms: Mapping[str, Any],
          taken: dict[bytes, bytes] | None = None) -> bytes:
    """The ``process_versions.dictionaries`` value of a version with this content, its
    dictionaries' ids other than those of ``taken`` (the database's other versions',
    ``packing.ids_of``; the new ones are added to it). A section this release cannot
    make from odd content (a version deployed long before) is empty: the dictionary is
    only the poorer for it."""
    steps: list[Mapping[str, Any]] = _guarded(lambda: [s for s in (meta.get("steps") or {}).values()
                              if isinstance(s, Mapping)], [])
    sections = {
        "workflow": _text(spec) + _sample_run(spec, meta, forms),
        "data": _guarded(lambda: "".join(
            _text(_sample(schema)) for schema in forms.values()
            if isinstance(schema, Mapping) and "properties" in schema), ""),
        "event": _guarded(lambda: "".join(_events(steps, spec)), ""),
        "mail": _guarded(lambda: "\n".join(_mails(Pack(dict(meta), dict(forms)), steps)), ""),
    }
    return packing.encode_sections(packing.unique_sections(sections, {} if taken is None
                                                           else taken))


def _guarded(make: Callable[[], _T], otherwise: _T) -> _T:
    try:
        return make()
    except Exception:  # noqa: BLE001 - only the dictionary is the poorer for it
        return otherwise


def _text(value: Any) -> str:
    return packing.dumps(value).decode()


def _sample_run(stored: Mapping[str, Any], meta: Mapping[str, Any],
                forms: Mapping[str, Any]) -> str:
    """The task tree of an instance run to its end (or ``_RUN_STEPS`` steps) on sample
    data: each form's ``_sample``, an empty service result. A step the sample cannot
    take ends the run where it is; a spec this release cannot restore gives none (the
    dictionary is the spec alone)."""
    spec = json.loads(packing.dumps(stored))  # restoring consumes the dicts it is given
    try:
        top, subs = runtime.SERIALIZER.from_dict(spec["spec"]), {
            name: runtime.SERIALIZER.from_dict(sub)
            for name, sub in (spec.get("subprocess_specs") or {}).items()}
        workflow = runtime.new_workflow(top, subs)
    except Exception:  # noqa: BLE001 - only the dictionary is the poorer for it
        return ""
    with contextlib.suppress(Exception):  # a step the sample cannot take ends the run
        _run(workflow, meta.get("steps") or {}, forms)
    dumped = _text(runtime.dump_workflow(workflow))
    # The same content makes the same dictionary: task ids by their order, times zero.
    ids: dict[str, str] = {}
    dumped = _UUID.sub(lambda m: ids.setdefault(m[0], str(uuid.UUID(int=len(ids) + 1))),
                       dumped)
    return _TIME.sub(r"\g<1>0", dumped)


def _run(workflow: Any, steps: Mapping[str, Any], forms: Mapping[str, Any]) -> None:
    runtime.advance(workflow)
    for _ in range(_RUN_STEPS):
        waiting = runtime.waiting_tasks(workflow)
        if not waiting:
            return
        task = waiting[0]
        if not task.task_spec.manual:
            runtime.complete_service(task, {})
            continue
        form = forms.get(str((steps.get(task.task_spec.bpmn_id) or {}).get("form")))
        runtime.complete_user_task(task, _sample(form) if isinstance(form, Mapping) else {})


def _sample(schema: Mapping[str, Any]) -> Any:
    """A form's data with every field: an object's fields in order, else the first
    allowed value (or null)."""
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        return {name: _sample(field) if isinstance(field, Mapping) else None
                for name, field in properties.items()}
    allowed = schema.get("enum")
    return allowed[0] if isinstance(allowed, list) and allowed else None


def _operations(spec: Any) -> Iterator[str]:
    if isinstance(spec, Mapping):
        if isinstance(spec.get("operation_name"), str):
            yield spec["operation_name"]
        for value in spec.values():
            yield from _operations(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _operations(value)


def _events(steps: list[Mapping[str, Any]], spec: Mapping[str, Any]) -> Iterator[str]:
    for operation in sorted(set(_operations(spec))):
        yield f'{{"operation":"{operation}","attempt":1,"record_sha256":"'
    for step in steps:
        bpmn_id = step.get("bpmn_id")
        yield f'{{"bpmn_id":"{bpmn_id}","pass":1,"signed":false,"record_sha256":"'


def _mails(the_pack: Pack, steps: list[Mapping[str, Any]]) -> Iterator[str]:
    texts = the_pack.mail_texts()
    names = [str(step.get("name") or "") for step in steps]
    number = f"{the_pack.number_prefix}-"
    for bpmn_id, entry in (texts.get("steps") or {}).items():
        yield _mail(entry, {"number": number, "step": next(
            (str(s.get("name")) for s in steps if s.get("bpmn_id") == bpmn_id), "")})
    for kind in reversed(mailtexts.KINDS):  # the commonest (task_ready) last: nearest
        entry = mailtexts.entry_for(texts, kind)
        for name in names:
            yield _mail(entry, {"number": number, "step": name})


def _mail(entry: Mapping[str, Any], values: Mapping[str, str]) -> str:
    named = {**_MAIL_VALUES, **values}  # the subject and body as one text, like the row
    subject = mailtexts.render(str(entry.get("subject") or ""), named, {})
    return subject + "\n" + mailtexts.render(str(entry.get("body") or ""), named, {})
