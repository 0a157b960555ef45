"""A process pack's files: one BPMN file and the files it names (forms, other JSON), by
plain name. (What the pack *declares* is read by ``engine.pack``.)

A pack comes from a folder (``from_folder``: the BPMN's own folder and its ``forms/``
subfolder, never the server's ``processes/`` unless the file is there) or from an upload
(``from_upload``: several files, or one ``.zip``). Uploads are bounded: plain names only (a
zip may hold ``forms/x.json``, nothing else with a path), a cap on entries, on each file and
on the total, read in chunks so a zip bomb stops at the cap whatever its header says. Every
problem is collected before refusing. An upload may leave out files that did not change:
``filled`` takes them from the active version. Imports no web layer.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from lxml import etree

from engine.errors import DefinitionError
from engine.expression_checks import where
from engine.forms import parse_json, parse_schema
from engine.input_text import is_broken, shown

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024
MAX_FILES = 64
PACK_SUFFIXES = (".json",)
BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml")
_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class PackFiles:
    """The BPMN bytes, its file name, and the pack's other files by plain name."""

    filename: str
    bpmn: bytes
    files: Mapping[str, bytes] = field(default_factory=dict)


def is_plain_name(name: str) -> bool:
    """A name inside the pack: no folder, no path, no leading dot."""
    return bool(_PLAIN.fullmatch(name)) and ".." not in name


def _is_bpmn(name: str) -> bool:
    return name.lower().endswith(BPMN_SUFFIXES)


def _read_folder_files(folder: Path, files: dict[str, bytes]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        usable = path.suffix in PACK_SUFFIXES and path.is_file() and is_plain_name(path.name)
        if usable and path.stat().st_size <= MAX_FILE_BYTES:
            files.setdefault(path.name, path.read_bytes())


def from_folder(bpmn_path: Path) -> PackFiles:
    """The pack beside ``bpmn_path``: its folder's JSON files, then ``forms/`` (the file
    beside the BPMN wins when a name is in both). A file name that is not UTF-8 (Python
    holds its bytes as lone surrogates) could not be stored or shown: refused by name."""
    if is_broken(bpmn_path.name):
        raise DefinitionError(shown(bpmn_path.name), [
            "nama berkas memuat byte yang bukan UTF-8; ganti namanya (huruf, angka, titik, "
            "tanda hubung)"])
    files: dict[str, bytes] = {}
    _read_folder_files(bpmn_path.parent, files)
    _read_folder_files(bpmn_path.parent / "forms", files)
    return PackFiles(bpmn_path.name, bpmn_path.read_bytes(), files)


def _entry_name(raw: str, problems: list[str]) -> str | None:
    """The plain name of an uploaded or zipped file (``forms/x.json`` → ``x.json``)."""
    parts = PurePosixPath(raw).parts
    name = parts[-1] if parts else ""
    folders = parts[:-1]
    if "\\" in raw or raw.startswith("/") or folders not in ((), ("forms",)):
        problems.append(f"{raw}: hanya nama berkas biasa (atau forms/NAMA) yang diterima")
        return None
    if not is_plain_name(name):
        problems.append(f"{raw}: nama berkas tidak sah (huruf, angka, titik, - dan _ saja)")
        return None
    return name


def _bounded_read(stream: IO[bytes], name: str,
                  problems: list[str]) -> bytes | None:
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        problems.append(f"{name}: lebih dari {MAX_FILE_BYTES // 1024} KB")
        return None
    return data


def _unzip(data: bytes, zip_name: str, problems: list[str]) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        problems.append(f"{zip_name}: bukan berkas ZIP yang sah")
        return []
    entries = [i for i in archive.infolist() if not i.is_dir()]
    if len(entries) > MAX_FILES:
        problems.append(f"{zip_name}: lebih dari {MAX_FILES} berkas")
        return []
    out: list[tuple[str, bytes]] = []
    total = 0
    for info in entries:
        with archive.open(info) as stream:
            content = _bounded_read(stream, info.filename, problems)
        if content is None:
            continue
        total += len(content)
        if total > MAX_TOTAL_BYTES:
            problems.append(f"{zip_name}: isi lebih dari {MAX_TOTAL_BYTES // 1024} KB")
            return []
        out.append((info.filename, content))
    return out


def _expand(uploads: Iterable[tuple[str, bytes]], problems: list[str]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for raw, content in uploads:
        if raw.lower().endswith(".zip"):
            out += _unzip(content, raw, problems)
        else:
            out.append((raw, content))
    return out


def from_upload(uploads: Iterable[tuple[str, bytes]]) -> PackFiles:
    """The pack in uploaded files (name, bytes): exactly one BPMN, the rest JSON files by
    plain name; one ``.zip`` may hold them all. ``DefinitionError`` lists every problem."""
    problems: list[str] = []
    entries = _expand(uploads, problems)
    if sum(len(c) for _, c in entries) > MAX_TOTAL_BYTES:
        problems.append(f"unggahan lebih dari {MAX_TOTAL_BYTES // 1024} KB")
    bpmns: list[tuple[str, bytes]] = []
    files: dict[str, bytes] = {}
    for raw, content in entries:
        name = _entry_name(raw, problems)
        if name is None:
            continue
        if _is_bpmn(name):
            bpmns.append((name, content))
        elif not name.endswith(PACK_SUFFIXES):
            problems.append(f"{name}: hanya berkas BPMN dan JSON yang diterima")
        elif name in files:
            problems.append(f"{name}: ada dua kali dalam unggahan")
        else:
            files[name] = content
    if len(bpmns) != 1:
        problems.append(f"unggahan harus memuat tepat satu berkas BPMN, ditemukan {len(bpmns)}")
    if problems:
        raise DefinitionError(bpmns[0][0] if len(bpmns) == 1 else "unggahan", problems)
    return PackFiles(bpmns[0][0], bpmns[0][1], files)


def process_id_of(bpmn: bytes) -> str | None:
    """The id of the executable process in ``bpmn`` (None when it does not parse)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(bpmn, parser)
    except etree.XMLSyntaxError:
        return None
    ids = root.xpath("./bpmn:process[@isExecutable='true']/@id", namespaces=_NS)
    return str(ids[0]) if len(ids) == 1 else None


def filled(pack: PackFiles, files: Mapping[str, bytes]) -> PackFiles:
    """``pack`` with the ``files`` it does not carry itself (its own win)."""
    return PackFiles(pack.filename, pack.bpmn, {**files, **pack.files})


def to_zip(pack: PackFiles) -> bytes:
    """The pack as one zip: the BPMN at the top, the other files under ``forms/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(pack.filename, pack.bpmn)
        for name in sorted(pack.files):
            archive.writestr(f"forms/{name}", pack.files[name])
    return buffer.getvalue()


_PROPERTY = "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
_SPIFF_NS = {**_NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
_FORM_KEYS = ("formJsonSchemaFilename", "formUiSchemaFilename")


def _named(process: Any) -> list[tuple[Any, str, str]]:
    """(element, property, file name) of every pack file the process names: forms of
    its elements, and the ``.json`` values of the process's own properties."""
    out = []
    for node in [process, *process.xpath(".//bpmn:*[@id]", namespaces=_NS)]:
        for prop in node.xpath(_PROPERTY, namespaces=_SPIFF_NS):
            key, value = prop.get("name"), (prop.get("value") or "").strip()
            own_json = node is process and value.endswith(PACK_SUFFIXES)
            if value and (key in _FORM_KEYS or own_json):
                out.append((node, str(key), value))
    return out


def _parse_named(key: str, name: str, files: Mapping[str, bytes]) -> Any:
    if not is_plain_name(name):
        raise DefinitionError(name, [f"'{name}' bukan nama berkas biasa (tanpa folder atau jalur)"])
    if name not in files:
        raise DefinitionError(
            name, [f"berkas '{name}' tidak ada di samping berkas BPMN atau di forms/"])
    data = files[name]
    return parse_schema(name, data) if key in _FORM_KEYS else parse_json(name, data)


def load_named(
    process: Any, files: Mapping[str, bytes]
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The pack files ``process`` names, parsed (forms as JSON Schema, the rest as JSON),
    their exact texts, and every problem with the element that names the file."""
    parsed: dict[str, Any] = {}
    texts: dict[str, str] = {}
    problems: list[str] = []
    for element, key, name in _named(process):
        if name in parsed or not is_plain_name(name):
            continue  # a name that is a path is refused by engine.validation, never opened
        try:
            parsed[name] = _parse_named(key, name, files)
            texts[name] = files[name].decode("utf-8")
        except DefinitionError as err:
            problems += [f"{where(element)}: {key}: {p}" for p in err.problems]
    return parsed, texts, problems


def folder_files(forms_dir: Path) -> dict[str, bytes]:
    """The JSON files of one folder by plain name."""
    files: dict[str, bytes] = {}
    _read_folder_files(forms_dir, files)
    return files
