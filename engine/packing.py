"""How the texts and documents a request piles up are stored: compressed with a preset
dictionary of their own process version.

A request's mail, step data, event details and task tree repeat what its version already
holds (the mail texts, the form's field names, the task ids, the shape of a task tree),
so each version carries compression dictionaries made from its own content when it is
deployed (``engine.dictionaries``, column ``process_versions.dictionaries``, never changed
afterwards). A value packed with one starts with a header naming it::

    0xF8, the first 4 bytes of sha256(dictionary), raw deflate (zlib wbits -15, zdict)

or 0xF9 and the same when the canonical UUIDs of the text were written as a byte 0x01
and their 16 bytes before deflating, or 0xFA when also its SHA-256 digests in hex were
written as 0x02 and their 32 bytes (``marks_in``; a text holding 0x01 or 0x02 is not
marked). 0xF8 … 0xFA never start UTF-8 text nor a zlib stream (whose first byte is 0x08 …
0x78), so the values written before (plain text, JSON text, ``zlib.compress``) still read
as they were written; each column type of ``engine.models`` says which it may meet.

Reading needs the dictionary a header names. It is found by its content hash, so one
process may read any number of databases: every dictionary this process packed with is
known already; one it never met (written by another process) is read, on first need,
from ``process_versions`` through a connection of its own from the engine the value was
read with (outside the reader's transaction: a dictionary is committed with its version,
before any row names it). Writers choose a dictionary by handing the column a ``Document``
or a ``Text``: a dict or a str that carries it and otherwise reads as the plain value.
Imports no model (``engine.models`` uses this module).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import weakref
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Dialect

TAG = 0xF8
TAG_MARKED = 0xF9  # the same, its UUIDs written as bytes (``marks_in``)
TAG_DIGESTS = 0xFA  # the same, its UUIDs and SHA-256 digests written as bytes
_MARK = b"\x01"  # never in JSON text (control characters are escaped there)
_DIGEST_MARK = b"\x02"
_MARKS = re.compile(b"[\x01\x02]")
_DIGEST = re.compile(rb"[0-9a-f]{64}")
_UUID_MIDDLE = re.compile(rb"-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-")
_HEX = frozenset(b"0123456789abcdef")
ID_BYTES = 4
_HEADER = 1 + ID_BYTES
SECTIONS = ("workflow", "data", "event", "mail")


@dataclass(frozen=True)
class Dictionary:
    """A preset dictionary for raw deflate, named by the start of its SHA-256; whether
    its values are searched for SHA-256 digests too (``marks_in``: short values only,
    the search costs time)."""

    id: bytes
    zdict: bytes
    digests: bool = False

    @classmethod
    def of(cls, zdict: bytes, *, digests: bool = False) -> Dictionary:
        found = cls(hashlib.sha256(zdict).digest()[:ID_BYTES], zdict, digests)
        _KNOWN.setdefault(found.id, zdict)
        return found


class Document(dict[str, Any]):
    """A JSON object to be stored packed with ``dictionary``; otherwise the plain dict."""

    __slots__ = ("dictionary",)

    def __init__(self, value: Mapping[str, Any], dictionary: Dictionary | None) -> None:
        super().__init__(value)
        self.dictionary = dictionary


class Text(str):
    """A text to be stored packed with ``dictionary``; otherwise the plain str."""

    dictionary: Dictionary | None

    def __new__(cls, value: str, dictionary: Dictionary | None) -> Text:
        made = super().__new__(cls, value)
        made.dictionary = dictionary
        return made


def deflate(raw: bytes, dictionary: Dictionary) -> bytes:
    tag = TAG
    if _MARK not in raw and _DIGEST_MARK not in raw:
        marked = marks_in(raw, digests=dictionary.digests)
        if len(marked) != len(raw):  # else nothing to unmark when read
            tag = TAG_DIGESTS if _DIGEST_MARK in marked else TAG_MARKED
            raw = marked
    primed = _PRIMED.get(dictionary.id)
    if primed is None:  # setting a dictionary costs more than copying a primed packer
        primed = _PRIMED[dictionary.id] = zlib.compressobj(6, zlib.DEFLATED, -15,
                                                           zdict=dictionary.zdict)
    packer = primed.copy()
    return bytes((tag,)) + dictionary.id + packer.compress(raw) + packer.flush()


def is_packed(value: bytes) -> bool:
    return len(value) >= _HEADER and value[0] in (TAG, TAG_MARKED, TAG_DIGESTS)


def inflate(value: bytes, dialect: Dialect) -> bytes:
    """The bytes a tagged value was packed from."""
    key = bytes(value[1:_HEADER])
    zdict = _KNOWN.get(key) or _load(dialect, key)
    unpacker = zlib.decompressobj(-15, zdict=zdict)
    raw = unpacker.decompress(value[_HEADER:]) + unpacker.flush()
    return raw if value[0] == TAG else marks_out(raw, digests=value[0] == TAG_DIGESTS)


def marks_in(text: bytes, *, digests: bool = False) -> bytes:
    """Each UUID written in its canonical form (36 characters, lowercase: task ids, in
    links too) as a mark and its 16 bytes, and with ``digests`` each run of 64 lowercase
    hex digits (a SHA-256) as another mark and its 32 bytes: deflate packs bytes better
    than hex. ``text`` holds neither mark (else it is packed as it is, with ``TAG``).
    UUIDs are found by their middle (``-xxxx-xxxx-xxxx-``), a fifth of the time of one
    regular expression for all 36."""
    if digests:
        text = _DIGEST.sub(lambda m: _DIGEST_MARK + bytes.fromhex(m[0].decode()), text)
    parts: list[bytes] = []
    at, seen = 0, dict[bytes, bytes]()  # a task tree names each task id three or four times
    for middle in _UUID_MIDDLE.finditer(text):
        start, end = middle.start() - 8, middle.end() + 12
        if start < at:
            continue
        found = text[start:end]
        marked = seen.get(found)
        if marked is None:
            if len(found) != 36 or not (_HEX.issuperset(found[:8])
                                        and _HEX.issuperset(found[24:])):
                continue
            marked = seen[found] = _MARK + bytes.fromhex(found.replace(b"-", b"").decode())
        parts += [text[at:start], marked]
        at = end
    return b"".join([*parts, text[at:]])


def marks_out(packed: bytes, *, digests: bool = True) -> bytes:
    """The text ``marks_in`` was given (without ``digests``, only UUIDs are looked for:
    a plain search for one byte)."""
    parts: list[bytes] = []
    at, seen = 0, dict[bytes, bytes]()
    while True:
        if digests:
            mark = _MARKS.search(packed, at)
            start = -1 if mark is None else mark.start()
        else:
            start = packed.find(_MARK, at)
        if start < 0:
            break
        parts.append(packed[at:start])
        if packed[start] == _MARK[0]:
            at = start + 17
            raw = packed[start + 1:at]
            written = seen.get(raw)
            if written is None:
                h = raw.hex()
                written = seen[raw] = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode()
        else:
            at = start + 33
            written = packed[start + 1:at].hex().encode()
        parts.append(written)
    parts.append(packed[at:])
    return b"".join(parts)


def dumps(value: Any) -> bytes:
    """The JSON text every packed document is made of (compact, UTF-8)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# -- a version's stored dictionaries -----------------------------------------------------
def encode_sections(sections: Mapping[str, str]) -> bytes:
    """The ``process_versions.dictionaries`` value: the sections as zlib'd JSON."""
    return zlib.compress(dumps({k: sections[k] for k in SECTIONS if k in sections}), 9)


def decode_sections(stored: bytes) -> dict[str, Dictionary]:
    """Each section's dictionary: its text, its UUIDs as ``marks_in`` writes them."""
    sections = json.loads(zlib.decompress(stored))
    return {name: Dictionary.of(_as_dictionary(text.encode()), digests=name == "event")
            for name, text in sections.items()}


def _as_dictionary(text: bytes) -> bytes:
    return text if _MARK in text or _DIGEST_MARK in text else marks_in(text)


# -- finding a dictionary no writer of this process has met -------------------------------
_KNOWN: dict[bytes, bytes] = {}
_PRIMED: dict[bytes, Any] = {}  # a dictionary's id → a packer that has read it
_ENGINES: weakref.WeakKeyDictionary[Dialect, weakref.ref[Engine]] = (
    weakref.WeakKeyDictionary())
_LOCK = threading.Lock()


@event.listens_for(Engine, "engine_connect")
def _remember(connection: Any) -> None:
    """Which engine a dialect belongs to (each engine has its own), for ``_load``."""
    if connection.dialect not in _ENGINES:
        _ENGINES[connection.dialect] = weakref.ref(connection.engine)


class UnknownDictionary(LookupError):
    pass


def _load(dialect: Dialect, key: bytes) -> bytes:
    """Read every version's dictionaries (a few per process) from the database the value
    came from, on a connection of its own: a raw one, so no ``BEGIN IMMEDIATE`` waits for
    the reader's own write lock on SQLite."""
    ref = _ENGINES.get(dialect)
    engine = ref() if ref is not None else None
    if engine is None:
        raise UnknownDictionary(f"dictionary {key.hex()}: no engine to read it from")
    with _LOCK:
        if key not in _KNOWN:
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("SELECT dictionaries FROM process_versions "
                               "WHERE dictionaries IS NOT NULL")
                for (stored,) in cursor.fetchall():
                    decode_sections(bytes(stored))
                cursor.close()
            finally:
                raw.close()
    if key not in _KNOWN:
        raise UnknownDictionary(f"dictionary {key.hex()} is in no process version")
    return _KNOWN[key]
