"""Validation of the expressions a process carries: every condition, service parameter,
script and timer is parsed by ``engine.expressions`` (the language run time uses), and
every name it reads must be a field of the process's forms or a variable the process sets
(a service task's result, a script's assignment, a data object). Also how a problem names
its element (``where``). Pure: imports lxml and the engine's expression language only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from lxml import etree

from engine import expressions

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
_NOUNS = {"lane": "lajur", "sequenceFlow": "alur", "process": "proses"}
# (xpath from the process, what it is called, is it a script) of each expression's text
_EXPRESSIONS = (
    (".//bpmn:sequenceFlow/bpmn:conditionExpression", "kondisi", False),
    (".//bpmn:scriptTask/bpmn:script", "skrip", True),
    (".//spiffworkflow:preScript", "skrip awal", True),
    (".//spiffworkflow:postScript", "skrip akhir", True),
    (".//bpmn:timeDuration | .//bpmn:timeDate | .//bpmn:timeCycle", "ekspresi waktu", False),
    (".//bpmn:conditionalEventDefinition/bpmn:condition", "kondisi", False),
    (".//bpmn:loopCardinality | .//bpmn:completionCondition", "ekspresi", False),
)
_COMPOSITION = ("allOf", "anyOf", "oneOf", "then", "else")


def where(node: Any) -> str:
    """``alur 'Flow_X' ("Ya", baris 12)``: the element's kind, id, name and line."""
    kind = etree.QName(node).localname if isinstance(node.tag, str) else ""
    name = (node.get("name") or "").strip()
    label = f'"{name}", ' if name else ""
    return f"{_NOUNS.get(kind, 'elemen')} '{node.get('id')}' ({label}baris {node.sourceline})"


def _owner(node: Any) -> Any:
    """The BPMN element an expression belongs to (not a Spiff extension with its own id)."""
    while node.getparent() is not None and (
        node.get("id") is None or etree.QName(node).namespace != NS["bpmn"]
    ):
        node = node.getparent()
    return node


def _schema_fields(schema: Any) -> Iterator[str]:
    if not isinstance(schema, Mapping):
        return
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        yield from properties
    for key in _COMPOSITION:
        parts = schema.get(key)
        for part in parts if isinstance(parts, list) else [parts]:
            yield from _schema_fields(part)


def form_fields(forms: Mapping[str, Any]) -> set[str]:
    """The top-level field names the forms can set (``allOf``/``then``… included)."""
    return {field for schema in forms.values() for field in _schema_fields(schema)}


def properties(node: Any) -> dict[str, str]:
    """An element's ``spiffworkflow:property`` name → value pairs."""
    props = node.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
    )
    return {p.get("name"): p.get("value") for p in props}


def _set_by(process: Any, forms: Mapping[str, Any], parsed: list[Any]) -> dict[str, set[str]]:
    """Element id → the names completing it may set (form fields, service result, scripts)."""
    sets: dict[str, set[str]] = {}
    for node in process.xpath(".//bpmn:*[@id]", namespaces=NS):
        form = properties(node).get("formJsonSchemaFilename")
        if form is not None and form in forms:
            sets.setdefault(node.get("id"), set()).update(form_fields({form: forms[form]}))
    for op in process.xpath(".//spiffworkflow:serviceTaskOperator", namespaces=NS):
        default = f"spiff__{(op.get('id') or '').replace('-', '_')}_result"
        sets.setdefault(_owner(op).get("id"), set()).add(op.get("resultVariable") or default)
    for (node, _what, _text), result in parsed:
        if isinstance(result, expressions.Script):
            sets.setdefault(node.get("id"), set()).update(result.assigns)
    return sets


def _texts(process: Any) -> Iterator[tuple[Any, str, str, bool]]:
    """(owner element, what it is called, text, is a script) of every expression."""
    for xpath, what, script in _EXPRESSIONS:
        for node in process.xpath(xpath, namespaces=NS):
            if (node.text or "").strip():
                yield _owner(node), what, node.text.strip(), script
    for param in process.xpath(".//spiffworkflow:parameter", namespaces=NS):
        yield _owner(param), f"parameter '{param.get('id')}'", param.get("value") or "", False


def _parsed(texts: list[tuple[Any, str, str, bool]]) -> Iterator[tuple[Any, Any]]:
    for node, what, text, script in texts:
        try:
            yield (node, what, text), (
                expressions.parse_script(text) if script else expressions.parse(text)
            )
        except expressions.ExpressionError as err:
            yield (node, what, text), err


Before = Callable[[Any, bool], set[str] | None]


def check_expressions(process: Any, forms: Mapping[str, Any], before: Before) -> Iterator[str]:
    """Each expression outside the language, or reading a name that nothing sets, or that
    only steps after it set. ``before(element, inclusive)`` gives the ids of the elements
    that can run before ``element`` (and itself when inclusive), None when unknown."""
    parsed = list(_parsed(list(_texts(process))))
    sets = _set_by(process, forms, parsed)
    always = {n.get(k) for n in process.xpath(".//bpmn:dataObject", namespaces=NS)
              for k in ("id", "name") if n.get(k)}  # fmt: skip
    known = always.union(*sets.values())
    for (node, what, text), result in parsed:
        if isinstance(result, expressions.ExpressionError):
            yield f"{where(node)}: {what} '{text}' tidak diizinkan: {result}"
            continue
        for name in sorted(result.names - known):
            yield (
                f"{where(node)}: {what} '{text}' membaca '{name}', yang bukan isian formulir "
                f"atau variabel proses (yang dikenal: {', '.join(sorted(known))})"
            )
        earlier = before(node, what == "skrip akhir")
        if earlier is None:
            continue
        ready = always.union(*(sets.get(i, set()) for i in earlier))
        for name in sorted((result.names & known) - ready):
            yield (
                f"{where(node)}: {what} '{text}' membaca '{name}', yang baru diisi oleh "
                "langkah sesudahnya"
            )
