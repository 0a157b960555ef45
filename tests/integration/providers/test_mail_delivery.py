"""Notification mail through a real SMTP server on loopback (aiosmtpd): who gets what in a
whole journey, the calendar invite with the link, and a stopped server that delays the
mail (queued, retried with backoff) but never the request."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from connectors.registry import build_mail_transport
from engine import jobs, mailjobs, store
from engine.documents import records
from engine.documents.config import DocumentSettings
from engine.facade import Alur
from engine.models import Job, MailMessageRow
from tests.integration.providers.conftest import WORKER, Build
from tests.support.journey import Clock, Journey

SENDER = "vicon@tangerangkota.go.id"
REQUESTER, STAFF, APPROVER = "pemohon@uji.id", "staf@uji.id", "subkoor@uji.id"
CONTACT = "ani@tangerangkota.go.id"  # the FPVC's e-mail field (tests.support.journey.FPVC)


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def subjects(self, to: str) -> list[str]:
        return [m["Subject"] for _, rcpt, m in self.received if to in rcpt]

    def one(self, to: str, subject_part: str) -> EmailMessage:
        (found,) = [m for _, r, m in self.received if to in r and subject_part in m["Subject"]]
        return found


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailing(build: Build, smtp: SmtpServer) -> Alur:
    """The facade with SMTP delivery to the loopback server, as ``webui.wiring`` builds it."""
    transport = build_mail_transport(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "SMTP_STARTTLS": "false",
            "MAIL_FROM": SENDER,
            "HTTP_TIMEOUT": 30,
        }
    )
    assert transport is not None
    return build(mail=transport, worker=replace(WORKER, mail_from=SENDER))


def mail_rows(sessions: sessionmaker[Session], instance_id: str) -> list[MailMessageRow]:
    with sessions() as s:
        rows = store.mail_messages(s, limit=100)
        return [r for r, _number in rows if r.instance_id == instance_id]


def mail_jobs(sessions: sessionmaker[Session], instance_id: str) -> list[tuple[str, int, Any]]:
    with sessions() as s:
        jobs = [j for j in store.jobs_of(s, instance_id) if j.kind == "send_mail"]
        return [(j.status, j.attempts, j.run_after) for j in jobs]


def test_a_journey_mails_each_lane_and_the_requester_with_the_invite(
    mailing: Alur,
    smtp: SmtpServer,
    journey: Callable[[Alur], Journey],
    sessions: sessionmaker[Session],
) -> None:
    j = journey(mailing)
    view = j.full(declines=1)
    j.run_worker()
    number = "VC-" + j.instance_id[:8].upper()

    box = smtp.mailbox
    assert {sender for sender, _, _ in box.received} == {SENDER}
    assert box.subjects(STAFF) == [f"[{number}] Tugas baru: Menerima dan memverifikasi FPVC"] * 2
    assert (
        box.subjects(APPROVER)
        == [f"[{number}] Tugas baru: Memberi persetujuan atas permintaan"] * 2
    )
    # Nothing for the requester's own first form: it is a draft until they send it.
    assert box.subjects(REQUESTER) == [
        f"[{number}] Permintaan tidak disetujui: mohon perbaiki",
        f"[{number}] Link video conference siap: Rapat Koordinasi PPDB",
    ]
    declined = box.one(REQUESTER, "tidak disetujui")
    assert "Alasan: Jadwal bentrok" in declined.get_content()
    assert not list(declined.iter_attachments())

    meeting = view.meeting
    assert meeting is not None
    link = box.one(REQUESTER, "Link video conference siap")
    text = link.get_body(("plain",))
    assert text is not None and meeting["join_url"] in text.get_content()
    (invite,) = link.iter_attachments()
    assert invite.get_filename() == "undangan.ics"
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    ics = invite.get_payload(decode=True)
    assert b"DTSTART:20990115T020000Z" in ics and b"DTEND:20990115T033000Z" in ics
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2099, 1, 15, 2, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2099, 1, 15, 3, 30, tzinfo=UTC)
    # The account's address and the one typed in the form (x-meaning: contact_email).
    assert sorted(str(a) for a in event["ATTENDEE"]) == [f"mailto:{CONTACT}",
                                                         f"mailto:{REQUESTER}"]
    assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
    assert str(event["LOCATION"]) == meeting["join_url"]
    assert str(event["UID"]) == f"{j.instance_id}@alur"

    rows = mail_rows(sessions, j.instance_id)
    assert len(rows) == len(box.received) == 6
    assert {(r.status, r.last_error) for r in rows} == {("sent", None)}
    assert all(r.sent_at is not None for r in rows)
    assert {status for status, _, _ in mail_jobs(sessions, j.instance_id)} == {"done"}


def test_a_stopped_smtp_server_delays_the_mail_but_never_the_request(
    mailing: Alur,
    smtp: SmtpServer,
    approved: Callable[..., Journey],
    sessions: sessionmaker[Session],
) -> None:
    smtp.stop()
    j = approved(mailing, "jitsi")
    failed_at = j.clock()
    j.run_worker()

    refused = "smtp: Server SMTP tidak dapat dihubungi (ConnectionRefusedError)"
    rows = mail_rows(sessions, j.instance_id)
    assert len(rows) == 3  # staff and approver tasks (the draft mailed nobody), the link
    assert {(r.status, r.last_error, r.sent_at) for r in rows} == {("queued", refused, None)}
    first_retry = failed_at + timedelta(seconds=WORKER.backoff_base_s)
    assert set(mail_jobs(sessions, j.instance_id)) == {("pending", 1, first_retry)}
    view = j.view()
    assert view.meeting is not None  # the link was made all the same
    assert view.steps[-1].bpmn_id == "Task_TerimaJadwal" and view.steps[-1].state == "ready"

    j.clock.advance(WORKER.backoff_base_s / 2)
    j.run_worker()
    assert set(mail_jobs(sessions, j.instance_id)) == {("pending", 1, first_retry)}
    j.clock.advance(WORKER.backoff_base_s / 2)
    j.run_worker()
    second_retry = j.clock() + timedelta(seconds=2 * WORKER.backoff_base_s)  # doubled
    assert set(mail_jobs(sessions, j.instance_id)) == {("pending", 2, second_retry)}

    done = j.receive()
    assert done.summary.status == "completed"
    assert {r.status for r in mail_rows(sessions, j.instance_id)} == {"queued"}
    assert smtp.mailbox.received == []

    smtp.start()  # the server is back: the queued mail goes out on its next retry
    j.clock.advance(2 * WORKER.backoff_base_s)
    j.run_worker()
    rows = mail_rows(sessions, j.instance_id)
    assert {(r.status, r.last_error) for r in rows} == {("sent", None)}
    assert len(smtp.mailbox.received) == 3
    assert {status for status, _, _ in mail_jobs(sessions, j.instance_id)} == {"done"}


def test_the_link_ready_mail_attaches_the_signed_fpvc_of_the_last_pass(
    build: Build,
    smtp: SmtpServer,
    journey: Callable[[Alur], Journey],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    transport = build_mail_transport({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
                                      "SMTP_STARTTLS": "false", "MAIL_FROM": SENDER,
                                      "HTTP_TIMEOUT": 2})
    documents = DocumentSettings(tmp_path / "dokumen")
    j = journey(build(mail=transport, worker=replace(WORKER, mail_from=SENDER),
                      documents=documents))
    j.full(declines=1)
    j.run_worker()
    with sessions() as s:
        last = max(records.of_instance(s, j.instance_id), key=lambda d: d.pass_no)
        assert last.pass_no == 2 and last.approved
    link = smtp.mailbox.one(REQUESTER, "Link video conference siap")
    invite, fpvc = link.iter_attachments()
    assert invite.get_filename() == "undangan.ics"
    assert fpvc.get_content_type() == "application/pdf"
    assert fpvc.get_filename() == last.number.replace("/", "-") + ".pdf"
    assert fpvc.get_payload(decode=True) == (documents.directory / last.stored_name).read_bytes()
    declined = smtp.mailbox.one(REQUESTER, "tidak disetujui")
    assert not list(declined.iter_attachments())


def test_the_link_goes_to_the_forms_address_too_with_the_meeting_in_the_body(
    mailing: Alur,
    smtp: SmtpServer,
    approved: Callable[..., Journey],
) -> None:
    """The FPVC says "Detail jadwal video conference dikirim ke alamat ini": the address
    typed there gets the link mail as well as the account's, and the body itself carries
    the date, time, platform, link and passcode (not only the .ics)."""
    j = approved(mailing, "zoom", email="Sekretariat@Dinas.example")
    j.run_worker()
    meeting = j.view().meeting
    assert meeting is not None and meeting["passcode"]
    ((to, message),) = [(rcpt, m) for _, rcpt, m in smtp.mailbox.received
                        if "Link video conference siap" in m["Subject"]]
    assert sorted(to) == ["Sekretariat@Dinas.example", REQUESTER]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Tanggal dan jam: 15-01-2099 09:00–10:30 WIB" in text
    assert "Platform: Zoom" in text
    assert f"Link: {meeting['join_url']}" in text
    assert f"Kode sandi: {meeting['passcode']}" in text
    assert "zak=" not in text  # the join link only, never Zoom's host link


def test_the_forms_address_is_not_doubled_when_it_is_the_accounts(
    mailing: Alur,
    smtp: SmtpServer,
    approved: Callable[..., Journey],
) -> None:
    j = approved(mailing, "jitsi", email=REQUESTER.upper())
    j.run_worker()
    ((to, _),) = [(rcpt, m) for _, rcpt, m in smtp.mailbox.received
                  if "Link video conference siap" in m["Subject"]]
    assert to == [REQUESTER]


# -- a batch of notifications with SMTP: one send_mail job per mail, each its own ---------
def submitted(journey: Callable[[Alur], Journey], alur: Alur, count: int) -> list[str]:
    """``count`` requests sent, each with its staff's notification due; their numbers."""
    numbers = []
    for _ in range(count):
        j = journey(alur)
        j.start()
        j.submit()
        numbers.append("VC-" + j.instance_id[:8].upper())
    return numbers


def queued_mails(sessions: sessionmaker[Session]) -> list[tuple[str | None, str | None]]:
    """Each send_mail job's request, and the request of the mail it sends."""
    with sessions() as s:
        mails = {m.id: m.instance_id for m in s.scalars(select(MailMessageRow))}
        return [(job.instance_id, mails[job.payload["mail_id"]])
                for job in s.scalars(select(Job).where(Job.kind == "send_mail"))]


def notify_states(sessions: sessionmaker[Session]) -> list[tuple[str, int, str | None]]:
    with sessions() as s:
        return [(j.status, j.attempts, j.last_error)
                for j in s.scalars(select(Job).where(Job.kind == "notify"))]


def test_each_mail_of_a_batch_is_queued_for_its_own_request(
    mailing: Alur, smtp: SmtpServer, journey: Callable[[Alur], Journey],
    sessions: sessionmaker[Session], clock: Clock,
) -> None:
    """The batch's mails are written with one INSERT whose RETURNING ids name each
    mail's send_mail job: in the order the mails were given, on both databases."""
    numbers = submitted(journey, mailing, 6)
    assert jobs.run_batch(sessions, mailing.services, clock, limit=6) == (6, True)
    queued = queued_mails(sessions)
    assert len(queued) == 6 and all(job == mail for job, mail in queued)
    while jobs.run_once(sessions, mailing.services, clock, limit=100):
        pass  # the send_mail jobs (no breach check: a tick's would mail one more)
    assert sorted(smtp.mailbox.subjects(STAFF)) == sorted(
        f"[{n}] Tugas baru: Menerima dan memverifikasi FPVC" for n in numbers)


@pytest.mark.parametrize("after", ["insert_jobs", "_finish"])
def test_a_batch_undone_after_its_mails_were_written_writes_each_once(
    mailing: Alur, smtp: SmtpServer, journey: Callable[[Alur], Journey],
    sessions: sessionmaker[Session], clock: Clock, monkeypatch: pytest.MonkeyPatch,
    after: str,
) -> None:
    """The database fails once the batch's mails and send_mail jobs were inserted, or
    its jobs finished (Core, not the session): the savepoint takes all of it back, and
    each job runs again alone: one mail each, one send_mail job each, one message each,
    each job's attempts counted once."""
    numbers = submitted(journey, mailing, 4)
    module = store if after == "insert_jobs" else mailjobs
    written, failed = getattr(module, after), list[int]()

    def fails_once_after(session: Session, rows: Any, *rest: Any) -> None:
        written(session, rows, *rest)
        if not failed:
            failed.append(len(rows))
            raise OperationalError("INSERT", {}, Exception("the disk went away"))

    monkeypatch.setattr(module, after, fails_once_after)
    assert jobs.run_batch(sessions, mailing.services, clock, limit=4) == (4, True)
    assert failed == [4]
    assert notify_states(sessions) == [("done", 1, None)] * 4
    queued = queued_mails(sessions)
    assert len(queued) == 4 and all(job == mail for job, mail in queued)
    with sessions() as s:
        assert len(s.scalars(select(MailMessageRow)).all()) == 4
    while jobs.run_once(sessions, mailing.services, clock, limit=100):
        pass
    assert sorted(smtp.mailbox.subjects(STAFF)) == sorted(
        f"[{n}] Tugas baru: Menerima dan memverifikasi FPVC" for n in numbers)


def test_two_workers_at_once_run_each_job_once(
    mailing: Alur, smtp: SmtpServer, journey: Callable[[Alur], Journey],
    sessions: sessionmaker[Session], clock: Clock,
) -> None:
    """Two workers take due jobs at the same time (PostgreSQL: SKIP LOCKED, one job at a
    time and a batch of notifications; SQLite: the write lock): no job runs twice, no
    mail is written or sent twice."""
    numbers = submitted(journey, mailing, 12)
    barrier, errors = threading.Barrier(2), list[Exception]()

    def work(name: str) -> None:
        try:
            barrier.wait()
            while jobs.run_once(sessions, mailing.services, clock, name, limit=3):
                pass
        except Exception as err:  # seen by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert notify_states(sessions) == [("done", 1, None)] * 12
    with sessions() as s:
        sends = [(j.status, j.attempts) for j in
                 s.scalars(select(Job).where(Job.kind == "send_mail"))]
    assert sends == [("done", 1)] * 12
    assert sorted(smtp.mailbox.subjects(STAFF)) == sorted(
        f"[{n}] Tugas baru: Menerima dan memverifikasi FPVC" for n in numbers)
