"""What every conference provider shares: the request read from a ``ServiceCall``, the
``Provider`` protocol, and the ``meeting`` result the BPMN stores (``{provider,
meeting_id, join_url, passcode, host_url, start, end}``). Must not import flask, webui
or any provider module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from connectors.schedule import Slot, parse_slot
from engine.errors import ConnectorError
from engine.ports import ServiceCall

REQUIRED = ("tanggal", "jam_mulai", "jam_selesai", "email", "nama_pemohon")


@dataclass(frozen=True)
class MeetingRequest:
    """A request for one meeting; the optional fields are None for letter-only requests."""

    instance_id: str
    number: str  # the request number people quote on the phone (``VC-1A2B3C4D``)
    slot: Slot
    email: str
    nama_pemohon: str
    nama_kegiatan: str | None = None
    instansi: str | None = None
    jumlah_peserta: int | None = None
    platform: str | None = None

    @classmethod
    def from_call(cls, call: ServiceCall) -> MeetingRequest:
        """Read the operator's parameters; a missing or malformed value is not retryable."""
        params = call.params
        missing = [name for name in REQUIRED if not _text(params.get(name))]
        if missing:
            raise _invalid("Data permintaan belum lengkap: " + ", ".join(missing))
        try:
            slot = parse_slot(params["tanggal"], params["jam_mulai"], params["jam_selesai"])
            peserta = _count(params.get("jumlah_peserta"))
        except ValueError as exc:
            raise _invalid(f"Data permintaan tidak valid: {exc}") from exc
        platform = _text(params.get("platform"))
        return cls(
            instance_id=call.instance_id,
            number=call.number or call.instance_id[:8].upper(),
            slot=slot,
            email=str(_text(params["email"])),
            nama_pemohon=str(_text(params["nama_pemohon"])),
            nama_kegiatan=_text(params.get("nama_kegiatan")),
            instansi=_text(params.get("instansi")),
            jumlah_peserta=peserta,
            platform=platform.lower() if platform else None,
        )

    @property
    def title(self) -> str:
        return self.nama_kegiatan or f"Video Conference {self.number}"

    def summary(self) -> str:
        """Lines describing the request, for agendas and welcome messages."""
        who = self.nama_pemohon + (f" ({self.instansi})" if self.instansi else "")
        lines = [f"Nomor permintaan: {self.number}", f"Pemohon: {who}"]
        if self.jumlah_peserta is not None:
            lines.append(f"Jumlah peserta: {self.jumlah_peserta}")
        return "\n".join(lines)


class Provider(Protocol):
    """Creates the meeting for one request on one platform (idempotently, per request)."""

    name: str

    def create(self, request: MeetingRequest) -> dict[str, Any]: ...


def meeting_result(
    provider: str,
    request: MeetingRequest,
    *,
    meeting_id: str,
    join_url: str,
    host_url: str | None,
    passcode: str | None,
) -> dict[str, Any]:
    """The ``meeting`` variable: JSON-serialisable, times ISO-8601 with +07:00."""
    return {
        "provider": provider,
        "meeting_id": meeting_id,
        "join_url": join_url,
        "passcode": passcode,
        "host_url": host_url,
        "start": request.slot.start.isoformat(),
        "end": request.slot.end.isoformat(),
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"jumlah_peserta bukan bilangan bulat: {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"jumlah_peserta bukan bilangan bulat: {value!r}") from None


def _invalid(message: str) -> ConnectorError:
    return ConnectorError(message, retryable=False, code="invalid_request")

