"""The FPVC of each pass that reaches approval: captured when the decision completes,
rendered by the worker, kept as it was when a later pass changes the request, and
attached to the "link ready" mail; signed as PAdES when a certificate is configured."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.signing import Pkcs12Signer
from engine.documents.config import DocumentSettings
from engine.errors import NotFound
from engine.models import Document, Job, MailMessageRow, User
from tests.support.certs import P12_PASSWORD, make_pki
from tests.support.documents import pdf_text, qr_texts
from tests.support.journey import Clock, FakeConference, Journey, make_alur, seed


def _journey(sessions: sessionmaker[Session], settings: DocumentSettings) -> Journey:
    alur = make_alur(FakeConference(), documents=settings, base_url="https://alur.uji")
    clock = Clock()
    people = seed(sessions, alur, clock)
    with sessions.begin() as s:
        signer = s.scalars(select(User).where(User.username == "subkoor")).one()
        signer.display_name, signer.nip = "Budi Santoso, S.Kom.", "197301041997031001"
        signer.jabatan = "Sub Koordinator Infrastruktur Internet dan Data Center"
        s.scalars(select(User).where(User.username == "staf")).one().display_name = "Sri Wahyuni"
    return Journey(sessions, alur, clock, people)


def _documents(j: Journey) -> list[Document]:
    with j.sessions.begin() as s:
        rows = list(s.scalars(select(Document).order_by(Document.pass_no)))
        s.expunge_all()
    return rows


def test_each_pass_keeps_its_own_fpvc_and_the_link_mail_attaches_the_signed_one(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    j = _journey(sessions, DocumentSettings(tmp_path))
    j.start()
    j.submit(nama_kegiatan="Rapat Koordinasi PPDB")
    j.verify()
    j.decide(False, reason="Jadwal bentrok dengan paripurna")
    j.run_worker()
    j.submit(nama_kegiatan="Rapat Koordinasi PPDB (revisi)")
    j.act(j.people.staf, "Task_Verifikasi", {"catatan_verifikasi": "Sudah diperbaiki"})
    j.decide(True)
    j.run_worker()
    j.receive()

    first, second = _documents(j)
    assert (first.pass_no, first.approved, second.pass_no, second.approved) == (1, False, 2, True)
    assert first.number == f"FPVC/VC-{j.instance_id[:8].upper()}/1/2026" and not first.signed
    one = (tmp_path / first.stored_name).read_bytes()
    two = (tmp_path / second.stored_name).read_bytes()
    assert hashlib.sha256(one).hexdigest() == first.sha256 and len(one) == first.size
    text = pdf_text(one)
    for expected in ("PEMERINTAH KOTA TANGERANG", "DINAS KOMUNIKASI DAN INFORMATIKA",
                     "FORM PERMINTAAN LAYANAN VIDEO CONFERENCE (FPVC)", first.number,
                     "Nama pemohon : Ani Lestari", "Rapat Koordinasi PPDB", "Verifikasi FPVC",
                     "Catatan verifikasi : Lengkap", "Diisi oleh Sri Wahyuni", "TIDAK DISETUJUI",
                     "Alasan : Jadwal bentrok dengan paripurna", "Budi Santoso, S.Kom.",
                     "NIP. 197301041997031001", "Sub Koordinator Infrastruktur Internet",
                     "Platform : Jitsi Meet", "15 Januari 2099", "WIB", first.code):
        assert expected in text, expected
    assert "revisi" not in text and "Sudah diperbaiki" not in text  # pass 1 stays as it was
    later = pdf_text(two)
    assert "DISETUJUI" in later and "TIDAK DISETUJUI" not in later
    assert "Rapat Koordinasi PPDB (revisi)" in later and "Sudah diperbaiki" in later
    assert "Jadwal bentrok" not in later
    assert qr_texts(one) == [f"https://alur.uji/verifikasi/{first.code}"]
    assert qr_texts(two) == [f"https://alur.uji/verifikasi/{second.code}"]
    with j.sessions.begin() as s:
        mails = {m.subject: m.document_id for m in s.scalars(select(MailMessageRow))}
    link_mail = next(v for k, v in mails.items() if "Link video conference siap" in k)
    assert link_mail == second.id
    assert all(v is None for k, v in mails.items() if "Link video conference siap" not in k)


def test_the_desk_shows_documents_to_who_may_see_the_request_only(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    j = _journey(sessions, DocumentSettings(tmp_path))
    j.full()
    [doc] = _documents(j)
    desk = j.alur.documents
    with j.sessions.begin() as s:
        assert [d.id for d in desk.of_instance(s, j.instance_id, j.people.pemohon)] == [doc.id]
        view, path = desk.file(s, j.instance_id, doc.id, j.people.others["auditor"])
        assert path.read_bytes()[:5] == b"%PDF-" and view.filename.endswith("-1-2026.pdf")
        with pytest.raises(NotFound):
            desk.file(s, j.instance_id, doc.id, j.people.others["pemohon2"])
        public = desk.verification(s, doc.code.lower().replace("-", " "))
        assert (public.number, public.decision, public.signer_name) == (
            doc.number, "Disetujui", "Budi Santoso, S.Kom.")
        assert public.matches(path.read_bytes()) and not public.matches(b"%PDF-palsu")
        with pytest.raises(NotFound):
            desk.verification(s, "AAAA-BBBB-CCCC")


def test_with_a_certificate_the_fpvc_is_signed_where_the_block_is(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    signer = Pkcs12Signer(pki.p12, P12_PASSWORD)
    j = _journey(sessions, DocumentSettings(tmp_path / "dokumen", signer=signer))
    j.full()
    [doc] = _documents(j)
    data = (tmp_path / "dokumen" / doc.stored_name).read_bytes()
    assert doc.signed and b"/ETSI.CAdES.detached" in data
    assert "DISETUJUI" in pdf_text(data) and doc.code in pdf_text(data)


def test_a_document_job_made_twice_records_one_document(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    j = _journey(sessions, DocumentSettings(tmp_path))
    j.start()
    j.submit()
    j.verify()
    j.decide(True)
    with j.sessions() as s:  # as written, before the worker ran it (done clears it)
        job = s.scalars(select(Job).where(Job.kind == "document")).one()
        payload = dict(job.payload)
    j.run_worker()
    j.receive()
    with j.sessions.begin() as s:
        s.add(Job(kind="document", instance_id=job.instance_id, task_id=job.task_id,
                  payload=payload, status="pending", attempts=0,
                  run_after=j.clock(), created_at=j.clock()))
    j.run_worker()
    assert len(_documents(j)) == 1
