"""``Alur``: the one object entry points talk to.

Built once by the wiring point (``webui.create_app`` or a test) with its collaborators
injected; every method takes the caller's ``Session`` and ``now`` and only flushes, so the
caller decides when to commit. It returns frozen views, never ORM rows or Spiff objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine import (
    audit,
    breaches,
    cancelling,
    claims,
    diagram,
    dossier,
    drafts,
    instances,
    jobs,
    letters,
    reporting,
    roles,
    store,
    tasks,
)
from engine.diagram import Diagram, InstanceDiagram
from engine.documents import snapshot
from engine.documents.desk import DocumentDesk
from engine.errors import Conflict, Forbidden
from engine.housekeeping import Housekeeping
from engine.letters import LetterLimits
from engine.models import MailMessageRow
from engine.outbox import Services, WorkerSettings
from engine.processes import ProcessVersions
from engine.reporting import stamps
from engine.reporting.queries import RecordRow
from engine.reporting.workclock import OfficeHours
from engine.signature import WrongPassword
from engine.signin import SignInPolicy
from engine.users import Actor
from engine.views import (
    AttachmentView,
    InstanceSummary,
    InstanceView,
    StepView,
    TaskView,
    VersionView,
)


@dataclass(frozen=True)
class EngineSettings:
    processes_dir: Path
    max_passes: int = 50
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    sign_in: SignInPolicy = field(default_factory=SignInPolicy)
    letters: LetterLimits = field(default_factory=LetterLimits)

    @property
    def forms_dir(self) -> Path:
        return self.processes_dir / "forms"


class Alur(ProcessVersions):
    def __init__(self, settings: EngineSettings, services: Services) -> None:
        self.settings = settings
        self.services = services
        self.documents = DocumentDesk(services.documents)
        self.housekeeping = Housekeeping()

    def startable(self, session: Session, actor: Actor) -> list[VersionView]:
        """The active processes ``actor`` may start (their initiator lane's role)."""
        return [VersionView.of(v) for v in store.versions(session)
                if v.active and instances.may_start(actor, v)]

    # -- instances ---------------------------------------------------------------------
    def start(
        self, session: Session, actor: Actor, now: datetime, *, process_id: str | None = None
    ) -> InstanceView:
        loaded = instances.start(
            session, actor, now, process_id=process_id, max_passes=self.settings.max_passes
        )
        view = instances.view(session, loaded.row, loaded.workflow, loaded.records, new=True)
        return instances.as_read_by(view, actor)

    def instance(self, session: Session, instance_id: str, actor: Actor) -> InstanceView:
        row = instances.get_visible(session, instance_id, actor, workflow=True)
        view = instances.view(session, row)
        return instances.as_read_by(view, actor)

    def instances(
        self, session: Session, actor: Actor, *, status: str | None = None, mine: bool = False,
        limit: int = 200, offset: int = 0,
    ) -> list[InstanceSummary]:
        everyone = roles.book(session).sees_everything(actor.roles) and not mine
        rows = store.instances(
            session, requester_id=None if everyone else actor.user_id, status=status,
            limit=limit, offset=offset,
        )
        return [InstanceSummary.of(r) for r in rows]

    def count_instances(
        self, session: Session, actor: Actor, *, status: str | None = None, mine: bool = False
    ) -> int:
        """How many requests ``instances`` lists in all (for its pages)."""
        everyone = roles.book(session).sees_everything(actor.roles) and not mine
        return store.count_instances(
            session, requester_id=None if everyone else actor.user_id, status=status
        )

    def cancel(
        self, session: Session, instance_id: str, actor: Actor, now: datetime, *, reason: str
    ) -> None:
        """Cancel with a reason; the meeting is ended and the requester told by the worker."""
        cancelling.cancel(session, instance_id, actor, now, reason=reason,
                          max_passes=self.settings.max_passes)

    def may_cancel(self, session: Session, instance_id: str, actor: Actor) -> bool:
        return instances.may_cancel(actor, instances.get_visible(session, instance_id, actor))

    # -- tasks -------------------------------------------------------------------------
    def inbox(self, session: Session, actor: Actor) -> list[tasks.InboxItem]:
        return tasks.inbox(session, actor)

    def open_task(
        self, session: Session, task_id: str, actor: Actor, now: datetime, *,
        history: bool = True, look: bool = False,
    ) -> TaskView:
        """``history=False``: leave ``sent_back`` out (the caller reads the records anyway);
        ``look``: a person opened its page (restarts a draft's clock)."""
        return tasks.open_task(session, task_id, actor, now, history=history, look=look)

    def task(self, session: Session, task_id: str, actor: Actor) -> TaskView:
        """The task, recording nothing (a confirmation page about it)."""
        return tasks.read_task(session, task_id, actor)

    def claim(self, session: Session, task_id: str, actor: Actor, now: datetime) -> None:
        claims.claim(session, task_id, actor, now)

    def unclaim(self, session: Session, task_id: str, actor: Actor, now: datetime) -> None:
        claims.unclaim(session, task_id, actor, now)

    def take_over(
        self, session: Session, task_id: str, actor: Actor, now: datetime, *, expect: str | None
    ) -> str | None:
        """Take a colleague's claimed task (confirmed against ``expect``, the holder seen)."""
        return claims.take_over(session, task_id, actor, now, expect=expect)

    def assignees(self, session: Session, task_id: str, actor: Actor) -> list[tuple[str, str]]:
        return claims.assignees(session, task_id, actor)

    def assign(
        self, session: Session, task_id: str, actor: Actor, now: datetime, *, to: str,
        expect: str | None,
    ) -> None:
        claims.assign(session, task_id, actor, now, to=to, expect=expect)

    def complete(
        self,
        session: Session,
        task_id: str,
        actor: Actor,
        data: Mapping[str, Any],
        now: datetime,
        *,
        remote_addr: str | None = None,
        password: str | None = None,
    ) -> InstanceView:
        """Complete a task; ``password`` is the signer's, asked again on a signing form."""
        try:
            loaded = tasks.complete(
                session,
                task_id,
                actor,
                data,
                now,
                max_passes=self.settings.max_passes,
                remote_addr=remote_addr,
                password=password,
                sign_in=self.settings.sign_in,
            )
        except WrongPassword:
            session.commit()  # the wrong password stays on record, as a failed sign-in does
            raise
        snapshot.capture(session, loaded, task_id, now)  # the pass's document, if it makes one
        view = instances.view(session, loaded.row, loaded.workflow, loaded.records)
        return instances.as_read_by(view, actor)

    # -- attachments -------------------------------------------------------------------
    def add_attachment(
        self,
        session: Session,
        instance_id: str,
        actor: Actor,
        *,
        attachment_id: str,
        filename: str,
        stored_name: str,
        content_type: str,
        size: int,
        sha256: str,
        now: datetime,
    ) -> AttachmentView:
        inst = instances.get_visible(session, instance_id, actor)
        if inst.requester_id != actor.user_id or inst.status not in ("draft", "running"):
            raise Forbidden("Hanya pemohon yang dapat mengunggah berkas untuk permintaan berjalan.")
        letter = letters.NewLetter(attachment_id, filename, stored_name, content_type, size,
                                   sha256)
        row = letters.add(session, inst, actor, letter, now, self.settings.letters)
        return AttachmentView.of(row)  # another id: the same file was stored already

    def discard_pending_letter(self, session: Session, task_id: str, attachment_id: str,
                               actor: Actor) -> str | None:
        """Drop a letter replaced before its step was completed; its stored name."""
        return letters.discard_pending(session, task_id, attachment_id, actor)

    def attachment(self, session: Session, attachment_id: str, actor: Actor) -> AttachmentView:
        row = store.attachment(session, attachment_id)
        instances.get_visible(session, row.instance_id, actor)
        return AttachmentView.of(row)

    # -- the official record ------------------------------------------------------------
    def record(
        self, session: Session, instance_id: str, actor: Actor, now: datetime
    ) -> dict[str, Any]:
        """One request's whole record (``engine.dossier``); auditors and admins only."""
        return dossier.export(session, instance_id, actor, now)

    def verify_audit(self, session: Session) -> audit.Verdict:
        """Walk the audit chain and the step records; the first broken link, if any."""
        return audit.verify(session)

    # -- automated work ----------------------------------------------------------------
    def run_jobs(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        limit: int = 1000,
        worker_id: str = "worker",
        stop: Callable[[], bool] = lambda: False,
    ) -> int:
        """One worker tick: record target breaches, expire old drafts, delete done jobs past
        their retention (hourly), then run due jobs (up to ``limit``,
        or until ``stop()`` says so between two jobs); how many jobs ran."""
        days = self.settings.worker.draft_days
        with sessions.begin() as session:  # one transaction when no draft is old enough
            breaches.record_breaches(session, clock())
            old_drafts = bool(drafts.stale(session, clock(), days=days, limit=1))
        if old_drafts:
            try:
                with sessions.begin() as session:
                    drafts.expire(session, clock(), days=days,
                                  max_passes=self.settings.max_passes)
            except Conflict:  # the requester was sending it just now: no longer a draft
                pass
        self.housekeeping.run(sessions, clock(), days=self.settings.worker.job_retention_days)
        done, more = 0, True
        while more and done < limit and not stop():
            ran, more = jobs.run_batch(sessions, self.services, clock, worker_id,
                                       limit=limit - done, stop=stop)
            if not ran:
                break
            done += ran
        return done

    def retry_incident(
        self, session: Session, instance_id: str, actor: Actor, now: datetime
    ) -> int:
        if not actor.has("admin", *roles.book(session).operators):
            raise Forbidden("Hanya admin atau staf yang dapat mencoba ulang.")
        return jobs.retry_incident(session, instance_id, actor.username, now)

    # -- admin -------------------------------------------------------------------------
    def incidents(self, session: Session, actor: Actor) -> list[InstanceSummary]:
        """Instances stopped by a failure nobody caught (the admin's "Insiden" page)."""
        if not actor.has("admin", *roles.book(session).operators):
            raise Forbidden("Hanya admin atau staf yang dapat melihat insiden.")
        return [InstanceSummary.of(r) for r in store.incidents(session)]

    def mail_outbox(self, session: Session, actor: Actor, *, limit: int = 200) -> list[MailView]:
        """The newest notification mails, delivered or waiting in the local outbox."""
        if not actor.has("admin"):
            raise Forbidden("Hanya admin yang dapat membaca kotak surat keluar.")
        return [MailView.of(r, n) for r, n in store.mail_messages(session, limit=limit)]

    # -- reports -----------------------------------------------------------------------
    def durations(
        self,
        session: Session,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        instansi: str | None = None,
        version: int | None = None,
        office_hours: OfficeHours | None = None,
        now: datetime | None = None,
    ) -> reporting.DurationReport:
        """Step durations against their SOP targets (read-only; auditors and admins); on
        the working-hours clock when ``office_hours`` are given (the configured ones, which
        the records were stamped with); with ``now``, the steps overdue at that moment too."""
        return reporting.durations(
            session, reporting.ReportFilter(date_from, date_to, instansi, version), office_hours,
            now,
        )

    def recompute_durations(self, session: Session, office_hours: OfficeHours) -> int:
        """Restamp every completed step record's and request's durations with
        ``office_hours`` (after the configured office hours changed); how many changed."""
        return stamps.recompute(session, office_hours)

    def duration_records(
        self,
        session: Session,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        instansi: str | None = None,
        version: int | None = None,
    ) -> Iterator[RecordRow]:
        """The step records behind the report, one per step per pass, streamed (CSV)."""
        scope = reporting.ReportFilter(date_from, date_to, instansi, version)
        return reporting.records(session, scope)

    def process_diagram(self, session: Session, *, version: int | None = None) -> Diagram:
        """The diagram (from the BPMN file's DI) of a version, default the active one."""
        return reporting.diagram(session, reporting.ReportFilter(version=version))

    def report_options(self, session: Session) -> reporting.ReportOptions:
        """The instansi and version numbers the report's filters offer."""
        return reporting.options(session)

    def instance_diagram(self, session: Session, instance_id: str, actor: Actor) -> InstanceDiagram:
        """One request on its version's diagram: steps done, current, the path taken."""
        inst = instances.get_visible(session, instance_id, actor)
        steps = [StepView.of(r) for r in store.step_rows(session, inst.id)]
        return diagram.of_instance(inst.version.bpmn_xml, inst.id, inst.status, steps)

    def record_breaches(self, session: Session, now: datetime) -> int:
        """Mark ready steps past their target, log and notify once each (the worker)."""
        return breaches.record_breaches(session, now)


@dataclass(frozen=True)
class MailView:
    """One row of the mail outbox as the admin page shows it (the invite only as a flag)."""

    id: int
    instance_id: str | None
    number: str | None
    to: str
    subject: str
    body: str
    has_invite: bool
    status: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, row: MailMessageRow, number: str | None = None) -> MailView:
        return cls(
            row.id,
            row.instance_id,
            number,
            row.to,
            row.subject,
            row.body,
            row.ics is not None,
            row.status,
            row.created_at,
            row.sent_at,
            row.last_error,
        )
