"""Fixtures shared by the connector tests: a pooled HTTP session closed after each test,
an in-memory booking ledger, a fixed clock and a factory for service calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from connectors.ports import Clock, MemoryLedger
from engine.ports import ServiceCall

INSTANCE_ID = "0f8e2c4a-7b1d-4e5f-9a3b-2c1d0e9f8a7b"
REQUEST = {
    "platform": None,
    "nama_kegiatan": "Rapat Koordinasi Smart City",
    "tanggal": "2031-03-10",
    "jam_mulai": "09:00",
    "jam_selesai": "10:30",
    "email": "pemohon@tangerangkota.go.id",
    "nama_pemohon": "Siti Rahma",
    "instansi": "Bappeda",
    "jumlah_peserta": 25,
}


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger()


@pytest.fixture
def clock() -> Clock:
    return lambda: datetime(2031, 3, 1, tzinfo=UTC)


@pytest.fixture
def make_call() -> Callable[..., ServiceCall]:
    """``make_call(instance_id=..., attempt=..., **params)``: a create_meeting call."""

    def make(instance_id: str = INSTANCE_ID, attempt: int = 1, **params: Any) -> ServiceCall:
        return ServiceCall(
            operation="conference.create_meeting",
            params={**REQUEST, **params},
            instance_id=instance_id,
            task_id="task-" + instance_id[:8],
            attempt=attempt,
            number="VC-" + instance_id[:8].upper(),
        )

    return make
