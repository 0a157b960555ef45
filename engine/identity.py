"""A process version's identity: the SHA-256 of its canonical content, not of its bytes.

What the hash covers (``ProcessVersion.sha256``):

- the BPMN as Canonical XML 2.0 (``lxml.etree.canonicalize``): comments, the XML
  declaration, the encoding, attribute order, namespace prefixes (``bpmn:`` or ``bpmn2:``),
  unused namespace declarations and whitespace around text are ignored;
- minus the modeler's stamp, the ``exporter``/``exporterVersion`` attributes (bpmn.io and
  Camunda Modeler rewrite them on every save);
- with the diagram (DI) numbers written one way (``160`` and ``160.0`` are the same);
- plus every other file of the pack (forms, other JSON the process names) as canonical
  JSON (sorted keys, no insignificant whitespace), each under its plain name.

So opening and saving an unchanged file in a modeler gives the same version, while moving a
shape (the diagram every page draws) or changing a word gives a new one. Imports no web
layer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from lxml import etree

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_DI_NAMESPACES = (
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
)
_DI_NUMBERS = ("x", "y", "width", "height")
MODELER_STAMP = ("exporter", "exporterVersion")


def _normalise_di_numbers(root: Any) -> None:
    for ns in _DI_NAMESPACES:
        for el in root.iter(f"{{{ns}}}*"):
            for attr in _DI_NUMBERS:
                value = el.get(attr)
                if value is None:
                    continue
                try:
                    number = float(value)
                except ValueError:
                    continue
                el.set(attr, repr(int(number)) if number.is_integer() else repr(number))


def canonical_xml(root: Any) -> bytes:
    """Canonical XML 2.0 of a parsed BPMN tree (the tree itself is not changed)."""
    copy = etree.fromstring(etree.tostring(root))
    _normalise_di_numbers(copy)
    text: str = etree.canonicalize(
        copy,
        strip_text=True,
        rewrite_prefixes=True,
        qname_aware_attrs=[_XSI_TYPE],
        exclude_attrs=list(MODELER_STAMP),
    )
    return text.encode("utf-8")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def version_hash(root: Any, files: Mapping[str, Any]) -> str:
    """The version identity of a parsed BPMN tree and its pack's parsed JSON files."""
    digest = hashlib.sha256(b"bpmn\0" + canonical_xml(root))
    for name in sorted(files):
        digest.update(b"\0file\0" + name.encode() + b"\0" + canonical_json(files[name]))
    return digest.hexdigest()
