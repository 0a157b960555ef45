"""Babel extraction of the texts a process shows people: the names of its lanes and steps,
each step's SOP row (documentation, ``input``, ``output``), read from the BPMN files, so
the English catalog can translate them like any other string (``babel.cfg`` maps
``processes/**.bpmn`` here). The pages show them through the ``tr`` filter.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
STEP_TAGS = ("userTask", "serviceTask", "lane", "process")
ROW_PROPERTIES = ("input", "output")


def _texts(node: Any) -> Iterator[tuple[int, str]]:
    if node.get("name"):
        yield node.sourceline, node.get("name")
    doc = node.find(f"{{{BPMN}}}documentation")
    if doc is not None and doc.text and doc.text.strip() and node.tag != f"{{{BPMN}}}process":
        yield doc.sourceline, doc.text.strip()
    for prop in node.iterfind(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/"
                              f"{{{SPIFF}}}property"):
        if prop.get("name") in ROW_PROPERTIES and prop.get("value", "").strip() not in ("", "-"):
            yield prop.sourceline, prop.get("value").strip()


def extract_bpmn(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
                 options: Mapping[str, Any]) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method: (line, funcname, message, comments) per process text."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(fileobj, parser).getroot()
    for tag in STEP_TAGS:
        for node in root.iter(f"{{{BPMN}}}{tag}"):
            for line, message in _texts(node):
                yield line, "gettext", message, [f"BPMN {tag} {node.get('id')}"]
