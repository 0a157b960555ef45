"""The engine's exception tree: every error the engine raises roots at ``EngineError``.

Entry points (views, CLI, worker) map these to HTTP statuses, exit codes or retries.
Messages are Indonesian first (the UI's source language) and are also gettext msgids:
``FieldError.template`` with its ``params`` lets the web layer translate them.
Imports nothing from the web or HTTP layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import foreign_text


class EngineError(Exception):
    """Root of everything the engine raises on purpose.

    The message is an Indonesian template with ``%(name)s`` placeholders and its
    ``params`` apart, so the web layer can translate it (the template is the msgid).
    """

    def __init__(self, template: str = "", **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


@dataclass(frozen=True)
class FieldError:
    """One message about one form field, kept as template + params so it can be translated:
    through the catalog (the template is the msgid), or, for a message a process pack
    wrote, by the pack's own ``translations`` (language -> template)."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    translations: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.template % dict(self.params) if self.params else self.template


class InvalidFormData(EngineError):
    """Submitted data broke the form's schema or its rules; nothing was saved."""

    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class DefinitionError(EngineError):
    """A BPMN file (or one of its forms) failed validation; the active version stays."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__(f"{filename}: " + "; ".join(problems))


class NotFound(EngineError):
    """The thing does not exist, or the actor may not know that it exists."""


class Forbidden(EngineError):
    """The actor may see the thing but may not do this to it."""


class Conflict(EngineError):
    """The state changed under the caller (optimistic locking, a task no longer ready)."""


class TaskAlreadyCompleted(Conflict):
    """Someone completed the task first; ``by`` names them."""

    def __init__(self, task_id: str, by: str | None) -> None:
        self.task_id = task_id
        self.by = by
        super().__init__("Tugas sudah diselesaikan oleh %(by)s.", by=by or "pengguna lain")


class TaskClaimedByOther(Conflict):
    """The task is claimed by another user."""

    def __init__(self, task_id: str, by: str) -> None:
        self.task_id = task_id
        self.by = by
        super().__init__("Tugas sedang dikerjakan oleh %(by)s.", by=by)


class LoopLimitReached(EngineError):
    """The "not signed, back to step 1" loop ran more passes than configured."""


class ConnectorError(EngineError):
    """A service-task implementation failed.

    ``retryable`` is set honestly by the connector: True for timeouts before sending,
    5xx, 429 and connection errors; False for bad credentials, unknown hosts and rejected
    input. ``retry_after`` (seconds) comes from the provider's ``Retry-After`` when given.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        provider: str = "",
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        # Often the provider's own words: stored and shown, so held to what a store can hold.
        self.message = foreign_text.clean(message)
        self.retryable = retryable
        self.provider = provider
        self.status = status
        self.code = None if code is None else foreign_text.clean(code)
        self.retry_after = retry_after
        super().__init__(self.message)

    def describe(self) -> str:
        """One line for the staff inbox: provider, status, message (never secrets)."""
        parts = [
            p
            for p in (self.provider, str(self.status) if self.status else "", self.code or "")
            if p
        ]
        prefix = " ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message
