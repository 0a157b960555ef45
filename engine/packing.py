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
written as 0x02 and their 32 bytes (``marks_in``; a text holding 0x01 or 0x02, or one
whose marks would not read back as it, is not marked). 0xF8 … 0xFA never start UTF-8
text nor a zlib stream (whose first byte is 0x08 … 0x78), so the values written before
(plain text, JSON text, ``zlib.compress``) still read as they were written; each column
type of ``engine.models`` says which it may meet.

Reading needs the dictionary a header names. Ids are only 4 bytes, unique within one
database (a deploy makes a dictionary whose id another version has different:
``unique_sections``), so readers know dictionaries per database (per engine) and by id,
and refuse an id that names two (``AmbiguousDictionary``) rather than use the wrong one.
Every dictionary this process packed with is known already for that database; one it
never met (written by another process) is read, on first need, from
``process_versions`` through a connection of its own from the engine the value was
read with (outside the reader's transaction: a dictionary is committed with its version,
before any row names it). Writers choose a dictionary by handing the column a ``Document``
or a ``Text``: a dict or a str that carries it and otherwise reads as the plain value.
Imports no model (``engine.models`` uses this module).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import weakref
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Dialect

TAG = 0xF8
TAG_MARKED = 0xF9  # the same, its UUIDs written as bytes (``marks_in``)
TAG_DIGESTS = 0xFA  # the same, its UUIDs and SHA-256 digests written as bytes
_MARK = b"\x01"  # never in JSON text (control characters are escaped there)
_DIGEST_MARK = b"\x02"
#: A mark and the bytes it stands for (``marks_out``), as the one group (``split`` keeps
#: it); one cut short by the end of the text (only in a value changed by hand) stands for
#: what is left, as it always did.
_MARKED_UUID = re.compile(rb"(\x01(?:[\s\S]{16}|[\s\S]{0,15}\Z))")
_MARKED_ANY = re.compile(rb"(\x01(?:[\s\S]{16}|[\s\S]{0,15}\Z)|\x02(?:[\s\S]{32}|[\s\S]{0,31}\Z))")
#: A UUID, or (group 1) a SHA-256 in hex, neither inside a longer run of hex digits.
_MARKABLE = re.compile(rb"(?<![0-9a-f])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                       rb"[0-9a-f]{12}|([0-9a-f]{64}))(?![0-9a-f])")
_UUID_MIDDLE = re.compile(rb"-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-")
_HEX = frozenset(b"0123456789abcdef")
ID_BYTES = 4
#: No value Alur packs comes near this (a long task tree is some hundreds of KB): a stored
#: value that unpacks to more was changed by hand, and is refused before it fills memory.
MAX_UNPACKED = 64 * 1024 * 1024
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
        return cls(dictionary_id(zdict), zdict, digests)


def dictionary_id(zdict: bytes) -> bytes:
    """A dictionary's id: the start of its SHA-256, unique within a database
    (``unique_sections``), not between databases."""
    return hashlib.sha256(zdict).digest()[:ID_BYTES]


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


def deflate(raw: bytes, dictionary: Dictionary, dialect: Dialect) -> bytes:
    """``raw`` packed with ``dictionary``, a dictionary of the database ``dialect``
    writes to (remembered for that database's readers, ``register``). Marked only when
    the marks read back as ``raw`` (``marks_out``), so any value reads back as written."""
    register(dialect, dictionary)
    tag = TAG
    if _MARK not in raw and _DIGEST_MARK not in raw:
        marked = marks_in(raw, digests=dictionary.digests)
        if len(marked) != len(raw):  # else nothing to unmark when read
            tag = TAG_DIGESTS if _DIGEST_MARK in marked else TAG_MARKED
            if marks_out(marked, digests=tag == TAG_DIGESTS) == raw:
                raw = marked
            else:  # never met; a text that would read back otherwise is kept as it is
                tag = TAG
    primed = _PRIMED.get(dictionary.zdict)
    if primed is None:  # setting a dictionary costs more than copying a primed packer
        primed = _PRIMED[dictionary.zdict] = zlib.compressobj(6, zlib.DEFLATED, -15,
                                                              zdict=dictionary.zdict)
    packer = primed.copy()
    return bytes((tag,)) + dictionary.id + packer.compress(raw) + packer.flush()


def is_packed(value: bytes) -> bool:
    return len(value) >= _HEADER and value[0] in (TAG, TAG_MARKED, TAG_DIGESTS)


def inflate(value: bytes, dialect: Dialect) -> bytes:
    """The bytes a tagged value was packed from (``UnknownDictionary`` when the database
    ``dialect`` reads from has no dictionary, or two, by the id the value names)."""
    key = bytes(value[1:_HEADER])
    known = _KNOWN.get(dialect)
    zdict = known.get(key) if known is not None else None
    if zdict is None:
        zdict = _load(dialect, key)
    unpacker = zlib.decompressobj(-15, zdict=zdict)
    raw = unpacker.decompress(value[_HEADER:], MAX_UNPACKED)
    if not unpacker.eof or unpacker.unused_data or unpacker.unconsumed_tail:
        # Cut short, extended or swollen: its bytes are not what was written.
        raise zlib.error("packed value damaged: its stream does not end where it should")
    return raw if value[0] == TAG else marks_out(raw, digests=value[0] == TAG_DIGESTS)


def marks_in(text: bytes, *, digests: bool = False) -> bytes:
    """Each UUID written in its canonical form (36 characters, lowercase: task ids, in
    links too) as a mark and its 16 bytes, and with ``digests`` each run of 64 lowercase
    hex digits (a SHA-256) as another mark and its 32 bytes: deflate packs bytes better
    than hex. ``text`` holds neither mark (else it is packed as it is, with ``TAG``).
    Both are found in one pass over ``text``, never inside a longer run of hex digits,
    so no two marks overlap. Without ``digests`` UUIDs are found by their middle
    (``-xxxx-xxxx-xxxx-``), a fifth of the time of one regular expression for all 36."""
    if digests:
        return _MARKABLE.sub(_mark, text)
    if b"-" not in text:
        return text  # no UUID can be in it (short texts, most event details)
    parts: list[bytes] = []
    at, known, size = 0, _MARKED, len(text)
    for middle in _UUID_MIDDLE.finditer(text):
        start, end = middle.start() - 8, middle.end() + 12
        if start < at:
            continue
        if (start > 0 and text[start - 1] in _HEX) or (end < size and text[end] in _HEX):
            continue  # inside a longer run of hex digits
        found = text[start:end]
        marked = known.get(found)
        if marked is None:
            if len(found) != 36 or not (_HEX.issuperset(found[:8])
                                        and _HEX.issuperset(found[24:])):
                continue
            hexed = found.replace(b"-", b"").decode()
            marked = _keep(known, found, _MARK + bytes.fromhex(hexed))
        parts += [text[at:start], marked]
        at = end
    return b"".join([*parts, text[at:]])


def _mark(found: re.Match[bytes]) -> bytes:
    if found[1] is not None:
        return _DIGEST_MARK + bytes.fromhex(found[1].decode())
    return _MARK + bytes.fromhex(found[0].replace(b"-", b"").decode())


def marks_out(packed: bytes, *, digests: bool = True) -> bytes:
    """The text ``marks_in`` was given (without ``digests``, only UUIDs are looked for).
    One pass of a regular expression: a mark is a byte that no marked text holds
    otherwise, and the bytes after it are the 16 (or 32) it stands for, whatever they
    are (a mark byte among them too). The text is split at its marks (every other part
    a mark), and each mark replaced by what it stands for."""
    if _MARK not in packed and (not digests or _DIGEST_MARK not in packed):
        return packed
    parts = (_MARKED_ANY if digests else _MARKED_UUID).split(packed)
    known = _UNMARKED.get
    parts[1::2] = [known(marked) or _unmark(marked) for marked in parts[1::2]]
    return b"".join(parts)


def _unmark(marked: bytes) -> bytes:
    h = marked[1:].hex()
    if marked[0] == _DIGEST_MARK[0]:
        return h.encode()  # a digest is met once: not remembered
    return _keep(_UNMARKED, marked, f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode())


#: UUIDs as written and as marked, both ways: a task tree names each task id several times,
#: and one request's tree and records are packed and read again and again. Emptied when
#: full (a plain dict: safe to share between threads).
_MARKED: dict[bytes, bytes] = {}
_UNMARKED: dict[bytes, bytes] = {}
_REMEMBERED = 4096


def _keep(known: dict[bytes, bytes], key: bytes, value: bytes) -> bytes:
    if len(known) >= _REMEMBERED:
        known.clear()
    known[key] = value
    return value


def dumps(value: Any) -> bytes:
    """The JSON text every packed document is made of (compact, UTF-8). A text holding a
    lone surrogate, which UTF-8 cannot hold, is written all escaped; it reads back the same,
    except that a high and a low surrogate side by side read back as the one character
    they make (JSON cannot tell them apart; the old ``pack_json`` did the same)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode()


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


def ids_of(stored: Iterable[bytes | None]) -> dict[bytes, bytes]:
    """The dictionaries of stored versions (``process_versions.dictionaries``) by id."""
    taken: dict[bytes, bytes] = {}
    for value in stored:
        if value is not None:
            for found in decode_sections(bytes(value)).values():
                taken.setdefault(found.id, found.zdict)
    return taken


def unique_sections(sections: Mapping[str, str], taken: dict[bytes, bytes]) -> dict[str, str]:
    """``sections`` with each one whose dictionary's id names another dictionary of
    ``taken`` (the database's, by id) made different (spaces put before its text, as few
    as it takes: the same ``taken`` always gives the same result), so no id of one
    database names two dictionaries. Adds the sections' dictionaries to ``taken``."""
    unique: dict[str, str] = {}
    for name, text in sections.items():
        for spaces in itertools.count():
            candidate = " " * spaces + text
            zdict = _as_dictionary(candidate.encode())
            if taken.setdefault(dictionary_id(zdict), zdict) == zdict:
                unique[name] = candidate
                break
    return unique


# -- the dictionaries each database's readers know -------------------------------------
#: Per database (the dialect of its engine: each engine has its own), each dictionary
#: by id; None for an id found naming two dictionaries (refused, never guessed).
_KNOWN: weakref.WeakKeyDictionary[Dialect, dict[bytes, bytes | None]] = (
    weakref.WeakKeyDictionary())
_PRIMED: dict[bytes, Any] = {}  # a dictionary → a packer that has read it
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


class AmbiguousDictionary(UnknownDictionary):
    """One id names two dictionaries in one database (never written so by a deploy)."""


def _known(dialect: Dialect) -> dict[bytes, bytes | None]:
    known = _KNOWN.get(dialect)
    if known is None:
        with _LOCK:
            known = _KNOWN.setdefault(dialect, {})
    return known


def _enter(known: dict[bytes, bytes | None], dictionary: Dictionary) -> bool:
    """Whether ``dictionary`` is the one its id names in ``known`` (now)."""
    found = known.setdefault(dictionary.id, dictionary.zdict)
    if found is dictionary.zdict or found == dictionary.zdict:
        return True
    known[dictionary.id] = None
    return False


def _ambiguous(key: bytes) -> AmbiguousDictionary:
    return AmbiguousDictionary(f"dictionary {key.hex()} names two dictionaries in this "
                               "database: refused")


def register(dialect: Dialect, dictionary: Dictionary) -> None:
    """``dictionary`` is one the database ``dialect`` reads from holds (a writer's)."""
    if not _enter(_known(dialect), dictionary):
        raise _ambiguous(dictionary.id)


def learn(dialect: Dialect, stored: bytes) -> None:
    """Every dictionary of one stored version (``process_versions.dictionaries``) of the
    database ``dialect`` reads from."""
    known = _known(dialect)
    for found in decode_sections(stored).values():
        _enter(known, found)


def _load(dialect: Dialect, key: bytes) -> bytes:
    """Read every version's dictionaries (a few per process) from the database the value
    came from, on a connection of its own: a raw one, so no ``BEGIN IMMEDIATE`` waits for
    the reader's own write lock on SQLite."""
    known = _known(dialect)
    with _LOCK:
        if key not in known:
            ref = _ENGINES.get(dialect)
            engine = ref() if ref is not None else None
            if engine is None:
                raise UnknownDictionary(f"dictionary {key.hex()}: no engine to read it from")
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("SELECT dictionaries FROM process_versions "
                               "WHERE dictionaries IS NOT NULL")
                stored = [bytes(value) for (value,) in cursor.fetchall()]
                cursor.close()
            finally:
                raw.close()
            for value in stored:
                for found in decode_sections(value).values():
                    _enter(known, found)
    if key not in known:
        raise UnknownDictionary(f"dictionary {key.hex()} is in no process version")
    zdict = known[key]
    if zdict is None:
        raise _ambiguous(key)
    return zdict
